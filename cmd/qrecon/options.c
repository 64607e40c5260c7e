/* qrecon's options: which subcommands take each, and their values. */
#include "qrecon.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F_H (1u << SUB_HERALDED)
#define F_C (1u << SUB_COMPUTATIONAL)
#define F_P (1u << SUB_PATTERNS)
#define F_M (1u << SUB_MERGE)

enum {
    O_ACCIDENTALS = CLI_OPT_FIRST_TOOL_OPTION,
    O_SINGLES,
    O_HERALD,
    O_FLAT,
    O_DECONVOLVE,
    O_SIZE,
    O_BUCKETS,
    O_PATTERNS,
    O_ORDER,
    O_PATTERN_SEED,
    O_FILL,
    O_COUNT,
    O_SAMPLING,
    O_NO_SPLIT,
    O_MARKER_CHANNEL,
    O_BUCKET_CHANNEL,
    O_BASIS,
    O_SCALE,
    O_PARTIAL,
    O_REPORT,
    O_PROM,
};

/* Which subcommands take each option. */
static const struct {
    int opt;
    unsigned subs;
} applies[] = {
    {O_ACCIDENTALS, F_H},        {O_SINGLES, F_H},
    {O_HERALD, F_H},             {O_FLAT, F_H | F_M},
    {O_DECONVOLVE, F_H | F_M},   {O_SIZE, F_H | F_C | F_P},
    {'a', F_C | F_M},            {O_BUCKETS, F_C},
    {O_PATTERNS, F_C | F_P | F_M}, {O_ORDER, F_C | F_P},
    {O_PATTERN_SEED, F_C | F_P}, {O_FILL, F_C | F_P},
    {O_COUNT, F_C | F_P},        {O_SAMPLING, F_C | F_P},
    {O_NO_SPLIT, F_C | F_P},     {O_MARKER_CHANNEL, F_C},
    {O_BUCKET_CHANNEL, F_C},     {'i', F_H | F_C | F_M},
    {'t', F_H | F_C | F_M},      {'l', F_C | F_M},
    {O_BASIS, F_C | F_M},        {O_SCALE, F_H | F_C | F_M},
    {O_PARTIAL, F_H | F_C | F_M}, {O_REPORT, F_H | F_C | F_M}, {O_PROM, F_H | F_C | F_M},
};

