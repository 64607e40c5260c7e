/* qcorr: correlation histograms, coincidences and their statistics. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "coinc.h"
#include "corrhist.h"
#include "corrstats.h"
#include "corr_report.h"
#include "filter.h"
#include "sink.h"

static const char usage[] =
    "Usage: qcorr hist [OPTION]... [FILE]\n"
    "       qcorr coinc [OPTION]... [FILE]\n"
    "       qcorr stats [OPTION]... [FILE]\n"
    "       qcorr merge [OPTION]... PARTIAL...\n"
    "Correlation histograms (g2), coincidence groups, coincidence statistics of a\n"
    "time-ordered QEV stream, and exact merges of partial results from shards.\n"
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
    "                         [FROM, TO), for shards that overlap by the range plus\n"
    "                         one bin (the outer bins reach half a bin past the range)\n"
    "\n"
    "qcorr coinc (writes a QEV stream of coincidence groups) and qcorr stats:\n"
    "  -w, --window=T         full width of the coincidence window, both ends\n"
    "                         included (default 1ns)\n"
    "  -d, --delay=CH:T       delay of channel CH: its times count as t - T (repeat)\n"
    "      --cal=FILE         the delays of a calibration file (qcal(5)); --delay\n"
    "                         overrides a channel's\n"
    "  -C, --channels=LIST    coinc: channels that take part (default: all photons)\n"
    "      --min-fold=N       coinc: channels a group must span (default 2)\n"
    "      --group-time=WHICH coinc --collapse: first, last or mean of the group\n"
    "      --collapse=CH      coinc: one event per group on channel CH, value = fold\n"
    "      --delayed=T        coinc: shift every channel but the herald (the lowest\n"
    "                         of --channels) by T: the accidentals stream\n"
    "      --tally            coinc: at the end, print on stderr the events read,\n"
    "                         written, and left out, by reason\n"
    "  -p, --pair=A:B         stats: herald A, signal B (repeat; default 1:2)\n"
    "      --accidental-delay=T  stats: the delayed window sits T after the peak\n"
    "                         (default 20ns)\n"
    "      --accidentals=FROM stats: singles, offpeak or delayed: which estimate\n"
    "                         CAR and heralding subtract (default singles)\n"
    "      --dark=CH:RATE     stats: dark count rate of CH in Hz, for heralding\n"
    "  -e, --every=T          stats: a time series, one row per interval\n"
    "      --prom             stats: Prometheus text format\n"
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
enum output_form { FORM_TSV, FORM_JSON, FORM_SVG, FORM_PARTIAL, FORM_PROM };
#define MAX_PAIRS 16

struct corr_opts {
    qev_corr_pair pairs[MAX_PAIRS];
    size_t npairs;
    int64_t bin, range, duration, own_from, own_to;
    int start_stop, edge, own_set;
    enum output_form form;
    const char *output;
    /* coincidences */
    int64_t window, delayed, every;
    int64_t delay[65536];
    uint8_t delay_given[65536];
    const char *cal;
    uint64_t cal_fingerprint;
    uint8_t takes_part[65536];
    int channels_set, collapse;
    unsigned min_fold;
    uint16_t collapse_channel;
    enum qev_group_time group_time;
    qev_stats_params sp;
    double dark[65536];
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

static void add_delay(struct corr_opts *o, const char *arg)
{
    char *end;
    uint16_t ch = parse_channel("--delay", arg, &end);
    if (*end != ':')
        cli_usage_error("--delay: '%s' is not CH:T", arg);
    o->delay[ch] = cli_time("--delay", end + 1);
    o->delay_given[ch] = 1;
}

static void add_dark(struct corr_opts *o, const char *arg)
{
    char *end;
    uint16_t ch = parse_channel("--dark", arg, &end);
    if (*end != ':')
        cli_usage_error("--dark: '%s' is not CH:RATE", arg);
    o->dark[ch] = cli_real("--dark", end + 1, "Hz cps /s", 0, 1e13);
}

static void set_channels(struct corr_opts *o, const char *list)
{
    qev_filter f;
    qev_filter_init(&f);
    if (qev_filter_add_channels(&f, list) != QEV_OK)
        cli_usage_error("--channels: '%s' is not a list like 1,3,5-8", list);
    for (size_t ch = 0; ch < 65536; ch++)
        o->takes_part[ch] = f.channels[ch >> 3] >> (ch & 7) & 1;
    o->channels_set = 1;
}

