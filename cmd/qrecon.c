/* qrecon: images from photons. Heralded ghost imaging from coincidence
 * groups, computational ghost imaging and single-pixel imaging from bucket
 * signals under known patterns, the pattern sequence for a device, and exact
 * merges of partial sums from shards. */
#include "calib.h"
#include "cli.h"
#include "cli_side.h"
#include "image.h"
#include "partial.h"
#include "patterns.h"
#include "qev.h"
#include "recon.h"
#include "recon_data.h"
#include "recon_herald.h"
#include "recon_io.h"
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: qrecon heralded [OPTION]... [FILE]\n"
    "       qrecon computational [OPTION]... [FILE]\n"
    "       qrecon patterns [OPTION]...\n"
    "       qrecon merge [OPTION]... PARTIAL...\n"
    "Reconstruct images from photon streams: heralded quantum ghost imaging from\n"
    "coincidence groups, computational ghost imaging and single-pixel imaging from\n"
    "bucket signals under known patterns; write the patterns a device shows.\n"
    "\n"
    "qrecon heralded (FILE: coincidence groups from qcorr coinc, with pixels):\n"
    "      --accidentals=FILE  subtract the groups of a delayed-window stream of the\n"
    "                          same window (qcorr coinc --delayed)\n"
    "      --singles=FILE      subtract N_h S_j W / T from the singles in FILE (the\n"
    "                          stream before qcorr coinc)\n"
    "      --herald=CH         the herald channel of --singles (default: the channel\n"
    "                          whose role is bucket, else 1)\n"
    "      --flat=FILE         divide by a flat field: a calibration from qcal flat,\n"
    "                          or an image (PFM, PGM, PNG)\n"
    "      --deconvolve=SIGMA  Richardson-Lucy with a Gaussian PSF of sd SIGMA pixels\n"
    "      --size=WxH          the image size, when the stream does not say it\n"
    "\n"
    "qrecon computational (FILE: a stream with a marker opening each measurement):\n"
    "  -a, --algorithm=NAME    tgi, dgi, ngi, hadamard, cgls, tv, fista or pml\n"
    "                          (default: hadamard for Hadamard patterns, else dgi)\n"
    "      --buckets=FILE      bucket values from \"index value\" rows instead\n"
    "      --patterns=P        hadamard, random, or a file of patterns (a PGM stack,\n"
    "                          or raw bytes with --size) as qrecon patterns writes\n"
    "      --size=N|WxH        the pattern size\n"
    "      --order=NAME        natural, zigzag, cake, rd, walsh or random\n"
    "      --pattern-seed=N    seed of random patterns and of the random order\n"
    "      --fill=P            share of the pixels on in random patterns\n"
    "      --count=N           the first N patterns of the ordering were shown\n"
    "      --sampling=P        the first P x pixels patterns were shown\n"
    "      --no-split          Hadamard: one signed measurement per pattern\n"
    "      --marker-channel=CH the markers' channel (default 0)\n"
    "      --bucket-channel=CH the bucket's channel (default 1)\n"
    "  -i, --iterations=N      at most N iterations (cgls 100, tv 300, fista 500,\n"
    "                          pml 200, heralded --deconvolve 50)\n"
    "  -t, --tolerance=X       stop when the relative change falls below X\n"
    "  -l, --lambda=X          tv and fista weight, relative to the image level\n"
    "                          (default: tv 0.05, fista 0.02)\n"
    "      --basis=NAME        fista's basis: dct (default) or haar\n"
    "  Stream metadata (qsim spi) gives the defaults of the pattern options.\n"
    "\n"
    "qrecon patterns (the measurement sequence: 2k = P+, 2k+1 = P- when split):\n"
    "      --patterns, --size, --order, --pattern-seed, --fill, --count,\n"
    "      --sampling, --no-split as above; -O pgm (a PGM stack, default) or raw\n"
    "\n"
    "Output:\n"
    "  -O, --format=FMT        pfm (default: float, unscaled), pgm, pgm16, png,\n"
    "                          png16 or tsv; -o FILE.EXT chooses by extension\n"
    "      --scale=LO:HI       map LO..HI to the full range of pgm and png\n"
    "                          (default: the image's minimum and maximum)\n"
    "      --partial           write the accumulated sums for qrecon merge\n"
    "      --report=FILE       write the report as JSON to FILE\n"
    "      --prom=FILE         write the report as Prometheus metrics to FILE\n"
    "  -q, --quiet             no report or scaling note on standard error\n"
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n";

/* Images larger than this are refused, whatever a header or an option says. */
#define MAX_PIXELS (1ul << 24)

enum subcommand { SUB_HERALDED, SUB_COMPUTATIONAL, SUB_PATTERNS, SUB_MERGE, SUB_COUNT };
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