static const struct option longopts[] = {
    {"accidentals", required_argument, NULL, O_ACCIDENTALS},
    {"singles", required_argument, NULL, O_SINGLES},
    {"herald", required_argument, NULL, O_HERALD},
    {"flat", required_argument, NULL, O_FLAT},
    {"deconvolve", required_argument, NULL, O_DECONVOLVE},
    {"size", required_argument, NULL, O_SIZE},
    {"algorithm", required_argument, NULL, 'a'},
    {"buckets", required_argument, NULL, O_BUCKETS},
    {"patterns", required_argument, NULL, O_PATTERNS},
    {"order", required_argument, NULL, O_ORDER},
    {"pattern-seed", required_argument, NULL, O_PATTERN_SEED},
    {"fill", required_argument, NULL, O_FILL},
    {"count", required_argument, NULL, O_COUNT},
    {"sampling", required_argument, NULL, O_SAMPLING},
    {"no-split", no_argument, NULL, O_NO_SPLIT},
    {"marker-channel", required_argument, NULL, O_MARKER_CHANNEL},
    {"bucket-channel", required_argument, NULL, O_BUCKET_CHANNEL},
    {"iterations", required_argument, NULL, 'i'},
    {"tolerance", required_argument, NULL, 't'},
    {"lambda", required_argument, NULL, 'l'},
    {"basis", required_argument, NULL, O_BASIS},
    {"format", required_argument, NULL, 'O'},
    {"scale", required_argument, NULL, O_SCALE},
    {"partial", no_argument, NULL, O_PARTIAL},
    {"report", required_argument, NULL, O_REPORT},
    {"prom", required_argument, NULL, O_PROM},
    {"quiet", no_argument, NULL, 'q'},
    {"output", required_argument, NULL, 'o'},
    CLI_COMMON_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static void check_applies(const struct qrecon_opts *o, int opt)
{
    for (size_t i = 0; i < sizeof applies / sizeof *applies; i++)
        if (applies[i].opt == opt && !(applies[i].subs & (1u << o->sub)))
            cli_usage_error("--%s does not apply to qrecon %s", cli_option_name(longopts, opt),
                            qrecon_subcommands[o->sub]);
}

/* "N" or "WxH", each side 1 to 65535. */
static void parse_size(struct qrecon_opts *o, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long w = strtoul(arg, &end, 10), h = w;
    if (*end == 'x' || *end == 'X')
        h = strtoul(end + 1, &end, 10);
    if (errno || *end || w < 1 || h < 1 || w > 65535 || h > 65535 || !isdigit((unsigned char)*arg))
        cli_usage_error("--size: '%s' is not N or WxH (1 to 65535)", arg);
    if (w * h > QRECON_MAX_PIXELS)
        cli_usage_error("--size: %lux%lu is more than %lu pixels", w, h,
                        (unsigned long)QRECON_MAX_PIXELS);
    o->width = (uint32_t)w;
    o->height = (uint32_t)h;
    o->has_size = 1;
}

static void parse_scale(struct qrecon_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char *end;
    if (!colon)
        cli_usage_error("--scale: '%s' is not LO:HI", arg);
    o->scale_lo = strtod(arg, &end);
    if (end != colon)
        cli_usage_error("--scale: '%s' is not LO:HI", arg);
    o->scale_hi = strtod(colon + 1, &end);
    if (*end || !isfinite(o->scale_lo) || !isfinite(o->scale_hi) || o->scale_lo == o->scale_hi)
        cli_usage_error("--scale: '%s' needs two different finite numbers", arg);
    o->has_scale = 1;
}

static void parse_named(int opt, const char *arg, struct qrecon_opts *o)
{
    switch (opt) {
    case 'a':
        if (qev_recon_algo_parse(arg, &o->algo) != QEV_OK)
            cli_usage_error("--algorithm: '%s' is not tgi, dgi, ngi, hadamard, cgls, tv, fista "
                            "or pml", arg);
        o->has_algo = 1;
        break;
    case O_ORDER:
        if (qev_order_parse(arg, &o->order) != QEV_OK)
            cli_usage_error("--order: '%s' is not natural, zigzag, cake, rd, walsh or random",
                            arg);
        o->has_order = 1;
        break;
    case O_BASIS:
        if (qev_recon_basis_parse(arg, &o->basis) != QEV_OK)
            cli_usage_error("--basis: '%s' is not dct or haar", arg);
        break;
    }
}

static void parse_option(int opt, const char *arg, struct qrecon_opts *o)
{
    switch (opt) {
    case O_ACCIDENTALS: o->accidentals = arg; break;
    case O_SINGLES: o->singles = arg; break;
    case O_HERALD: o->herald = cli_int("--herald", arg, 0, 65535); break;
    case O_FLAT: o->flat = arg; break;
    case O_DECONVOLVE: o->deconvolve = cli_real("--deconvolve", arg, "px", 1e-3, 100); break;
    case O_SIZE: parse_size(o, arg); break;
    case O_BUCKETS: o->buckets = arg; break;
    case O_PATTERNS: o->patterns = arg; break;
    case O_PATTERN_SEED: o->seed = cli_count("--pattern-seed", arg), o->has_seed = 1; break;
    case O_FILL: o->fill = cli_real("--fill", arg, NULL, 0, 1), o->has_fill = 1; break;
    case O_COUNT: o->count = cli_count("--count", arg), o->has_count = 1; break;
    case O_SAMPLING: o->sampling = cli_real("--sampling", arg, NULL, 1e-9, 1); break;
    case O_NO_SPLIT: o->no_split = 1; break;
    case O_MARKER_CHANNEL: o->marker_channel = cli_int("--marker-channel", arg, 0, 65535); break;
    case O_BUCKET_CHANNEL: o->bucket_channel = cli_int("--bucket-channel", arg, 0, 65535); break;
    case 'i': o->iterations = (unsigned)cli_int("--iterations", arg, 1, 100000000); break;
    case 't': o->tolerance = cli_real("--tolerance", arg, NULL, 1e-15, 1); break;
    case 'l': o->lambda = cli_real("--lambda", arg, NULL, 0, 1e6); break;
    case 'O': o->format = arg; break;
    case O_SCALE: parse_scale(o, arg); break;
    case O_PARTIAL: o->partial = 1; break;
    case O_REPORT: o->report = arg; break;
    case O_PROM: o->prom = arg; break;
    case 'q': o->quiet = 1; break;
    case 'o': o->output = arg; break;
    default: parse_named(opt, arg, o);
    }
}

static void set_defaults(struct qrecon_opts *o)
{
    o->herald = -1;
    o->bucket_channel = 1;
    o->lambda = -1;
    o->fill = 0.5;
    o->seed = 1;
}

void qrecon_parse_args(int argc, char **argv, struct qrecon_opts *o)
{
    int opt;
    set_defaults(o);
    while ((opt = getopt_long(argc, argv, "a:i:t:l:O:qo:hV", longopts, NULL)) != -1) {
        if (opt == 'h' || opt == 'V' || opt == '?' || opt == CLI_OPT_NO_PROVENANCE) {
            cli_common_option(opt, qrecon_subcommand_usage(o->sub));
            continue;
        }
        check_applies(o, opt);
        parse_option(opt, optarg, o);
    }
    if (o->has_count && o->sampling > 0)
        cli_usage_error("--count and --sampling exclude each other");
    if (o->accidentals && o->singles)
        cli_usage_error("--accidentals and --singles exclude each other");
    if (o->partial && (o->format || o->has_scale))
        cli_usage_error("--partial writes sums, not an image: --format and --scale do not apply");
}

