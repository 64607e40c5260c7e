/* qcorr's options, one set for all its subcommands. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "qcorr.h"

#define HIST_HELP                                                                                  \
    "qcorr hist:\n"                                                                                \
    "  -p, --pair=A:B         correlate channel B against A (tau = t_B - t_A); repeat\n"           \
    "                         for several pairs in one pass; A:A is an auto-correlation\n"         \
    "                         without self-pairs (default 1:2)\n"                                  \
    "  -b, --bin=T            bin width, an integer number of ps (default 100ps)\n"                \
    "  -r, --range=T          delays from -T to +T (default 100ns)\n"                              \
    "      --start-stop       only the first B after each A (lifetime histograms)\n"               \
    "      --edge             add g2 corrected for the edges of the record\n"                      \
    "      --duration=T       normalise with this duration instead of the data's span\n"           \
    "      --own=FROM:TO      count singles and pairs whose earlier event lies in\n"               \
    "                         [FROM, TO), for shards that overlap by the range plus\n"             \
    "                         one bin (the outer bins reach half a bin past the range)\n"          \
    "\n"
/* The options coinc and stats share, then each one's own. */
#define COINC_STATS_OPTIONS                                                                        \
    "  -w, --window=T         full width of the coincidence window, both ends\n"                   \
    "                         included (default 1ns)\n"                                            \
    "  -d, --delay=CH:T       delay of channel CH: its times count as t - T (repeat)\n"            \
    "      --cal=FILE         the delays of a calibration file (qcal(5)); --delay\n"               \
    "                         overrides a channel's\n"
#define COINC_OPTIONS                                                                              \
    "  -C, --channels=LIST    coinc: channels that take part (default: all photons)\n"             \
    "      --min-fold=N       coinc: channels a group must span (default 2)\n"                     \
    "      --group-time=WHICH coinc --collapse: first, last or mean of the group\n"                \
    "      --collapse=CH      coinc: one event per group on channel CH, value = fold\n"            \
    "      --delayed=T        coinc: shift every channel but the herald (the lowest\n"             \
    "                         of --channels) by T: the accidentals stream\n"                       \
    "      --tally            coinc: at the end, print on stderr the events read,\n"               \
    "                         written, and left out, by reason\n"
#define STATS_OPTIONS                                                                              \
    "  -p, --pair=A:B         stats: herald A, signal B (repeat; default 1:2)\n"                   \
    "      --accidental-delay=T  stats: the delayed window sits T after the peak\n"                \
    "                         (default 20ns)\n"                                                    \
    "      --accidentals=FROM stats: singles, offpeak or delayed: which estimate\n"                \
    "                         CAR and heralding subtract (default singles)\n"                      \
    "      --dark=CH:RATE     stats: dark count rate of CH in Hz, for heralding\n"                 \
    "  -e, --every=T          stats: a time series, one row per interval\n"                        \
    "      --prom             stats: Prometheus text format\n"
#define OUTPUT_FORMS                                                                               \
    "Output (both subcommands; TSV by default):\n"                                                 \
    "  -j, --json             one JSON document\n"                                                 \
    "      --svg              an SVG plot of g2\n"                                                 \
    "      --partial          a partial result for qcorr merge\n"
#define FINAL_OPTIONS                                                                              \
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"                 \
    "  -h, --help             print this help and exit\n"                                          \
    "  -V, --version          print the version and exit\n"                                        \
    "\n"                                                                                           \
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n"

const char qcorr_usage[] =
    "Usage: qcorr hist [OPTION]... [FILE]\n"
    "       qcorr coinc [OPTION]... [FILE]\n"
    "       qcorr stats [OPTION]... [FILE]\n"
    "       qcorr merge [OPTION]... PARTIAL...\n"
    "Correlation histograms (g2), coincidence groups, coincidence statistics of a\n"
    "time-ordered QEV stream, and exact merges of partial results from shards.\n"
    "\n" HIST_HELP
    "qcorr coinc (writes a QEV stream of coincidence groups) and qcorr stats:\n"
    COINC_STATS_OPTIONS COINC_OPTIONS STATS_OPTIONS "\n" OUTPUT_FORMS FINAL_OPTIONS;