static enum qev_group_time parse_group_time(const char *s)
{
    if (strcmp(s, "first") == 0)
        return QEV_GROUP_FIRST;
    if (strcmp(s, "last") == 0)
        return QEV_GROUP_LAST;
    if (strcmp(s, "mean") == 0)
        return QEV_GROUP_MEAN;
    cli_usage_error("--group-time: '%s' is not first, last or mean", s);
}

static int parse_estimate(const char *s)
{
    int use = qev_stats_estimate_parse(s);
    if (use < 0)
        cli_usage_error("--accidentals: '%s' is not singles, offpeak or delayed", s);
    return use;
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
    case 'w': o->window = cli_time("--window", optarg); break;
    case 'd': add_delay(o, optarg); break;
    case 'C': set_channels(o, optarg); break;
    case OPT_MIN_FOLD: o->min_fold = (unsigned)cli_int("--min-fold", optarg, 2, 64); break;
    case OPT_GROUP_TIME: o->group_time = parse_group_time(optarg); break;
    case OPT_COLLAPSE:
        o->collapse = 1;
        o->collapse_channel = (uint16_t)cli_int("--collapse", optarg, 0, 65535);
        break;
    case OPT_DELAYED: o->delayed = cli_time("--delayed", optarg); break;
    case OPT_ACC_DELAY: o->sp.accidental_delay = cli_time("--accidental-delay", optarg); break;
    case OPT_ACCIDENTALS: o->sp.use = parse_estimate(optarg); break;
    case OPT_DARK: add_dark(o, optarg); break;
    case OPT_CAL: o->cal = optarg; break;
    case 'e': o->every = cli_time("--every", optarg); break;
    default: cli_common_option(c, usage);
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

static void parse_args(int argc, char **argv, struct corr_opts *o)
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
    int c, form_set = 0;
    while ((c = getopt_long(argc, argv, "p:b:r:jo:w:d:C:e:hV", longopts, NULL)) != -1)
        tool_option(o, c, &form_set);
    check_args(o);
}

/* The delays of --cal for the channels --delay did not set. */
static void load_cal(struct corr_opts *o)
{
    static int64_t delay[65536];
    static uint8_t set[65536];
    FILE *f = fopen(o->cal, "r");
    if (!f)
        cli_die(o->cal, "cannot open: %s", strerror(errno));
    qev_calib *c = qev_calib_new();
    if (!c)
        cli_die(NULL, "out of memory");
    int rc = qev_calib_read(c, f, o->cal);
    fclose(f);
    if (rc != QEV_OK || qev_calib_delays(c, delay, set) < 0)
        cli_die(NULL, "%s", qev_calib_error(c));
    for (size_t ch = 0; ch < 65536; ch++)
        if (set[ch] && !o->delay_given[ch])
            o->delay[ch] = delay[ch];
    o->cal_fingerprint = qev_calib_fingerprint(c);
    qev_calib_free(c);
}

/* Delays from a calibration that qcal apply already applied would count twice. */
static void check_cal(const struct corr_opts *o, const qev_reader *r)
{
    int any;
    if (o->cal && qev_calib_applied(qev_reader_meta(r), o->cal_fingerprint, &any))
        cli_die(qev_reader_name(r), "qcal apply applied %s to this stream already; drop --cal",
                o->cal);
}

static int is_stats(const qev_partial *p) { return qev_partial_get(p, "window_ps", NULL) != NULL; }

static void write_result(const struct corr_opts *o, const qev_partial *p, const char *source)
{
    FILE *out = cli_output_stream(o->output, 0);
    if (o->form == FORM_PARTIAL)
        qev_partial_write(p, out);
    else if (is_stats(p) && o->form == FORM_JSON)
        qev_stats_write_json(out, p);
    else if (is_stats(p) && o->form == FORM_PROM)
        qev_stats_write_prom(out, p, source);
    else if (is_stats(p))
        qev_stats_write_text(out, p);
    else if (o->form == FORM_JSON)
        qev_hist_write_json(out, p);
    else if (o->form == FORM_SVG)
        qev_hist_write_svg(out, p, o->edge);
    else if (o->form == FORM_PROM)
        cli_usage_error("--prom is for qcorr stats");
    else
        qev_hist_write_tsv(out, p, o->edge);
}

