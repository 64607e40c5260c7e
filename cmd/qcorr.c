/* qcorr: correlation histograms, coincidences and their statistics. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "corrhist.h"

static const char usage[] =
    "Usage: qcorr hist [OPTION]... [FILE]\n"
    "       qcorr merge [OPTION]... PARTIAL...\n"
    "Cross- and auto-correlation histograms (g2) of a time-ordered QEV stream, and\n"
    "exact merges of partial results from shards of one acquisition.\n"
    "\n"
    "qcorr hist:\n"
    "  -p, --pair=A:B         correlate channel B against A (tau = t_B - t_A); repeat\n"
    "                         for several pairs in one pass; A:A is an auto-correlation\n"
    "                         without self-pairs (default 1:2)\n"
    "  -b, --bin=T            bin width, an integer number of ps (default 100ps)\n"
    "  -r, --range=T          delays from -T to +T (default 100ns)\n"
    "      --start-stop       only the first B after each A (lifetime histograms)\n"
    "      --edge             add g2 corrected for the edges of the record\n"
    "      --duration=T       normalise with this duration instead of the data's span\n"
    "      --own=FROM:TO      count singles and pairs whose earlier event lies in\n"
    "                         [FROM, TO), for shards that overlap by the range\n"
    "\n"
    "Output (both subcommands; TSV by default):\n"
    "  -j, --json             one JSON document\n"
    "      --svg              an SVG plot of g2\n"
    "      --partial          a partial result for qcorr merge\n"
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"
    "  -h, --help             print this help and exit\n"
    "  -V, --version          print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n";

enum { OPT_START_STOP = CLI_OPT_FIRST_TOOL_OPTION, OPT_EDGE, OPT_DURATION, OPT_OWN, OPT_SVG,
       OPT_PARTIAL };
enum output_form { FORM_TSV, FORM_JSON, FORM_SVG, FORM_PARTIAL };
#define MAX_PAIRS 16

struct corr_opts {
    qev_corr_pair pairs[MAX_PAIRS];
    size_t npairs;
    int64_t bin, range, duration, own_from, own_to;
    int start_stop, edge, own_set;
    enum output_form form;
    const char *output;
};

static uint16_t parse_channel(const char *opt, const char *s, char **end)
{
    long v = strtol(s, end, 10);
    if (*end == s || v < 0 || v > 65535)
        cli_usage_error("%s: '%s' is not a channel number", opt, s);
    return (uint16_t)v;
}

static void add_pair(struct corr_opts *o, const char *arg)
{
    char *end;
    if (o->npairs == MAX_PAIRS)
        cli_usage_error("--pair: at most %d pairs", MAX_PAIRS);
    uint16_t a = parse_channel("--pair", arg, &end);
    if (*end != ':')
        cli_usage_error("--pair: '%s' is not A:B", arg);
    uint16_t b = parse_channel("--pair", end + 1, &end);
    if (*end)
        cli_usage_error("--pair: '%s' is not A:B", arg);
    o->pairs[o->npairs++] = (qev_corr_pair){a, b};
}

static void parse_own(struct corr_opts *o, const char *arg)
{
    char *colon = strchr(arg, ':');
    if (!colon)
        cli_usage_error("--own: '%s' is not FROM:TO", arg);
    char *from = strndup(arg, (size_t)(colon - arg));
    if (!from)
        cli_die(NULL, "out of memory");
    o->own_from = cli_time("--own", from);
    o->own_to = cli_time("--own", colon + 1);
    free(from);
    if (o->own_from >= o->own_to)
        cli_usage_error("--own: FROM must be before TO");
    o->own_set = 1;
}

static void set_form(struct corr_opts *o, enum output_form f, int *set)
{
    if (*set && o->form != f)
        cli_usage_error("choose one of --json, --svg and --partial");
    o->form = f;
    *set = 1;
}

static void parse_args(int argc, char **argv, struct corr_opts *o)
{
    static const struct option longopts[] = {
        {"pair", required_argument, NULL, 'p'},   {"bin", required_argument, NULL, 'b'},
        {"range", required_argument, NULL, 'r'},  {"start-stop", no_argument, NULL, OPT_START_STOP},
        {"edge", no_argument, NULL, OPT_EDGE},    {"duration", required_argument, NULL, OPT_DURATION},
        {"own", required_argument, NULL, OPT_OWN}, {"json", no_argument, NULL, 'j'},
        {"svg", no_argument, NULL, OPT_SVG},      {"partial", no_argument, NULL, OPT_PARTIAL},
        {"output", required_argument, NULL, 'o'}, CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    *o = (struct corr_opts){.bin = 100, .range = 100000, .duration = -1,
                            .own_from = INT64_MIN, .own_to = INT64_MAX};
    int c, form_set = 0;
    while ((c = getopt_long(argc, argv, "p:b:r:jo:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': add_pair(o, optarg); break;
        case 'b': o->bin = cli_time("--bin", optarg); break;
        case 'r': o->range = cli_time("--range", optarg); break;
        case OPT_START_STOP: o->start_stop = 1; break;
        case OPT_EDGE: o->edge = 1; break;
        case OPT_DURATION: o->duration = cli_time("--duration", optarg); break;
        case OPT_OWN: parse_own(o, optarg); break;
        case 'j': set_form(o, FORM_JSON, &form_set); break;
        case OPT_SVG: set_form(o, FORM_SVG, &form_set); break;
        case OPT_PARTIAL: set_form(o, FORM_PARTIAL, &form_set); break;
        case 'o': o->output = optarg; break;
        default: cli_common_option(c, usage);
        }
    }
    if (o->npairs == 0)
        add_pair(o, "1:2");
    if (o->bin <= 0 || o->range < 0)
        cli_usage_error("--bin must be positive and --range not negative");
    if (o->range / o->bin > (1 << 24))
        cli_usage_error("--range/--bin gives more than %d bins", 2 << 24);
    for (size_t i = 0; o->start_stop && i < o->npairs; i++)
        if (o->pairs[i].a == o->pairs[i].b)
            cli_usage_error("--start-stop needs two different channels");
}

static void write_result(const struct corr_opts *o, const qev_partial *p)
{
    FILE *out = cli_output_stream(o->output, 0);
    if (o->form == FORM_PARTIAL)
        qev_partial_write(p, out);
    else if (o->form == FORM_JSON)
        qev_hist_write_json(out, p);
    else if (o->form == FORM_SVG)
        qev_hist_write_svg(out, p, o->edge);
    else
        qev_hist_write_tsv(out, p, o->edge);
}

/* The owned interval from --own, or from a shard's metadata. */
static void owned_interval(struct corr_opts *o, const qev_meta *m)
{
    const char *from = qev_meta_get(m, "owned_from_ps"), *to = qev_meta_get(m, "owned_to_ps");
    if (o->own_set || !from || !to)
        return;
    o->own_from = strtoll(from, NULL, 10);
    o->own_to = strtoll(to, NULL, 10);
}