/* In the order of the subcommands: hist, coinc, stats, merge. */
const char *const qcorr_subcommand_usage[] = {
    "Usage: qcorr hist [OPTION]... [FILE]\n" HIST_HELP OUTPUT_FORMS FINAL_OPTIONS,
    "Usage: qcorr coinc [OPTION]... [FILE]\n"
    "qcorr coinc: a QEV stream of coincidence groups.\n" COINC_STATS_OPTIONS COINC_OPTIONS
    "\nOutput (a QEV stream):\n" FINAL_OPTIONS,
    "Usage: qcorr stats [OPTION]... [FILE]\n"
    "qcorr stats: coincidences, accidentals, CAR and heralding of each pair.\n"
    COINC_STATS_OPTIONS STATS_OPTIONS "\n" OUTPUT_FORMS FINAL_OPTIONS,
    "Usage: qcorr merge [OPTION]... PARTIAL...\n"
    "qcorr merge: the exact sum of the partial results of shards (qcorr hist or\n"
    "qcorr stats --partial), written as that subcommand writes its result.\n"
    "\n" OUTPUT_FORMS FINAL_OPTIONS,
};

enum {
    OPT_START_STOP = CLI_OPT_FIRST_TOOL_OPTION,
    OPT_EDGE,
    OPT_DURATION,
    OPT_OWN,
    OPT_SVG,
    OPT_PARTIAL,
    OPT_MIN_FOLD,
    OPT_GROUP_TIME,
    OPT_COLLAPSE,
    OPT_DELAYED,
    OPT_ACC_DELAY,
    OPT_ACCIDENTALS,
    OPT_DARK,
    OPT_PROM,
    OPT_CAL,
};

static void add_pair(struct corr_opts *o, const char *arg)
{
    char *end;
    if (o->npairs == MAX_PAIRS)
        cli_usage_error("--pair: at most %d pairs", MAX_PAIRS);
    uint16_t a = qcorr_parse_channel("--pair", arg, &end);
    if (*end != ':')
        cli_usage_error("--pair: '%s' is not A:B", arg);
    uint16_t b = qcorr_parse_channel("--pair", end + 1, &end);
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

static void set_channels(struct corr_opts *o, const char *list)
{
    qev_filter *f = cli_filter();
    cli_filter_channels(f, "--channels", list);
    for (size_t ch = 0; ch < 65536; ch++)
        o->takes_part[ch] = (uint8_t)qev_filter_has_channel(f, (uint16_t)ch);
    qev_filter_free(f);
    o->channels_set = 1;
}

static enum qev_group_time parse_group_time(const char *s)
{
    static const struct cli_name times[] = {
        {"first", QEV_GROUP_FIRST}, {"last", QEV_GROUP_LAST}, {"mean", QEV_GROUP_MEAN}};
    int t = cli_named(s, times, sizeof times / sizeof *times, -1);
    if (t < 0)
        cli_usage_error("--group-time: '%s' is not first, last or mean", s);
    return (enum qev_group_time)t;
}

static void defaults(struct corr_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bin = 100;
    o->range = 100000;
    o->duration = -1;
    o->own_from = INT64_MIN;
    o->own_to = INT64_MAX;
    o->window = 1000;
    o->min_fold = 2;
    o->sp.accidental_delay = 20000;
}

/* The options of coinc and stats. */
static void coinc_option(struct corr_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'w': o->window = cli_time("--window", arg); break;
    case 'd': qcorr_add_delay(o, arg); break;
    case 'C': set_channels(o, arg); break;
    case OPT_MIN_FOLD: o->min_fold = (unsigned)cli_int("--min-fold", arg, 2, 64); break;
    case OPT_GROUP_TIME: o->group_time = parse_group_time(arg); break;
    case OPT_COLLAPSE:
        o->collapse = 1;
        o->collapse_channel = (uint16_t)cli_int("--collapse", arg, 0, 65535);
        break;
    case OPT_DELAYED: o->delayed = cli_time("--delayed", arg); break;
    case OPT_ACC_DELAY: o->sp.accidental_delay = cli_time("--accidental-delay", arg); break;
    case OPT_ACCIDENTALS: o->sp.use = cli_accidentals(arg); break;
    case OPT_DARK: qcorr_add_dark(o, arg); break;
    case OPT_CAL: o->cal = arg; break;
    case 'e': o->every = cli_time("--every", arg); break;
    default: cli_common_option(c, o->usage);
    }
}