_Noreturn static void die_disorder(const qev_reader *r, uint64_t at)
{
    cli_die(qev_reader_name(r),
            "event %" PRIu64 " goes back in time; " QEV_ORDER_HINT,
            at);
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

/* A shard must hold the partners of its own last events: one cut with less
 * overlap than the correlation reaches would lose pairs without a word. */
static void check_shard_reach(const struct corr_opts *o, const qev_reader *r, int64_t reach)
{
    const char *overlap = qev_meta_get(qev_reader_meta(r), "shard_overlap_ps");
    if (o->own_set || o->own_to == INT64_MAX || !overlap || atoll(overlap) >= reach)
        return;
    cli_die(qev_reader_name(r),
            "the shard overlaps the next by %s ps, less than the %" PRId64 " ps the correlation "
            "reaches: cut it with qcat --shard --overlap %" PRId64 "ps",
            overlap, reach, reach);
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

static qev_correlator *new_correlator(const struct corr_opts *o, int64_t bin, int64_t half,
                                      int start_stop)
{
    qev_correlator *c = qev_correlator_new(o->pairs, o->npairs, bin, half,
                                           start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                           o->own_from, o->own_to);
    if (!c)
        cli_die(NULL, "out of memory");
    return c;
}

static void run_hist(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    owned_interval(o, qev_reader_meta(r));
    warn_comb(o, r);
    int64_t half = (o->range + o->bin / 2) / o->bin;
    check_shard_reach(o, r, half * o->bin + o->bin / 2);
    qev_correlator *c = new_correlator(o, o->bin, half, o->start_stop);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_correlator_add(c, ev, (size_t)n) != QEV_OK)
            die_disorder(r, qev_correlator_disorder_at(c));
        cli_progress(qev_reader_stats(r).bytes, qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
    qev_partial *p = qev_hist_partial(c, o->pairs, o->npairs, o->bin, half,
                                      o->start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                      o->duration);
    if (!p)
        cli_die(NULL, "out of memory");
    write_result(o, p, qev_reader_name(r));
    cli_reader_close(r);
    qev_partial_free(p);
    qev_correlator_free(c);
}

/* ---- stats ---- */

static void stats_params(struct corr_opts *o, const qev_reader *r)
{
    const char *res = qev_meta_get(qev_reader_meta(r), "resolution_ps");
    long long q = res ? atoll(res) : 1;
    o->sp.window = o->window;
    o->sp.resolution = q > 0 ? q : 1;
    for (size_t i = 0; i < o->npairs; i++) {
        o->sp.delay[i] = o->delay[o->pairs[i].b] - o->delay[o->pairs[i].a];
        o->sp.dark_a_uhz[i] = (int64_t)llround(o->dark[o->pairs[i].a] * 1e6);
        o->sp.dark_b_uhz[i] = (int64_t)llround(o->dark[o->pairs[i].b] * 1e6);
    }
}

static qev_partial *stats_snapshot(const struct corr_opts *o, const qev_correlator *c,
                                   int64_t half, int64_t duration)
{
    qev_partial *p = qev_hist_partial(c, o->pairs, o->npairs, 1, half, QEV_CORR_ALL, duration);
    if (!p || qev_stats_partial(p, &o->sp, o->npairs) != QEV_OK)
        cli_die(NULL, "out of memory");
    return p;
}

/* --every: one correlator per interval, owning only the interval; it also
 * sees the events up to its reach past its end, so a pair belongs to the
 * interval of its earlier event, and the intervals add up to the whole run. */
struct series {
    const struct corr_opts *o;
    qev_correlator *cur, *next;
    int64_t half, start;
    int started;
    FILE *out;
};

static qev_correlator *interval_correlator(const struct series *s, int64_t from)
{
    qev_correlator *c = qev_correlator_new(s->o->pairs, s->o->npairs, 1, s->half, QEV_CORR_ALL,
                                           from, from + s->o->every);
    if (!c)
        cli_die(NULL, "out of memory");
    return c;
}

static void series_feed(qev_correlator *c, const qev_event *ev, size_t n, const qev_reader *r)
{
    if (n && qev_correlator_add(c, ev, n) != QEV_OK)
        die_disorder(r, qev_correlator_disorder_at(c));
}

/* Writes the current interval's row and moves on to the next interval. */
static void series_next(struct series *s, int64_t row_end)
{
    qev_partial *p = stats_snapshot(s->o, s->cur, s->half, row_end - s->start);
    qev_stats_write_tsv_row(s->out, p, s->start, row_end);
    qev_partial_free(p);
    qev_correlator_free(s->cur);
    s->start += s->o->every;
    s->cur = s->next ? s->next : interval_correlator(s, s->start);
    s->next = NULL;
}

static void series_add(struct series *s, const qev_event *ev, size_t n, const qev_reader *r)
{
    int64_t reach = s->half + 1;
    size_t i = 0;
    while (i < n) {
        if (!s->started) {
            s->start = ev[i].t - (ev[i].t % s->o->every + s->o->every) % s->o->every;
            s->cur = interval_correlator(s, s->start);
            s->started = 1;
        }
        int64_t end = s->start + s->o->every;
        size_t inside = i, near = i;
        while (inside < n && ev[inside].t < end)
            inside++;
        near = inside;
        while (near < n && ev[near].t < end + reach)
            near++;
        series_feed(s->cur, ev + i, near - i, r);
        if (near > inside && !s->next)
            s->next = interval_correlator(s, end);
        if (s->next)
            series_feed(s->next, ev + inside, near - inside, r);
        i = near;
        if (i < n)
            series_next(s, end);
    }
}

static void series_finish(struct series *s)
{
    if (!s->started)
        return;
    int64_t first, last;
    qev_correlator_span(s->cur, &first, &last);
    int64_t end = s->start + s->o->every;
    if (!s->next) {
        series_next(s, last >= s->start && last + 1 < end ? last + 1 : end);
    } else {
        series_next(s, end);
        qev_correlator_span(s->cur, &first, &last);
        series_next(s, last >= s->start ? last + 1 : s->start);
    }
    qev_correlator_free(s->cur);
    s->cur = NULL;
}

static void run_stats(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    check_cal(o, r);
    owned_interval(o, qev_reader_meta(r));
    stats_params(o, r);
    int64_t half = qev_stats_reach(&o->sp, o->npairs);
    check_shard_reach(o, r, half);
    if (o->every && o->every <= half + 1)
        cli_usage_error("--every must be longer than the %" PRId64 " ps the statistics reach",
                        half + 1);
    struct series s = {o, NULL, NULL, half, 0, 0, NULL};
    qev_correlator *whole = o->every ? NULL : new_correlator(o, 1, half, 0);
    if (o->every) {
        s.out = cli_output_stream(o->output, 0);
        qev_stats_write_tsv_header(s.out);
    }
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (o->every)
            series_add(&s, ev, (size_t)n, r);
        else if (qev_correlator_add(whole, ev, (size_t)n) != QEV_OK)
            die_disorder(r, qev_correlator_disorder_at(whole));
        cli_progress(qev_reader_stats(r).bytes, qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
    if (o->every) {
        series_finish(&s);
    } else {
        qev_partial *p = stats_snapshot(o, whole, half, o->duration);
        write_result(o, p, qev_reader_name(r));
        qev_partial_free(p);
    }
    cli_reader_close(r);
    qev_correlator_free(whole);
}

/* ---- coincidence groups ---- */

static int write_events(void *ctx, const qev_event *ev, size_t n)
{
    sink_events(ctx, ev, n);
    return QEV_OK;
}

/* The events read against the events written, from the reader and the sink,
 * so that the search's own counts are checked, not restated. */
static void tally_coinc(const struct corr_opts *o, const qev_reader *r, const struct sink *s,
                        const qev_coinc_counts *k)
{
    qev_balance b = {.in = qev_reader_stats(r).events, .out = sink_events_written(s)};
    qev_balance_add(&b, "channel_not_selected", o->channels_set ? k->ignored : 0);
    qev_balance_add(&b, "not_photon", o->channels_set ? 0 : k->ignored);
    qev_balance_add(&b, "no_coincidence", k->dropped);
    qev_balance_add(&b, "collapsed_into_group", o->collapse ? k->grouped - k->groups : 0);
    cli_tally(&b);
}

static void coinc_channels(struct corr_opts *o, const struct qev_coinc_opts *co, int64_t *delay)
{
    int herald = -1;
    for (size_t ch = 0; ch < 65536; ch++) {
        delay[ch] = o->delay[ch];
        if (!co->takes_part[ch])
            continue;
        if (herald < 0)
            herald = (int)ch;
        else
            delay[ch] -= o->delayed; /* t - (d - D) = t - d + D: later by D */
    }
}

static qev_meta *coinc_meta(const struct corr_opts *o, const qev_reader *r)
{
    qev_meta *m = qev_meta_dup(qev_reader_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    uint8_t fields = 0;
    qev_meta_fields(m, &fields);
    fields = o->collapse ? QEV_F_VALUE : (uint8_t)(fields | QEV_F_GROUP);
    char names[64];
    qev_fields_string(fields, names, sizeof names);
    qev_meta_set(m, "fields", names);
    qev_meta_setf(m, "coincidence_window_ps", "%" PRId64, o->window);
    qev_meta_setf(m, "coincidence_min_fold", "%u", o->min_fold);
    if (o->delayed)
        qev_meta_setf(m, "coincidence_delayed_ps", "%" PRId64, o->delayed);
    qev_meta_set(m, "coincidence_rule", "a group starts at the earliest unused event and takes "
                                        "every event with 2 (t - t_first) <= window after delays");
    return m;
}

static void coinc_closing(struct sink *s, const qev_coinc_counts *k)
{
    qev_meta *m = qev_meta_new();
    if (!m)
        cli_die(NULL, "out of memory");
    qev_meta_setf(m, "coincidence_events_in", "%" PRIu64, k->in);
    qev_meta_setf(m, "coincidence_events_ignored", "%" PRIu64, k->ignored);
    qev_meta_setf(m, "coincidence_events_grouped", "%" PRIu64, k->grouped);
    qev_meta_setf(m, "coincidence_events_dropped", "%" PRIu64, k->dropped);
    qev_meta_setf(m, "coincidence_groups", "%" PRIu64, k->groups);
    sink_closing(s, m);
    qev_meta_free(m);
}

static void run_coinc(struct corr_opts *o, const char *path)
{
    static int64_t delay[65536];
    static uint8_t photons[65536];
    qev_reader *r = cli_reader(path);
    check_cal(o, r);
    struct qev_coinc_opts co = {o->window,      o->min_fold,   delay,
                                o->channels_set ? o->takes_part : photons,
                                !o->channels_set, o->collapse, o->group_time,
                                o->collapse_channel};
    if (!o->channels_set)
        memset(photons, 1, sizeof photons);
    coinc_channels(o, &co, delay);
    qev_coinc *c = qev_coinc_new(&co);
    if (!c)
        cli_die(NULL, "out of memory");
    struct sink *s = sink_open(SINK_QEV, o->output, 0);
    qev_meta *m = coinc_meta(o, r);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_coinc_add(c, ev, (size_t)n, qev_read_sorted(r), write_events, s) == QEV_EINVAL)
            die_disorder(r, qev_coinc_disorder_at(c));
        cli_progress(qev_reader_stats(r).bytes, qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
    if (qev_coinc_finish(c, write_events, s) != QEV_OK)
        cli_die(NULL, "out of memory");
    qev_coinc_counts k = qev_coinc_get_counts(c);
    coinc_closing(s, &k);
    tally_coinc(o, r, s, &k);
    sink_close(s);
    cli_reader_close(r);
    qev_coinc_free(c);
}

/* ---- merge ---- */

static void run_merge(struct corr_opts *o, char **paths, int n)
{
    qev_partial *sum = cli_merge_partials(paths, n);
    char why[200];
    if ((is_stats(sum) ? qev_stats_partial_check(sum, why, sizeof why)
                       : qev_hist_partial_check(sum, why, sizeof why)) != QEV_OK)
        cli_die(paths[0], "%s", why);
    write_result(o, sum, "merged");
    qev_partial_free(sum);
}

static const char *const subcommands[] = {"hist", "coinc", "stats", "merge"};

int main(int argc, char **argv)
{
    static struct corr_opts o;
    cli_init("qcorr", argc, argv);
    if (argc < 2)
        cli_usage_error("missing a subcommand (hist, coinc, stats, merge)");
    const char *cmd = argv[1];
    if (cmd[0] == '-') {
        parse_args(argc, argv, &o);
        cli_usage_error("missing a subcommand (hist, coinc, stats, merge)");
    }
    size_t which = 0;
    while (which < 4 && strcmp(cmd, subcommands[which]) != 0)
        which++;
    if (which == 4)
        cli_usage_error("unknown subcommand '%s' (hist, coinc, stats, merge)", cmd);
    static char label[32];
    snprintf(label, sizeof label, "qcorr %s", cmd);
    argv[1] = label; /* getopt names the program by argv[0] in its messages */
    parse_args(argc - 1, argv + 1, &o);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    if (o.cal && (which == 0 || which == 3))
        cli_usage_error("--cal is for qcorr coinc and qcorr stats");
    if (cli_tally_wanted() && which != 1)
        cli_usage_error("--tally is for qcorr coinc");
    if (o.cal)
        load_cal(&o);
    if (which == 3) {
        run_merge(&o, files, operands);
        cli_exit(CLI_OK);
    }
    cli_need_input(operands, usage);
    if (operands > 1)
        cli_usage_error("qcorr %s reads one stream", cmd);
    const char *path = operands ? files[0] : "-";
    if (which == 0)
        run_hist(&o, path);
    else if (which == 1)
        run_coinc(&o, path);
    else
        run_stats(&o, path);
    cli_exit(CLI_OK);
}