static void warn_comb(const struct corr_opts *o, const qev_reader *r)
{
    const char *res = qev_meta_get(qev_reader_meta(r), "resolution_ps");
    long long q = res ? atoll(res) : 0;
    if (q > 1 && o->bin % q)
        cli_warn(qev_reader_name(r), "bin width %" PRId64 " ps is not a multiple of the "
                                     "stream's resolution (%lld ps): expect comb artefacts",
                 o->bin, q);
}

static void run_hist(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    owned_interval(o, qev_reader_meta(r));
    warn_comb(o, r);
    int64_t half = (o->range + o->bin / 2) / o->bin;
    qev_correlator *c = qev_correlator_new(o->pairs, o->npairs, o->bin, half,
                                           o->start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                           o->own_from, o->own_to);
    if (!c)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_correlator_add(c, ev, (size_t)n) != QEV_OK)
            cli_die(qev_reader_name(r),
                    "event %" PRIu64 " goes back in time; sort the stream with qcat --merge "
                    "or qcal apply first",
                    qev_correlator_disorder_at(c));
    }
    cli_check_read(r, n);
    cli_reader_close(r);
    qev_partial *p = qev_hist_partial(c, o->pairs, o->npairs, o->bin, half,
                                      o->start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                      o->duration);
    if (!p)
        cli_die(NULL, "out of memory");
    write_result(o, p);
    qev_partial_free(p);
    qev_correlator_free(c);
}

static qev_partial *load_partial(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char why[200];
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    qev_partial *p = qev_partial_read(f, why, sizeof why);
    if (f != stdin)
        fclose(f);
    if (!p || qev_hist_partial_check(p, why, sizeof why) != QEV_OK)
        cli_die(path, "%s", why);
    return p;
}

static void run_merge(struct corr_opts *o, char **paths, int n)
{
    if (n == 0)
        cli_usage_error("qcorr merge needs partial results");
    qev_partial *sum = load_partial(paths[0]);
    for (int i = 1; i < n; i++) {
        qev_partial *p = load_partial(paths[i]);
        char why[200];
        if (qev_partial_merge(sum, p, why, sizeof why) != QEV_OK)
            cli_die(paths[i], "%s", why);
        qev_partial_free(p);
    }
    write_result(o, sum);
    qev_partial_free(sum);
}

int main(int argc, char **argv)
{
    struct corr_opts o;
    cli_init("qcorr", argc, argv);
    if (argc < 2)
        cli_usage_error("missing a subcommand (hist, merge)");
    const char *cmd = argv[1];
    if (cmd[0] == '-') {
        parse_args(argc, argv, &o);
        cli_usage_error("missing a subcommand (hist, merge)");
    }
    argv[1] = strcmp(cmd, "hist") == 0 ? "qcorr hist" : strcmp(cmd, "merge") == 0 ? "qcorr merge"
                                                                                   : argv[1];
    parse_args(argc - 1, argv + 1, &o);
    if (strcmp(cmd, "hist") == 0) {
        cli_need_input(argc - 1 - optind, usage);
        if (argc - 1 - optind > 1)
            cli_usage_error("qcorr hist reads one stream");
        run_hist(&o, optind < argc - 1 ? argv[1 + optind] : "-");
    } else if (strcmp(cmd, "merge") == 0) {
        run_merge(&o, argv + 1 + optind, argc - 1 - optind);
    } else {
        cli_usage_error("unknown subcommand '%s' (hist, merge)", cmd);
    }
    cli_exit(CLI_OK);
}