struct opts {
    enum subcommand sub;
    const char *accidentals, *singles, *flat, *buckets, *patterns, *output, *report, *prom, *format;
    long herald;
    double deconvolve, fill, sampling, tolerance, lambda, scale_lo, scale_hi;
    uint32_t width, height;
    enum qev_order order;
    uint64_t seed, count;
    long marker_channel, bucket_channel;
    unsigned iterations;
    enum qev_recon_algo algo;
    enum qev_recon_basis basis;
    int has_algo, has_size, has_order, has_seed, has_fill, has_count, no_split, has_scale;
    int partial, quiet;
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

static const char *option_name(int opt)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

static void check_applies(const struct opts *o, int opt)
{
    static const char *const names[] = {"heralded", "computational", "patterns", "merge"};
    for (size_t i = 0; i < sizeof applies / sizeof *applies; i++)
        if (applies[i].opt == opt && !(applies[i].subs & (1u << o->sub)))
            cli_usage_error("--%s does not apply to qrecon %s", option_name(opt), names[o->sub]);
}

/* "N" or "WxH", each side 1 to 65535. */
static void parse_size(struct opts *o, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long w = strtoul(arg, &end, 10), h = w;
    if (*end == 'x' || *end == 'X')
        h = strtoul(end + 1, &end, 10);
    if (errno || *end || w < 1 || h < 1 || w > 65535 || h > 65535 || !isdigit((unsigned char)*arg))
        cli_usage_error("--size: '%s' is not N or WxH (1 to 65535)", arg);
    if (w * h > MAX_PIXELS)
        cli_usage_error("--size: %lux%lu is more than %lu pixels", w, h, (unsigned long)MAX_PIXELS);
    o->width = (uint32_t)w;
    o->height = (uint32_t)h;
    o->has_size = 1;
}

static void parse_scale(struct opts *o, const char *arg)
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

static void parse_named(int opt, const char *arg, struct opts *o)
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

static void parse_option(int opt, const char *arg, struct opts *o)
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

static void set_defaults(struct opts *o)
{
    o->herald = -1;
    o->bucket_channel = 1;
    o->lambda = -1;
    o->fill = 0.5;
    o->seed = 1;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "a:i:t:l:O:qo:hV", longopts, NULL)) != -1) {
        if (opt == 'h' || opt == 'V' || opt == '?' || opt == CLI_OPT_NO_PROVENANCE) {
            cli_common_option(opt, usage);
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

/* ---- the report ---- */

#define REPORT_MAX 40
static struct {
    const char *key[REPORT_MAX];
    char value[REPORT_MAX][160];
    int text[REPORT_MAX];
    size_t n;
    const char *source; /* the input, for --prom's labels */
    double started;     /* monotonic seconds at the start of the run */
} report;

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void report_add(const char *key, int text, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report_add(const char *key, int text, const char *fmt, ...)
{
    if (report.n == REPORT_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(report.value[report.n], sizeof report.value[0], fmt, ap);
    va_end(ap);
    report.key[report.n] = key;
    report.text[report.n++] = text;
}

static void report_num(const char *key, double v)
{
    if (isfinite(v))
        report_add(key, 0, "%.10g", v);
    else
        report_add(key, 0, "null");
}

static void write_report_json(const char *path, const char *command)
{
    qev_atomic_file a;
    FILE *f = cli_side_open(&a, path);
    fprintf(f, "{\"tool\": \"qrecon\", \"command\": \"%s\"", command);
    for (size_t i = 0; i < report.n; i++) {
        fprintf(f, ", \"%s\": ", report.key[i]);
        if (report.text[i])
            report_json_string(f, report.value[i]);
        else
            fputs(report.value[i], f);
    }
    fputs("}\n", f);
    cli_side_commit(&a);
}

/* The report's numbers that monitoring watches, as Prometheus metrics. */
static const struct prom_metric {
    const char *key, *name, *type, *help;
} prom_metrics[] = {
    {"photons_used", "qpipe_recon_photons_total", "counter",
     "Photons in coincidence with a herald, summed into the image."},
    {"photons", "qpipe_recon_photons_total", "counter",
     "Bucket photons counted into the measurements."},
    {"groups", "qpipe_recon_coincidence_groups_total", "counter",
     "Coincidence groups read."},
    {"heralds", "qpipe_recon_heralds_total", "counter", "Herald events read."},
    {"measurements", "qpipe_recon_measurements_total", "counter",
     "Measurements (patterns shown) reconstructed from."},
    {"accidentals_subtracted", "qpipe_recon_accidentals", "gauge",
     "Estimated accidental coincidences subtracted from the image."},
    {"net_counts", "qpipe_recon_net_counts", "gauge",
     "Coincidences in the image after the accidentals were subtracted."},
    {"snr_total", "qpipe_recon_snr_ratio", "gauge",
     "Signal-to-noise ratio of the image's total net counts."},
    {"iterations", "qpipe_recon_iterations", "gauge", "Iterations of the solver."},
    {"converged", "qpipe_recon_converged", "gauge",
     "1 when the solver met its tolerance, 0 when it stopped at its limit."},
    {"residual", "qpipe_recon_residual_ratio", "gauge",
     "Relative residual |Ax - b| / |b| of the reconstruction."},
};

static void prom_value(FILE *f, const char *name, const char *command, double v)
{
    fprintf(f, "%s{source=\"", name);
    report_prom_label(f, report.source);
    fprintf(f, "\",command=\"%s\"} ", command);
    report_prom_number(f, v);
}

static double report_value(const char *text)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        return text[0] == 't';
    char *end;
    double v = strtod(text, &end);
    return end != text && *end == '\0' ? v : NAN;
}

static void write_report_prom(const char *path, const char *command)
{
    qev_atomic_file a;
    FILE *f = cli_side_open(&a, path);
    report_prom_family(f, "qpipe_recon_duration_seconds", "gauge",
                       "Wall time from the start of the run to the finished image.");
    prom_value(f, "qpipe_recon_duration_seconds", command, monotonic_seconds() - report.started);
    for (size_t m = 0; m < sizeof prom_metrics / sizeof *prom_metrics; m++)
        for (size_t i = 0; i < report.n; i++) {
            if (strcmp(report.key[i], prom_metrics[m].key) != 0)
                continue;
            const struct prom_metric *p = &prom_metrics[m];
            report_prom_family(f, p->name, p->type, p->help);
            prom_value(f, p->name, command, report_value(report.value[i]));
        }
    cli_side_commit(&a);
}

static void print_report(const struct opts *o, const char *command)
{
    if (o->report)
        write_report_json(o->report, command);
    if (o->prom)
        write_report_prom(o->prom, command);
    if (o->quiet)
        return;
    fprintf(stderr, "qrecon %s:\n", command);
    for (size_t i = 0; i < report.n; i++)
        fprintf(stderr, "  %-22s %s\n", report.key[i], report.value[i]);
}

/* ---- metadata ---- */

static int meta_int(const qev_meta *m, const char *key, int64_t *v)
{
    const char *s = m ? qev_meta_get(m, key) : NULL;
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        cli_die(NULL, "metadata %s=%s is not an integer", key, s);
    *v = x;
    return 1;
}

static void owned_interval(const qev_meta *m, int64_t *from, int64_t *to)
{
    *from = INT64_MIN;
    *to = INT64_MAX;
    int64_t f, t;
    if (meta_int(m, "owned_from_ps", &f) && meta_int(m, "owned_to_ps", &t)) {
        *from = f;
        *to = t;
    }
}

static void image_size(struct opts *o, const qev_meta *m, const char *what)
{
    int64_t w, h;
    if (o->has_size)
        return;
    if (!meta_int(m, "image_width", &w) || !meta_int(m, "image_height", &h))
        cli_usage_error("%s does not say the image size: give --size", what);
    if (w < 1 || h < 1 || w > 65535 || h > 65535 || (uint64_t)(w * h) > MAX_PIXELS)
        cli_die(what, "image size %" PRId64 "x%" PRId64 " is out of range (at most %lu pixels)",
                w, h, (unsigned long)MAX_PIXELS);
    o->width = (uint32_t)w;
    o->height = (uint32_t)h;
}

/* ---- image output ---- */

static enum qev_recon_format output_format(const struct opts *o)
{
    enum qev_recon_format f = QEV_OUT_PFM;
    if (o->format) {
        if (qev_recon_format_parse(o->format, &f) != QEV_OK)
            cli_usage_error("--format: '%s' is not pfm, pgm, pgm16, png, png16 or tsv", o->format);
    } else if (o->output && strcmp(o->output, "-") != 0 &&
               qev_recon_format_of_path(o->output, &f) != QEV_OK) {
        f = QEV_OUT_PFM;
    }
    return f;
}

static qev_image_scale image_scale(const struct opts *o, const qev_image *im, const char **how)
{
    if (o->has_scale) {
        *how = "--scale";
        return (qev_image_scale){o->scale_lo, o->scale_hi};
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < im->width * im->height; i++) {
        lo = fmin(lo, im->px[i]);
        hi = fmax(hi, im->px[i]);
    }
    *how = "the image's minimum and maximum";
    if (!(hi > lo)) {
        *how = "a flat image";
        hi = lo + 1;
    }
    return (qev_image_scale){lo, hi};
}

/* Writes the image; states the scaling of viewable formats on stderr and in
 * the file. */
static void write_image(const struct opts *o, const qev_image *im, const char *what)
{
    enum qev_recon_format f = output_format(o);
    char comment[512], why[256];
    qev_image_scale s = {0, 1};
    snprintf(comment, sizeof comment, "qrecon: %s", what);
    if (qev_recon_format_scaled(f)) {
        const char *how;
        s = image_scale(o, im, &how);
        unsigned top = f == QEV_OUT_PGM16 || f == QEV_OUT_PNG16 ? 65535 : 255;
        char line[256];
        snprintf(line, sizeof line, "scaled linearly: %.9g -> 0, %.9g -> %u (%s), clamped",
                 s.lo, s.hi, top, how);
        size_t used = strlen(comment);
        snprintf(comment + used, sizeof comment - used, "\n%s", line);
        if (!o->quiet)
            fprintf(stderr, "qrecon: %s %s\n", qev_recon_format_name(f), line);
    }
    FILE *out = cli_output_stream(o->output, f != QEV_OUT_TSV);
    if (qev_recon_write_image(out, im, f, s, comment, why, sizeof why) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "%s", why);
}

static void write_partial(const struct opts *o, qev_partial *p)
{
    if (!p)
        cli_die(NULL, "out of memory");
    FILE *out = cli_output_stream(o->output, 0);
    if (qev_partial_write(p, out) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "write error: %s", strerror(errno));
    qev_partial_free(p);
}

static void image_from(qev_image *im, uint32_t w, uint32_t h, const double *px)
{
    char why[200];
    if (qev_image_alloc(im, w, h, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    memcpy(im->px, px, (size_t)w * h * sizeof *px);
}

/* ---- heralded ---- */

static qev_reader *open_groups(const char *path, uint8_t need)
{
    qev_reader *r = cli_reader(path);
    uint8_t fields = 0;
    qev_meta_fields(qev_reader_meta(r), &fields);
    if ((fields & need) != need)
        cli_die(qev_reader_name(r), "%s: run qcorr coinc on the camera stream first",
                need & QEV_F_GROUP ? "no coincidence groups with pixels"
                                   : "no pixel photons");
    return r;
}

static void tally_stream(qev_reader *r, qev_tally *t, int singles, uint16_t herald)
{
    const qev_event *ev;
    long n;
    char why[256];
    while ((n = qev_read(r, &ev)) >= 0) {
        int rc = singles ? qev_tally_singles(t, ev, (size_t)n, herald, why, sizeof why)
                         : qev_tally_groups(t, ev, (size_t)n, why, sizeof why);
        if (rc != QEV_OK)
            cli_die(qev_reader_name(r), "%s", why);
        cli_progress(qev_reader_stats(r).bytes, qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
}

static void new_tally(qev_tally *t, const struct opts *o, const qev_meta *m)
{
    int64_t from, to;
    owned_interval(m, &from, &to);
    if (qev_tally_init(t, o->width, o->height, from, to) != QEV_OK)
        cli_die(NULL, "out of memory");
}

/* The channel whose channel_role.N is role, or -1. */
static long role_channel(const qev_meta *m, const char *role)
{
    for (size_t i = 0; m && i < qev_meta_count(m); i++) {
        const char *k = qev_meta_key(m, i);
        if (strncmp(k, "channel_role.", 13) == 0 && strcmp(qev_meta_value(m, i), role) == 0)
            return atol(k + 13);
    }
    return -1;
}

static uint16_t herald_channel(const struct opts *o, const qev_meta *m)
{
    if (o->herald >= 0)
        return (uint16_t)o->herald;
    long ch = role_channel(m, "bucket");
    return ch >= 0 && ch <= 65535 ? (uint16_t)ch : 1;
}

static void read_delayed(const struct opts *o, qev_herald_sums *s, int64_t window)
{
    qev_reader *r = open_groups(o->accidentals, QEV_F_GROUP | QEV_F_PIXEL);
    const qev_meta *m = qev_reader_meta(r);
    int64_t w;
    if (!meta_int(m, "coincidence_window_ps", &w) || w != window)
        cli_die(o->accidentals, "its coincidence window differs from the stream's (%" PRId64
                                " ps)", window);
    new_tally(&s->delayed, o, m);
    tally_stream(r, &s->delayed, 0, 0);
    cli_reader_close(r);
}

static void read_singles(const struct opts *o, qev_herald_sums *s)
{
    qev_reader *r = cli_reader(o->singles);
    const qev_meta *m = qev_reader_meta(r);
    new_tally(&s->singles, o, m);
    tally_stream(r, &s->singles, 1, herald_channel(o, m));
    cli_reader_close(r);
}

static void gather_heralded(struct opts *o, const char *path, qev_herald_sums *s)
{
    qev_reader *r = open_groups(path, QEV_F_GROUP | QEV_F_PIXEL);
    const qev_meta *m = qev_reader_meta(r);
    image_size(o, m, qev_reader_name(r));
    memset(s, 0, sizeof *s);
    s->width = o->width;
    s->height = o->height;
    s->camera_channel = role_channel(m, "spad_array");
    new_tally(&s->coinc, o, m);
    if (!meta_int(m, "resolution_ps", &s->quantum_ps))
        s->quantum_ps = 1;
    int have_window = meta_int(m, "coincidence_window_ps", &s->window_ps);
    if ((o->accidentals || o->singles) && !have_window)
        cli_die(qev_reader_name(r), "the stream does not say its coincidence window");
    tally_stream(r, &s->coinc, 0, 0);
    cli_reader_close(r);
    s->acc = o->accidentals ? QEV_ACC_DELAYED : o->singles ? QEV_ACC_SINGLES : QEV_ACC_NONE;
    if (o->accidentals)
        read_delayed(o, s, s->window_ps);
    if (o->singles)
        read_singles(o, s);
}

static int is_calibration(const char *path)
{
    char head[32] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    int yes = fgets(head, sizeof head, f) &&
              strncmp(head, QEV_CALIB_MAGIC, strlen(QEV_CALIB_MAGIC)) == 0;
    fclose(f);
    return yes;
}

/* The flat field from a calibration file (qcal flat): its only flat section,
 * or the one of the camera's channel when it holds several. */
static void flat_from_calibration(const struct opts *o, const qev_herald_sums *s, double *flat)
{
    qev_calib *c = qev_calib_new();
    FILE *f = fopen(o->flat, "r");
    char why[256];
    if (!c || !f)
        cli_die(o->flat, "cannot open: %s", c ? strerror(errno) : "out of memory");
    if (qev_calib_read(c, f, o->flat) != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
    fclose(f);
    int rc = qev_flat_from_calib(c, -1, s->width, s->height, flat, why, sizeof why);
    if (rc != QEV_OK && s->camera_channel >= 0 && strstr(why, "several"))
        rc = qev_flat_from_calib(c, s->camera_channel, s->width, s->height, flat, why,
                                 sizeof why);
    if (rc != QEV_OK)
        cli_die(o->flat, "%s", why);
    qev_calib_free(c);
}

static double *load_flat(const struct opts *o, const qev_herald_sums *s)
{
    if (!o->flat)
        return NULL;
    if (is_calibration(o->flat)) {
        double *flat = malloc((size_t)s->width * s->height * sizeof *flat);
        if (!flat)
            cli_die(NULL, "out of memory");
        flat_from_calibration(o, s, flat);
        return flat;
    }
    qev_image im;
    char why[256];
    if (qev_image_read(o->flat, NULL, &im, why, sizeof why) != QEV_OK)
        cli_die(o->flat, "%s", why);
    if (im.width != s->width || im.height != s->height)
        cli_die(o->flat, "the flat field is %zux%zu, the image %ux%u", im.width, im.height,
                s->width, s->height);
    return im.px;
}

/* A_j and Var A_j for the chosen accidentals, or NULL for none. */
static void accidentals_of(const qev_herald_sums *s, double *acc, double *var)
{
    size_t npix = (size_t)s->width * s->height;
    char why[256];
    if (s->acc == QEV_ACC_DELAYED) {
        for (size_t j = 0; j < npix; j++)
            acc[j] = var[j] = (double)s->delayed.count[j];
    } else if (s->acc == QEV_ACC_SINGLES) {
        double cover = qev_window_cover_ps(s->window_ps, s->quantum_ps);
        if (qev_accidentals_from_singles(&s->singles, cover, acc, var, why, sizeof why) != QEV_OK)
            cli_die(NULL, "--singles: %s", why);
    }
}

static void report_heralded(const qev_herald_sums *s, const double *acc, size_t masked,
                            const double *net, const double *var)
{
    static const char *const methods[] = {"none", "delayed window", "singles rates"};
    size_t npix = (size_t)s->width * s->height;
    double total_acc = 0, snr_total, snr_pixel;
    for (size_t j = 0; acc && j < npix; j++)
        total_acc += acc[j];
    qev_herald_snr(npix, net, var, &snr_total, &snr_pixel);
    report_add("image", 1, "%ux%u", s->width, s->height);
    report_add("groups", 0, "%" PRIu64, s->coinc.groups);
    report_add("photons_used", 0, "%" PRIu64, s->coinc.photons);
    report_add("accidentals_method", 1, "%s", methods[s->acc]);
    report_num("accidentals_subtracted", total_acc);
    if (s->acc == QEV_ACC_SINGLES)
        report_add("heralds", 0, "%" PRIu64, s->singles.heralds);
    report_num("net_counts", (double)s->coinc.photons - total_acc);
    report_add("masked_pixels", 0, "%zu", masked);
    report_num("snr_total", snr_total);
    report_num("snr_pixel", snr_pixel);
}

static void heralded_image(const struct opts *o, const qev_herald_sums *s)
{
    size_t npix = (size_t)s->width * s->height, masked;
    double *acc = calloc(npix, sizeof *acc), *var = calloc(npix, sizeof *var);
    double *net = calloc(npix, sizeof *net), *nvar = calloc(npix, sizeof *nvar);
    if (!acc || !var || !net || !nvar)
        cli_die(NULL, "out of memory");
    accidentals_of(s, acc, var);
    double *flat = load_flat(o, s);
    const double *a = s->acc == QEV_ACC_NONE ? NULL : acc;
    qev_herald_net(npix, s->coinc.count, a, var, flat, net, nvar, &masked);
    report_heralded(s, a, masked, net, nvar);
    static const char *const acc_text[] = {"", ", accidentals of a delayed window subtracted",
                                           ", accidentals from the singles subtracted"};
    char what[200];
    snprintf(what, sizeof what, "coincidences per pixel%s%s", acc_text[s->acc],
             flat ? ", divided by the flat field" : "");
    if (o->deconvolve > 0) {
        qev_rl_result res;
        char why[256];
        unsigned its = o->iterations ? o->iterations : 50;
        double tol = o->tolerance > 0 ? o->tolerance : 1e-4;
        if (qev_richardson_lucy(s->width, s->height, s->coinc.count, a, flat, o->deconvolve, its,
                                tol, net, &res, why, sizeof why) != QEV_OK)
            cli_die(NULL, "%s", why);
        report_num("deconvolve_sigma_px", o->deconvolve);
        report_add("iterations", 0, "%u", res.iterations);
        report_add("converged", 0, "%s", res.converged ? "true" : "false");
        snprintf(what, sizeof what, "coincidences per pixel, Richardson-Lucy estimate "
                                    "(Gaussian PSF of sd %g pixels)", o->deconvolve);
    }
    qev_image im;
    image_from(&im, s->width, s->height, net);
    write_image(o, &im, what);
    print_report(o, "heralded");
    qev_image_free(&im);
    free(acc);
    free(var);
    free(net);
    free(nvar);
    free(flat);
}

static void run_heralded(struct opts *o, const char *path)
{
    qev_herald_sums s;
    gather_heralded(o, path, &s);
    if (o->partial)
        write_partial(o, qev_herald_partial(&s));
    else
        heralded_image(o, &s);
    qev_herald_sums_free(&s);
}

/* ---- computational: the patterns ---- */

static void spec_kind(const struct opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    const char *kind = o->patterns ? o->patterns : m ? qev_meta_get(m, "patterns") : NULL;
    if (!kind || strcmp(kind, "hadamard") == 0)
        s->kind = QEV_PATTERNS_HADAMARD;
    else if (strcmp(kind, "random") == 0)
        s->kind = QEV_PATTERNS_RANDOM;
    else if (o->patterns)
        s->kind = QEV_PATTERNS_FILE;
    else
        cli_die(NULL, "the stream's patterns=%s are not hadamard or random: give --patterns FILE",
                kind);
}

static void spec_order(const struct opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    const char *name = m ? qev_meta_get(m, "pattern_order") : NULL;
    s->order = QEV_ORDER_NATURAL;
    if (o->has_order)
        s->order = o->order;
    else if (name && qev_order_parse(name, &s->order) != QEV_OK)
        cli_die(NULL, "the stream's pattern_order=%s is not an ordering qrecon knows", name);
}

static void spec_numbers(const struct opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    int64_t v;
    const char *fill = m ? qev_meta_get(m, "pattern_fill") : NULL;
    s->seed = o->has_seed ? o->seed : meta_int(m, "pattern_seed", &v) ? (uint64_t)v : o->seed;
    s->fill = o->has_fill || !fill ? o->fill : strtod(fill, NULL);
    uint64_t npix = (uint64_t)s->width * s->height;
    if (o->has_count)
        s->count = o->count;
    else if (o->sampling > 0)
        s->count = (uint64_t)ceil(o->sampling * (double)npix);
    else if (meta_int(m, "pattern_count", &v) && v > 0)
        s->count = (uint64_t)v;
    else
        s->count = npix;
    s->split = s->kind == QEV_PATTERNS_HADAMARD && !o->no_split;
}

static qev_pattern_spec resolve_spec(struct opts *o, const qev_meta *m, const char *what)
{
    qev_pattern_spec s = {0};
    spec_kind(o, m, &s);
    if (s.kind != QEV_PATTERNS_FILE)
        image_size(o, m, what);
    s.width = o->width;
    s.height = o->height;
    spec_order(o, m, &s);
    spec_numbers(o, m, &s);
    return s;
}

/* The operator; for a file, its frames fix the measurements (and the size). */
static qev_recon_op *pattern_op(struct opts *o, qev_pattern_spec *s)
{
    qev_recon_op *op = NULL;
    char why[256];
    if (s->kind != QEV_PATTERNS_FILE) {
        if (qev_pattern_op(s, &op, why, sizeof why) != QEV_OK)
            cli_die(NULL, "%s", why);
        return op;
    }
    size_t w = o->has_size ? o->width : 0, h = o->has_size ? o->height : 0, rows;
    float *v;
    if (qev_patterns_read(o->patterns, &w, &h, &v, &rows, (size_t)1 << 31, why, sizeof why))
        cli_die(o->patterns, "%s", why);
    if (s->width && (w != s->width || h != s->height))
        cli_die(o->patterns, "patterns of %zux%zu, but the image is %ux%u", w, h, s->width,
                s->height);
    s->width = (uint32_t)w;
    s->height = (uint32_t)h;
    s->count = rows;
    int rc = qev_op_dense(w, h, rows, v, &op);
    free(v);
    if (rc != QEV_OK)
        cli_die(o->patterns, "%s", rc == QEV_ENOMEM ? "out of memory" : "too many patterns");
    return op;
}

static const char *spec_text(const qev_pattern_spec *s, char *buf, size_t cap)
{
    if (s->kind == QEV_PATTERNS_HADAMARD)
        snprintf(buf, cap, "hadamard %s, %s", qev_order_name(s->order),
                 s->split ? "split (2k = P+, 2k+1 = P-)" : "signed");
    else if (s->kind == QEV_PATTERNS_RANDOM)
        snprintf(buf, cap, "random, fill %g, seed %" PRIu64, s->fill, s->seed);
    else
        snprintf(buf, cap, "from a file");
    return buf;
}

/* ---- computational: buckets and reconstruction ---- */

static void check_measurements(const qev_meta *m, uint64_t want, const char *what)
{
    int64_t v;
    if (meta_int(m, "measurements", &v) && (uint64_t)v != want)
        cli_die(what, "the stream has %" PRId64 " measurements, the patterns make %" PRIu64
                      " (check --count, --sampling, --no-split)", v, want);
}

static void gather_buckets(const struct opts *o, qev_reader *r, uint64_t measurements,
                           qev_buckets *b)
{
    int64_t from, to;
    char why[256];
    owned_interval(qev_reader_meta(r), &from, &to);
    if (qev_buckets_init(b, measurements, from, to, (uint16_t)o->marker_channel,
                         (uint16_t)o->bucket_channel) != QEV_OK)
        cli_die(NULL, "out of memory for %" PRIu64 " measurements", measurements);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_buckets_add(b, ev, (size_t)n, why, sizeof why) != QEV_OK)
            cli_die(qev_reader_name(r), "%s", why);
        cli_progress(qev_reader_stats(r).bytes, qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
}

static double *read_tsv_buckets(const struct opts *o, size_t measurements)
{
    FILE *f = strcmp(o->buckets, "-") == 0 ? stdin : fopen(o->buckets, "r");
    char why[256];
    if (!f)
        cli_die(o->buckets, "cannot open: %s", strerror(errno));
    double *b = malloc(measurements * sizeof *b);
    if (!b)
        cli_die(NULL, "out of memory");
    if (qev_buckets_read_tsv(f, measurements, b, why, sizeof why) != QEV_OK)
        cli_die(o->buckets, "%s", why);
    if (f != stdin)
        fclose(f);
    return b;
}

static enum qev_recon_algo default_algo(const struct opts *o, const qev_recon_op *op)
{
    if (o->has_algo)
        return o->algo;
    return qev_op_is_hadamard(op) ? QEV_RECON_HADAMARD : QEV_RECON_DGI;
}

static const char *algo_units(enum qev_recon_algo a)
{
    if (a <= QEV_RECON_NGI)
        return "correlation image (defined up to an offset and a scale)";
    return "bucket units per pixel fully lit";
}

static void report_info(const qev_recon_info *info, enum qev_recon_algo algo)
{
    if (!qev_recon_algo_iterative(algo))
        return;
    report_add("iterations", 0, "%u", info->iterations);
    report_add("converged", 0, "%s", info->converged ? "true" : "false");
    if (algo == QEV_RECON_TV || algo == QEV_RECON_FISTA) {
        report_num("lambda", info->lambda);
        report_num("lambda_abs", info->lambda_abs);
    }
}

static void reconstruct(const struct opts *o, qev_recon_op *op, const qev_pattern_spec *s,
                        const double *b)
{
    qev_recon_params p = {default_algo(o, op), o->iterations, o->tolerance, o->lambda, o->basis};
    size_t npix = qev_op_width(op) * qev_op_height(op);
    double *x = malloc(npix * sizeof *x);
    qev_recon_info info;
    char why[256], spec[128];
    if (!x)
        cli_die(NULL, "out of memory");
    if (qev_recon_run(op, b, &p, x, &info, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    report_add("image", 1, "%zux%zu", qev_op_width(op), qev_op_height(op));
    report_add("patterns", 1, "%s", spec_text(s, spec, sizeof spec));
    report_add("measurements", 0, "%zu", qev_op_rows(op));
    report_add("algorithm", 1, "%s", qev_recon_algo_name(p.algo));
    report_info(&info, p.algo);
    report_num("residual", info.residual);
    qev_image im;
    image_from(&im, (uint32_t)qev_op_width(op), (uint32_t)qev_op_height(op), x);
    char what[200];
    snprintf(what, sizeof what, "%s, %s", qev_recon_algo_name(p.algo), algo_units(p.algo));
    write_image(o, &im, what);
    print_report(o, "computational");
    qev_image_free(&im);
    free(x);
}

static void report_buckets(const qev_buckets *b)
{
    report_add("photons", 0, "%" PRIu64, b->photons);
    report_add("photons_before_marker", 0, "%" PRIu64, b->orphans);
    report_add("markers", 0, "%" PRIu64, b->markers);
}

/* From the sums to the image: shared by a run and by merge. */
static void computational_image(struct opts *o, qev_pattern_spec *s, const qev_buckets *bk)
{
    qev_recon_op *op = pattern_op(o, s);
    char why[256];
    if (qev_op_rows(op) != bk->measurements)
        cli_die(NULL, "the patterns make %zu measurements, the stream has %zu", qev_op_rows(op),
                bk->measurements);
    if (bk->markers == 0)
        cli_die(NULL, "no pattern markers on channel %ld: not a single-pixel stream, or give "
                      "--marker-channel", o->marker_channel);
    double *b = malloc(bk->measurements * sizeof *b);
    if (!b)
        cli_die(NULL, "out of memory");
    if (qev_buckets_values(bk->measurements, bk->counts, bk->shown, b, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    report_buckets(bk);
    reconstruct(o, op, s, b);
    free(b);
    qev_op_free(op);
}

static void run_tsv(struct opts *o)
{
    qev_pattern_spec s = resolve_spec(o, NULL, o->buckets);
    qev_recon_op *op = pattern_op(o, &s);
    double *b = read_tsv_buckets(o, qev_op_rows(op));
    reconstruct(o, op, &s, b);
    free(b);
    qev_op_free(op);
}

static void run_computational(struct opts *o, const char *path)
{
    if (o->buckets) {
        if (o->partial)
            cli_usage_error("--partial needs photon counts from a stream, not --buckets");
        run_tsv(o);
        return;
    }
    qev_reader *r = cli_reader(path);
    const qev_meta *m = qev_reader_meta(r);
    qev_pattern_spec s = resolve_spec(o, m, qev_reader_name(r));
    uint64_t measurements = qev_pattern_measurements(&s);
    qev_recon_op *file_op = s.kind == QEV_PATTERNS_FILE ? pattern_op(o, &s) : NULL;
    if (file_op)
        measurements = qev_op_rows(file_op);
    check_measurements(m, measurements, qev_reader_name(r));
    qev_buckets b;
    gather_buckets(o, r, measurements, &b);
    cli_reader_close(r);
    qev_op_free(file_op);
    if (o->partial)
        write_partial(o, qev_buckets_partial(&b, &s));
    else
        computational_image(o, &s, &b);
    qev_buckets_free(&b);
}

/* ---- patterns ---- */

static void run_patterns(struct opts *o)
{
    if (!o->has_size)
        cli_usage_error("qrecon patterns needs --size");
    enum qev_pattern_file f = QEV_PATTERN_FILE_PGM;
    if (o->format && strcmp(o->format, "raw") == 0)
        f = QEV_PATTERN_FILE_RAW;
    else if (o->format && strcmp(o->format, "pgm") != 0)
        cli_usage_error("--format: qrecon patterns writes pgm or raw, not '%s'", o->format);
    qev_pattern_spec s = resolve_spec(o, NULL, "patterns");
    if (s.kind == QEV_PATTERNS_FILE)
        cli_usage_error("--patterns: qrecon patterns generates hadamard or random patterns");
    qev_recon_op *op;
    char why[256], spec[128];
    if (qev_pattern_op(&s, &op, why, sizeof why) != QEV_OK)
        cli_usage_error("%s", why);
    FILE *out = cli_output_stream(o->output, 1);
    if (qev_patterns_write(out, op, 0, qev_op_rows(op), f, why, sizeof why) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "%s", why);
    if (!o->quiet)
        fprintf(stderr, "qrecon patterns: %zu frames of %ux%u, %s\n", qev_op_rows(op), s.width,
                s.height, spec_text(&s, spec, sizeof spec));
    qev_op_free(op);
}

/* ---- merge ---- */

static void merged_image(struct opts *o, const qev_partial *p)
{
    char why[256];
    if (strcmp(qev_partial_kind(p), QEV_PARTIAL_HERALDED) == 0) {
        qev_herald_sums s;
        if (qev_herald_from_partial(p, &s, why, sizeof why) != QEV_OK)
            cli_die("merged", "%s", why);
        heralded_image(o, &s);
        qev_herald_sums_free(&s);
        return;
    }
    qev_buckets b;
    qev_pattern_spec s;
    if (qev_buckets_from_partial(p, &b, &s, why, sizeof why) != QEV_OK)
        cli_die("merged", "%s", why);
    if (s.kind == QEV_PATTERNS_FILE && !o->patterns)
        cli_usage_error("the shards used patterns from a file: give --patterns FILE");
    computational_image(o, &s, &b);
    qev_buckets_free(&b);
}

static void run_merge(struct opts *o, char **paths, int n)
{
    qev_partial *sum = cli_merge_partials(paths, n);
    const char *kind = qev_partial_kind(sum);
    if (strcmp(kind, QEV_PARTIAL_HERALDED) != 0 && strcmp(kind, QEV_PARTIAL_COMPUTATIONAL) != 0)
        cli_die(paths[0], "a partial result of %s, not of qrecon", kind);
    if (o->partial)
        write_partial(o, sum);
    else {
        merged_image(o, sum);
        qev_partial_free(sum);
    }
}

static const char *const subcommands[] = {"heralded", "computational", "patterns", "merge"};

static enum subcommand which_subcommand(int argc, char **argv)
{
    if (argc < 2)
        cli_usage_error("missing a subcommand (heralded, computational, patterns, merge)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        cli_help(usage);
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
        cli_version();
    if (argv[1][0] == '-')
        cli_usage_error("missing a subcommand (heralded, computational, patterns, merge)");
    for (int i = 0; i < SUB_COUNT; i++)
        if (strcmp(argv[1], subcommands[i]) == 0)
            return (enum subcommand)i;
    cli_usage_error("unknown subcommand '%s' (heralded, computational, patterns, merge)",
                    argv[1]);
}

int main(int argc, char **argv)
{
    static struct opts o;
    report.started = monotonic_seconds();
    cli_init("qrecon", argc, argv);
    set_defaults(&o);
    o.sub = which_subcommand(argc, argv);
    static char label[32];
    snprintf(label, sizeof label, "qrecon %s", argv[1]);
    argv[1] = label; /* getopt names the program by argv[0] in its messages */
    parse_args(argc - 1, argv + 1, &o);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    if (o.sub == SUB_MERGE) {
        report.source = "merged";
        run_merge(&o, files, operands);
        cli_exit(CLI_OK);
    }
    if (o.sub == SUB_PATTERNS) {
        if (operands)
            cli_usage_error("qrecon patterns takes no input");
        run_patterns(&o);
        cli_exit(CLI_OK);
    }
    if (!(o.sub == SUB_COMPUTATIONAL && o.buckets))
        cli_need_input(operands, usage);
    if (operands > 1)
        cli_usage_error("qrecon %s reads one stream", subcommands[o.sub]);
    if (o.sub == SUB_COMPUTATIONAL && o.buckets && operands)
        cli_usage_error("--buckets replaces the stream: give no FILE");
    const char *path = operands ? files[0] : "-";
    report.source = path;
    if (o.sub == SUB_HERALDED)
        run_heralded(&o, path);
    else
        run_computational(&o, path);
    cli_exit(CLI_OK);
}