static void tool_option(struct corr_opts *o, int c, int *form_set)
{
    switch (c) {
    case 'p': add_pair(o, optarg); break;
    case 'b': o->bin = cli_time("--bin", optarg); break;
    case 'r': o->range = cli_time("--range", optarg); break;
    case OPT_START_STOP: o->start_stop = 1; break;
    case OPT_EDGE: o->edge = 1; break;
    case OPT_DURATION: o->duration = cli_time("--duration", optarg); break;
    case OPT_OWN: parse_own(o, optarg); break;
    case 'j': set_form(o, FORM_JSON, form_set); break;
    case OPT_SVG: set_form(o, FORM_SVG, form_set); break;
    case OPT_PARTIAL: set_form(o, FORM_PARTIAL, form_set); break;
    case OPT_PROM: set_form(o, FORM_PROM, form_set); break;
    case 'o': o->output = optarg; break;
    default: coinc_option(o, c, optarg);
    }
}

static void check_args(struct corr_opts *o)
{
    if (o->npairs == 0)
        add_pair(o, "1:2");
    if (o->bin <= 0 || o->range < 0)
        cli_usage_error("--bin must be positive and --range not negative");
    if (o->range / o->bin > (1 << 24))
        cli_usage_error("--range/--bin gives more than %d bins", 2 << 24);
    for (size_t i = 0; o->start_stop && i < o->npairs; i++)
        if (o->pairs[i].a == o->pairs[i].b)
            cli_usage_error("--start-stop needs two different channels");
    if (o->window < 0 || o->window > 1000000000)
        cli_usage_error("--window must be between 0 and 1 ms");
    if (o->every < 0)
        cli_usage_error("--every must be positive");
    if (o->sp.accidental_delay == 0)
        cli_usage_error("--accidental-delay must not be 0");
    if (o->delayed && !o->channels_set)
        cli_usage_error("--delayed needs --channels: the first listed is the herald");
}

void qcorr_parse_args(int argc, char **argv, struct corr_opts *o, const char *usage)
{
    static const struct option longopts[] = {
        {"pair", required_argument, NULL, 'p'},
        {"bin", required_argument, NULL, 'b'},
        {"range", required_argument, NULL, 'r'},
        {"start-stop", no_argument, NULL, OPT_START_STOP},
        {"edge", no_argument, NULL, OPT_EDGE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"own", required_argument, NULL, OPT_OWN},
        {"json", no_argument, NULL, 'j'},
        {"svg", no_argument, NULL, OPT_SVG},
        {"partial", no_argument, NULL, OPT_PARTIAL},
        {"prom", no_argument, NULL, OPT_PROM},
        {"output", required_argument, NULL, 'o'},
        {"window", required_argument, NULL, 'w'},
        {"delay", required_argument, NULL, 'd'},
        {"channels", required_argument, NULL, 'C'},
        {"min-fold", required_argument, NULL, OPT_MIN_FOLD},
        {"group-time", required_argument, NULL, OPT_GROUP_TIME},
        {"collapse", required_argument, NULL, OPT_COLLAPSE},
        {"delayed", required_argument, NULL, OPT_DELAYED},
        {"accidental-delay", required_argument, NULL, OPT_ACC_DELAY},
        {"accidentals", required_argument, NULL, OPT_ACCIDENTALS},
        {"dark", required_argument, NULL, OPT_DARK},
        {"cal", required_argument, NULL, OPT_CAL},
        {"every", required_argument, NULL, 'e'},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    defaults(o);
    o->usage = usage;
    int c, form_set = 0;
    while ((c = getopt_long(argc, argv, "p:b:r:jo:w:d:C:e:hV", longopts, NULL)) != -1)
        tool_option(o, c, &form_set);
    check_args(o);
}
