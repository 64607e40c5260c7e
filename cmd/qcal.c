/* qcal: measure delays, clock drift, dark counts, dead time, efficiencies
 * and flat fields; keep them in a calibration file; apply it to streams. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "calib.h"
#include "cli.h"
#include "corr.h"
#include "corrhist.h"
#include "corrstats.h"
#include "filter.h"
#include "heralding.h"
#include "image.h"
#include "qcal_drift.h"
#include "qcal_fit.h"
#include "qcal_peak.h"
#include "qcal_shift.h"
#include "report.h"
#include "sink.h"

static const char usage[] =
    "Usage: qcal delays --ref=CH [OPTION]... [FILE]\n"
    "       qcal drift --ref=CH --channel=CH [OPTION]... [FILE]\n"
    "       qcal dark|deadtime|flat [OPTION]... [FILE]\n"
    "       qcal efficiency [-p A:B] [OPTION]... [FILE]\n"
    "       qcal merge CAL...\n"
    "       qcal diff [--max-sigma=S] OLD NEW\n"
    "       qcal apply [OPTION]... CAL [FILE]\n"
    "Measure what is wrong with a setup, keep it in a calibration file (qcal(5)),\n"
    "and apply that file to QEV streams. Measurements write a calibration file.\n"
    "\n"
    "qcal delays: the delay of each channel against a reference, from the peak of\n"
    "their cross-correlation, to sub-bin precision, with an uncertainty and the\n"
    "peak's signal-to-noise ratio.\n"
    "  -r, --ref=CH           the reference channel\n"
    "  -C, --channels=LIST    channels to calibrate (default: the photon channels\n"
    "                         of the first block)\n"
    "      --range=T          search delays from -T to +T (default 100ns)\n"
    "      --coarse-bin=T     bin of the coarse search (default range/1000)\n"
    "      --sigmas=K         centroid window, +-K peak widths (default 3)\n"
    "      --min-snr=S        a smaller signal-to-noise ratio is no peak (default 5)\n"
    "\n"
    "qcal drift: clock offset and drift of a channel (or of its tagger) against\n"
    "the reference, tracked window by window; piecewise linear for long runs.\n"
    "  -r, --ref=CH, -c, --channel=CH  the two channels\n"
    "  -e, --every=T          window length (default 10ms)\n"
    "      --range, --coarse-bin, --sigmas, --min-snr  as for delays, per window\n"
    "      --knots=N          knots of the fit (default: as many as the residuals\n"
    "                         need, up to --max-knots, default 65)\n"
    "      --residuals=FILE   write each window's delay, fit and residual as TSV\n"
    "\n"
    "qcal dark: dark count rate per channel; hot pixels of array channels.\n"
    "      --duration=T       the acquisition time (default: the stream's\n"
    "                         duration_ps, else its time span)\n"
    "      --hot-sigma=Z      hot: counts above median + Z robust sd (default 10)\n"
    "qcal deadtime: dead time per channel from the shortest intervals.\n"
    "  -C, --channels=LIST    channels (default: every photon channel)\n"
    "      --rank=K           use the K-th and 2K-th shortest intervals (default 10)\n"
    "qcal efficiency: Klyshko efficiencies of both arms of a pair source.\n"
    "  -p, --pair=A:B         the two arms (default 1:2)\n"
    "  -w, --window=T         coincidence window, full width (default: +-5 peak sd)\n"
    "      --dark=FILE        dark counts to subtract: a calibration file from qcal\n"
    "                         dark, or a dark acquisition (QEV)\n"
    "      --cal=FILE         take the delay from a calibration file\n"
    "      --range=T, --accidental-delay=T, --accidentals=singles|offpeak|delayed\n"
    "qcal flat: per-pixel efficiency of an array under uniform light, mean 1.\n"
    "  -C, --channels=CH      the array channel (default: the first with pixels)\n"
    "      --dark=FILE        dark counts to subtract (as for efficiency)\n"
    "      --pfm=FILE         also write the map as a PFM image\n"
    "\n"
    "qcal merge: one calibration from several; a section (delay, clock.CH, dark,\n"
    "deadtime, efficiency, flat.CH, hot.CH, ...) of a later file replaces it.\n"
    "qcal diff: the change of each parameter, per day, and in sigma.\n"
    "      --max-sigma=S      exit 3 when a parameter moved more than S sigma\n"
    "qcal apply: delays and clocks, renames and pixel masks; output is QEV.\n"
    "      --force            apply although another calibration was applied\n"
    "      --tally            at the end, print on stderr the events read, written and\n"
    "                         dropped (masked pixels)\n"
    "  -l, --level=N          zstd level (default 1)\n"
    "\n"
    "Common options:\n"
    "  -j, --json             a JSON report instead of a calibration file\n"
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"
    "      --no-provenance    do not add a provenance line\n"
    "  -h, --help             print this help and exit\n"
    "  -V, --version          print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error, 3 qcal diff\n"
    "found a parameter that moved more than --max-sigma.\n";

enum {
    OPT_RANGE = CLI_OPT_FIRST_TOOL_OPTION,
    OPT_COARSE,
    OPT_SIGMAS,
    OPT_MIN_SNR,
    OPT_KNOTS,
    OPT_MAX_KNOTS,
    OPT_RESIDUALS,
    OPT_DURATION,
    OPT_HOT_SIGMA,
    OPT_RANK,
    OPT_DARK,
    OPT_CAL,
    OPT_ACC_DELAY,
    OPT_ACCIDENTALS,
    OPT_MAX_SIGMA,
    OPT_FORCE,
    OPT_PFM,
};

enum command { DELAYS, DRIFT, DARK, DEADTIME, EFFICIENCY, FLAT, MERGE, DIFF, APPLY, NCOMMANDS };
static const char *const command_names[] = {"delays", "drift", "dark",  "deadtime", "efficiency",
                                            "flat",   "merge", "diff",  "apply"};

struct opts {
    enum command cmd;
    int ref, channel, json, force, level;
    qev_filter channels;
    int channels_set;
    int64_t range, coarse_bin, every, duration, window, acc_delay;
    double sigmas, min_snr, hot_sigma, max_sigma;
    long knots, max_knots, rank;
    int accidentals;
    uint16_t pair_a, pair_b;
    const char *residuals, *output, *dark, *cal, *pfm;
};

/* ---- options ---- */

static uint16_t parse_channel(const char *opt, const char *s)
{
    return (uint16_t)cli_int(opt, s, 0, 65535);
}

static void parse_pair(struct opts *o, const char *arg)
{
    char *end;
    long a = strtol(arg, &end, 10), b;
    if (end == arg || *end != ':' || a < 0 || a > 65535)
        cli_usage_error("--pair: '%s' is not A:B", arg);
    const char *second = end + 1;
    b = strtol(second, &end, 10);
    if (end == second || *end || b < 0 || b > 65535 || a == b)
        cli_usage_error("--pair: '%s' is not A:B with two channels", arg);
    o->pair_a = (uint16_t)a;
    o->pair_b = (uint16_t)b;
}

static void set_channels(struct opts *o, const char *list)
{
    qev_filter_init(&o->channels);
    if (qev_filter_add_channels(&o->channels, list) != QEV_OK)
        cli_usage_error("--channels: '%s' is not a list like 1,3,5-8", list);
    o->channels_set = 1;
}

static int parse_accidentals(const char *s)
{
    static const char *const names[] = {"singles", "offpeak", "delayed"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    cli_usage_error("--accidentals: '%s' is not singles, offpeak or delayed", s);
}

static void defaults(struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->ref = -1;
    o->channel = -1;
    o->range = 100000;
    o->every = 10000000000;
    o->sigmas = 3;
    o->min_snr = 5;
    o->hot_sigma = 10;
    o->max_sigma = -1;
    o->max_knots = 65;
    o->rank = 10;
    o->duration = -1;
    o->acc_delay = 20000;
    o->pair_a = 1;
    o->pair_b = 2;
}

static void tool_option(struct opts *o, int c)
{
    switch (c) {
    case 'r': o->ref = parse_channel("--ref", optarg); break;
    case 'c': o->channel = parse_channel("--channel", optarg); break;
    case 'C': set_channels(o, optarg); break;
    case 'e': o->every = cli_time("--every", optarg); break;
    case 'p': parse_pair(o, optarg); break;
    case 'w': o->window = cli_time("--window", optarg); break;
    case 'j': o->json = 1; break;
    case 'o': o->output = optarg; break;
    case 'l': o->level = (int)cli_int("--level", optarg, 1, 22); break;
    case OPT_RANGE: o->range = cli_time("--range", optarg); break;
    case OPT_COARSE: o->coarse_bin = cli_time("--coarse-bin", optarg); break;
    case OPT_SIGMAS: o->sigmas = cli_real("--sigmas", optarg, NULL, 1, 20); break;
    case OPT_MIN_SNR: o->min_snr = cli_real("--min-snr", optarg, NULL, 0, 1e9); break;
    case OPT_KNOTS: o->knots = cli_int("--knots", optarg, 2, 100000); break;
    case OPT_MAX_KNOTS: o->max_knots = cli_int("--max-knots", optarg, 2, 100000); break;
    case OPT_RESIDUALS: o->residuals = optarg; break;
    case OPT_DURATION: o->duration = cli_time("--duration", optarg); break;
    case OPT_HOT_SIGMA: o->hot_sigma = cli_real("--hot-sigma", optarg, NULL, 1, 1e9); break;
    case OPT_RANK: o->rank = cli_int("--rank", optarg, 1, 100000); break;
    case OPT_DARK: o->dark = optarg; break;
    case OPT_CAL: o->cal = optarg; break;
    case OPT_ACC_DELAY: o->acc_delay = cli_time("--accidental-delay", optarg); break;
    case OPT_ACCIDENTALS: o->accidentals = parse_accidentals(optarg); break;
    case OPT_MAX_SIGMA: o->max_sigma = cli_real("--max-sigma", optarg, NULL, 0, 1e9); break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_PFM: o->pfm = optarg; break;
    default: cli_common_option(c, usage);
    }
}

static void check_args(const struct opts *o)
{
    if ((o->cmd == DELAYS || o->cmd == DRIFT) && o->ref < 0)
        cli_usage_error("qcal %s needs --ref", command_names[o->cmd]);
    if (o->cmd == DRIFT && (o->channel < 0 || o->channel == o->ref))
        cli_usage_error("qcal drift needs --channel, another channel than --ref");
    if (o->range <= 0 || o->range > 1000000000000)
        cli_usage_error("--range must be between 1 ps and 1 s");
    if (o->coarse_bin < 0 || o->coarse_bin > o->range)
        cli_usage_error("--coarse-bin must be positive and at most --range");
    if (o->every <= 0)
        cli_usage_error("--every must be positive");
    if (o->window < 0 || o->window > 1000000000)
        cli_usage_error("--window must be between 0 and 1 ms");
    if (o->acc_delay == 0)
        cli_usage_error("--accidental-delay must not be 0");
    if (o->duration == 0)
        cli_usage_error("--duration must be positive");
    if (cli_tally_wanted() && o->cmd != APPLY)
        cli_usage_error("--tally is for qcal apply");
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"ref", required_argument, NULL, 'r'},
        {"channel", required_argument, NULL, 'c'},
        {"channels", required_argument, NULL, 'C'},
        {"every", required_argument, NULL, 'e'},
        {"pair", required_argument, NULL, 'p'},
        {"window", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, 'l'},
        {"range", required_argument, NULL, OPT_RANGE},
        {"coarse-bin", required_argument, NULL, OPT_COARSE},
        {"sigmas", required_argument, NULL, OPT_SIGMAS},
        {"min-snr", required_argument, NULL, OPT_MIN_SNR},
        {"knots", required_argument, NULL, OPT_KNOTS},
        {"max-knots", required_argument, NULL, OPT_MAX_KNOTS},
        {"residuals", required_argument, NULL, OPT_RESIDUALS},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"hot-sigma", required_argument, NULL, OPT_HOT_SIGMA},
        {"rank", required_argument, NULL, OPT_RANK},
        {"dark", required_argument, NULL, OPT_DARK},
        {"cal", required_argument, NULL, OPT_CAL},
        {"accidental-delay", required_argument, NULL, OPT_ACC_DELAY},
        {"accidentals", required_argument, NULL, OPT_ACCIDENTALS},
        {"max-sigma", required_argument, NULL, OPT_MAX_SIGMA},
        {"force", no_argument, NULL, OPT_FORCE},
        {"pfm", required_argument, NULL, OPT_PFM},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:c:C:e:p:w:jo:l:hV", longopts, NULL)) != -1)
        tool_option(o, c);
    check_args(o);
}

/* ---- shared pieces ---- */

static int64_t stream_resolution(const qev_reader *r)
{
    const char *res = qev_meta_get(qev_reader_meta(r), "resolution_ps");
    long long q = res ? atoll(res) : 1;
    return q > 0 ? q : 1;
}

/* The first block with events (0 at the end of an empty stream). */
static long first_block(qev_reader *r, const qev_event **ev)
{
    long n;
    while ((n = qev_read(r, ev)) == 0)
        ;
    cli_check_read(r, n);
    return n < 0 ? 0 : n;
}

_Noreturn static void die_disorder(const qev_reader *r, uint64_t at)
{
    cli_die(qev_reader_name(r),
            "event %" PRIu64 " goes back in time; " QEV_ORDER_HINT,
            at);
}

/* The UTC time of the run (SOURCE_DATE_EPOCH's for reproducible output). */
static void utc_now(char *buf, size_t cap)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void check_calib(const qev_calib *c, int rc)
{
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
}

/* A new calibration with this run's provenance and time. */
static qev_calib *new_calibration(void)
{
    qev_calib *c = qev_calib_new();
    qev_meta *m = qev_meta_new();
    char now[32];
    if (!c || !m)
        cli_die(NULL, "out of memory");
    cli_add_provenance(m);
    for (size_t i = 0; i < qev_meta_provenance_count(m); i++)
        check_calib(c, qev_calib_add_provenance(c, qev_meta_provenance(m, i)));
    qev_meta_free(m);
    utc_now(now, sizeof now);
    check_calib(c, qev_calib_set(c, "created", now));
    return c;
}

static void section_start(qev_calib *c, const char *section, const char *comment,
                          const char *source)
{
    char key[96], now[32];
    utc_now(now, sizeof now);
    check_calib(c, qev_calib_comment(c, comment));
    snprintf(key, sizeof key, "%s.measured", section);
    check_calib(c, qev_calib_set(c, key, now));
    snprintf(key, sizeof key, "%s.source", section);
    check_calib(c, qev_calib_set(c, key, source));
}

static void setn(qev_calib *c, double v, double sigma, const char *unit, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void setn(qev_calib *c, double v, double sigma, const char *unit, const char *fmt, ...)
{
    char key[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    check_calib(c, qev_calib_set_number(c, key, v, sigma, unit));
}

static void write_calibration(const struct opts *o, const qev_calib *c)
{
    FILE *f = cli_output_stream(o->output, 0);
    qev_calib_write(c, f);
}

static qev_calib *load_calibration(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    qev_calib *c = qev_calib_new();
    if (!c)
        cli_die(NULL, "out of memory");
    int rc = qev_calib_read(c, f, path);
    if (f != stdin)
        fclose(f);
    if (rc != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
    return c;
}

static int looks_like_calibration(const char *path)
{
    FILE *f = fopen(path, "r");
    char head[32] = "";
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return strncmp(head, QEV_CALIB_MAGIC, strlen(QEV_CALIB_MAGIC)) == 0;
}

static void json_num(FILE *f, const char *name, double v, int comma)
{
    fprintf(f, "%s\"%s\":", comma ? "," : "", name);
    report_json_number(f, v);
}

static qev_correlator *correlator(const qev_corr_pair *pairs, size_t n, int64_t bin,
                                  int64_t half)
{
    qev_correlator *c =
        qev_correlator_new(pairs, n, bin, half, QEV_CORR_ALL, INT64_MIN, INT64_MAX);
    if (!c)
        cli_die(NULL, "out of memory (%" PRId64 " bins of %" PRId64 " ps)", 2 * half + 1, bin);
    return c;
}

/* ---- delays ---- */

#define MAX_CHANNELS 31
#define FINE_BIN_BUDGET (INT64_C(1) << 22) /* bins of all pairs in one pass */

struct delay_result {
    uint16_t ch;
    qcal_peak pk;
    int64_t shift; /* the refining pass's shift */
    int significant;
};

static size_t pick_channels(const struct opts *o, uint16_t ref, const qev_event *ev, long n,
                            uint16_t *out)
{
    static uint8_t seen[65536];
    size_t k = 0;
    memset(seen, 0, sizeof seen);
    for (long i = 0; i < n; i++)
        if (ev[i].kind == QEV_PHOTON && !o->channels_set)
            seen[ev[i].channel] = 1;
    for (size_t ch = 0; ch < 65536; ch++) {
        int want = o->channels_set ? o->channels.channels[ch >> 3] >> (ch & 7) & 1 : seen[ch];
        if (!want || ch == ref)
            continue;
        if (k == MAX_CHANNELS)
            cli_usage_error("at most %d channels against one reference", MAX_CHANNELS);
        out[k++] = (uint16_t)ch;
    }
    return k;
}

static int64_t default_coarse(const struct opts *o, int64_t bin)
{
    int64_t cb = o->coarse_bin ? o->coarse_bin : o->range / 1000;
    return cb < bin ? bin : cb;
}

/* Correlates every event of r (the first block already read) into c. */
static void correlate_rest(qev_reader *r, qev_correlator *c, const qev_event *ev, long n)
{
    if (n > 0 && qev_correlator_add(c, ev, (size_t)n) != QEV_OK)
        die_disorder(r, qev_correlator_disorder_at(c));
    while ((n = qev_read(r, &ev)) >= 0)
        if (qev_correlator_add(c, ev, (size_t)n) != QEV_OK)
            die_disorder(r, qev_correlator_disorder_at(c));
    cli_check_read(r, n);
}

static void find_peaks(const struct opts *o, const qev_correlator *c, struct delay_result *res,
                       size_t n, int64_t bin, int64_t half, const qcal_peak_opts *po)
{
    for (size_t i = 0; i < n; i++)
        if (qcal_find_peak_ladder(qev_correlator_counts(c, i), qev_correlator_bins(c), -half * bin,
                                  po, o->min_snr, &res[i].pk) != QEV_OK)
            cli_die(NULL, "the range holds fewer than three coarse bins; lower --coarse-bin");
}

/* A second pass at 1 ps bins around each coarse estimate, the channels
 * shifted there first. */
static void refine(const struct opts *o, const char *path, const qev_corr_pair *pairs,
                   struct delay_result *res, size_t n, int64_t res_ps)
{
    int64_t wide = 0;
    for (size_t i = 0; i < n; i++) {
        res[i].shift = (int64_t)llround(res[i].pk.delay);
        int64_t w = (int64_t)ceil(20 * fmax(res[i].pk.width, res[i].pk.sigma_delay)) + 100;
        wide = w > wide ? w : wide;
    }
    int64_t half = wide < (FINE_BIN_BUDGET / (int64_t)n) / 2 ? wide : FINE_BIN_BUDGET / (int64_t)n / 2;
    qcal_shift *s = qcal_shift_new();
    qev_correlator *c = correlator(pairs, n, 1, half);
    for (size_t i = 0; i < n && s; i++)
        qcal_shift_set_delay(s, res[i].ch, res[i].shift);
    if (!s)
        cli_die(NULL, "out of memory");
    qev_reader *r = cli_reader(path);
    const qev_event *ev, *out;
    long k;
    while ((k = qev_read(r, &ev)) >= 0) {
        if (qcal_shift_add(s, ev, (size_t)k) != QEV_OK)
            die_disorder(r, qcal_shift_disorder_at(s));
        size_t m = qcal_shift_ready(s, &out);
        if (qev_correlator_add(c, out, m) != QEV_OK)
            cli_die(NULL, "events out of order after shifting");
    }
    cli_check_read(r, k);
    qcal_shift_finish(s);
    size_t m = qcal_shift_ready(s, &out);
    if (qev_correlator_add(c, out, m) != QEV_OK)
        cli_die(NULL, "events out of order after shifting");
    cli_reader_close(r);
    qcal_peak_opts po = {1, half / 50 > 1 ? half / 50 : 1, o->sigmas, res_ps};
    for (size_t i = 0; i < n; i++) {
        qcal_peak coarse = res[i].pk, fine;
        qcal_find_peak(qev_correlator_counts(c, i), qev_correlator_bins(c), -half, &po, &fine);
        fine.delay += (double)res[i].shift;
        fine.snr = coarse.snr;
        fine.at_edge = coarse.at_edge;
        fine.coarse_delay = coarse.coarse_delay;
        fine.replicas = coarse.replicas;
        res[i].pk = fine;
    }
    qev_correlator_free(c);
    qcal_shift_free(s);
}

static int is_regular_file(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void judge(const struct opts *o, struct delay_result *d, const char *source)
{
    const qcal_peak *p = &d->pk;
    d->significant = p->found && p->snr >= o->min_snr && !p->at_edge;
    if (p->at_edge && p->found)
        cli_warn(source, "channel %u: the peak lies at the end of the range; widen --range",
                 d->ch);
    else if (!d->significant)
        cli_warn(source, "channel %u: no significant peak (signal-to-noise %.2g, below %g)",
                 d->ch, p->found ? p->snr : 0.0, o->min_snr);
}

static void delays_calibration(const struct opts *o, const struct delay_result *res, size_t n,
                               const char *source)
{
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal delays: t_CH - t_ref at the cross-correlation peak; centroid of the "
             "background-subtracted 1 ps bins within +-%g peak sd; sigma = sqrt(sum h (tau - "
             "mu)^2) / net counts",
             o->sigmas);
    section_start(c, "delay", comment, source);
    check_calib(c, qev_calib_setf(c, "delay.reference", "%d", o->ref));
    for (size_t i = 0; i < n; i++) {
        const qcal_peak *p = &res[i].pk;
        if (!res[i].significant) {
            snprintf(comment, sizeof comment, "channel %u: no significant peak (SNR %.3g)",
                     res[i].ch, p->found ? p->snr : 0.0);
            check_calib(c, qev_calib_comment(c, comment));
            continue;
        }
        setn(c, p->delay, p->sigma_delay, "ps", "delay.%u", res[i].ch);
        setn(c, p->snr, NAN, "", "delay.%u.snr", res[i].ch);
        setn(c, p->width, NAN, "ps", "delay.%u.width", res[i].ch);
        setn(c, round(p->counts), NAN, "", "delay.%u.counts", res[i].ch);
    }
    write_calibration(o, c);
    qev_calib_free(c);
}

static void delays_json(const struct opts *o, const struct delay_result *res, size_t n)
{
    FILE *f = cli_output_stream(o->output, 0);
    fprintf(f, "{\"reference\":%d,\"channels\":[", o->ref);
    for (size_t i = 0; i < n; i++) {
        const qcal_peak *p = &res[i].pk;
        fprintf(f, "%s{\"channel\":%u,\"significant\":%s", i ? "," : "", res[i].ch,
                res[i].significant ? "true" : "false");
        json_num(f, "delay_ps", p->found ? p->delay : NAN, 1);
        json_num(f, "sigma_ps", p->found ? p->sigma_delay : NAN, 1);
        json_num(f, "snr", p->snr, 1);
        json_num(f, "width_ps", p->found ? p->width : NAN, 1);
        json_num(f, "counts", p->found ? p->counts : NAN, 1);
        json_num(f, "background", p->found ? p->background : NAN, 1);
        json_num(f, "coarse_delay_ps", p->coarse_delay, 1);
        fprintf(f, ",\"replicas\":%d}", p->replicas);
    }
    fputs("]}\n", f);
}

static void run_delays(const struct opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    int64_t res_ps = stream_resolution(r);
    const qev_event *ev;
    long n = first_block(r, &ev);
    uint16_t chans[MAX_CHANNELS];
    size_t k = pick_channels(o, (uint16_t)o->ref, ev, n, chans);
    if (k == 0)
        cli_die(qev_reader_name(r), "no channel to calibrate against channel %d", o->ref);
    qev_corr_pair pairs[MAX_CHANNELS];
    struct delay_result res[MAX_CHANNELS];
    memset(res, 0, sizeof res);
    for (size_t i = 0; i < k; i++) {
        pairs[i] = (qev_corr_pair){(uint16_t)o->ref, chans[i]};
        res[i].ch = chans[i];
    }
    int64_t bins = (2 * o->range + 1) * (int64_t)k;
    int64_t bin = bins > FINE_BIN_BUDGET ? (bins + FINE_BIN_BUDGET - 1) / FINE_BIN_BUDGET : 1;
    int64_t half = (o->range + bin - 1) / bin;
    qev_correlator *c = correlator(pairs, k, bin, half);
    correlate_rest(r, c, ev, n);
    qcal_peak_opts po = {bin, default_coarse(o, bin), o->sigmas, res_ps};
    find_peaks(o, c, res, k, bin, half, &po);
    qev_correlator_free(c);
    if (bin > 1 && is_regular_file(path))
        refine(o, path, pairs, res, k, res_ps);
    else if (bin > 1)
        cli_warn(qev_reader_name(r), "a range this wide is searched at %" PRId64 " ps bins; "
                 "give a file rather than a pipe to refine at 1 ps", bin);
    for (size_t i = 0; i < k; i++)
        judge(o, &res[i], qev_reader_name(r));
    if (o->json)
        delays_json(o, res, k);
    else
        delays_calibration(o, res, k, qev_reader_name(r));
    cli_reader_close(r);
}

/* ---- drift ---- */

static void drift_residuals(const struct opts *o, const qcal_drift_point *p, size_t n,
                            const qcal_spline *fit)
{
    FILE *f = fopen(o->residuals, "w");
    if (!f)
        cli_die(o->residuals, "cannot open: %s", strerror(errno));
    fputs("start_ps\tend_ps\ttime_ps\tdelay_ps\tsigma_ps\tsnr\tused\tfit_ps\tresidual_ps\n", f);
    for (size_t i = 0; i < n; i++) {
        double y = qcal_spline_eval(fit, p[i].time);
        fprintf(f, "%" PRId64 "\t%" PRId64 "\t%.1f\t%.4f\t%.4f\t%.3g\t%d\t%.4f\t%.4f\n",
                p[i].start, p[i].end, p[i].time, p[i].delay, p[i].sigma, p[i].snr, p[i].used,
                y, p[i].used ? p[i].delay - y : NAN);
    }
    if (fclose(f) != 0)
        cli_die(o->residuals, "write error: %s", strerror(errno));
}

struct line {
    double offset, sigma_offset, drift, sigma_drift; /* ps, ppm */
};

/* The straight line through the used points: offset at time 0 and drift. */
static struct line straight_line(const qcal_drift_point *p, size_t n)
{
    qcal_spline s;
    struct line l = {NAN, NAN, NAN, NAN};
    if (qcal_drift_fit(p, n, 2, 2, &s) != QEV_OK)
        return l;
    double t0 = s.knot[0], t1 = s.knot[1], dt = t1 - t0;
    double c00 = s.cov[0], c01 = s.cov[1], c11 = s.cov[3];
    double slope = (s.beta[1] - s.beta[0]) / dt;
    double var_slope = (c00 + c11 - 2 * c01) / (dt * dt);
    /* offset = beta0 - t0 slope = beta0 (1 + t0/dt) - beta1 t0/dt */
    double u = 1 + t0 / dt, v = -t0 / dt;
    l.offset = s.beta[0] - t0 * slope;
    l.sigma_offset = sqrt(fmax(u * u * c00 + v * v * c11 + 2 * u * v * c01, 0));
    l.drift = slope * 1e6;
    l.sigma_drift = sqrt(fmax(var_slope, 0)) * 1e6;
    qcal_spline_free(&s);
    return l;
}

/* Weighted by 1/sigma^2, like the fit. */
static double residual_rms(const qcal_drift_point *p, size_t n, const qcal_spline *fit)
{
    double sum = 0, weights = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].used) {
            double r = p[i].delay - qcal_spline_eval(fit, p[i].time), w = 1 / (p[i].sigma * p[i].sigma);
            sum += w * r * r;
            weights += w;
        }
    return weights > 0 ? sqrt(sum / weights) : NAN;
}

static void drift_calibration(const struct opts *o, const qcal_drift_point *p, size_t n,
                              const qcal_spline *fit, const char *source)
{
    qev_calib *c = new_calibration();
    char section[32], comment[400];
    unsigned ch = (unsigned)o->channel;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += p[i].used;
    struct line l = straight_line(p, n);
    snprintf(section, sizeof section, "clock.%u", ch);
    snprintf(comment, sizeof comment,
             "qcal drift: delay tau(t) = t_%u - t_%d against reference time t, from the "
             "coincidence peak in windows of %.6g s; offset + drift t is the straight line, "
             "the knots a continuous piecewise-linear fit; apply maps t' = (t - offset)/(1 + "
             "drift), or through the knots",
             ch, o->ref, (double)o->every * 1e-12);
    section_start(c, section, comment, source);
    setn(c, o->ref, NAN, "", "clock.%u.reference", ch);
    setn(c, l.offset, l.sigma_offset, "ps", "clock.%u.offset", ch);
    setn(c, l.drift, l.sigma_drift, "ppm", "clock.%u.drift", ch);
    setn(c, (double)fit->k, NAN, "", "clock.%u.knots", ch);
    for (size_t j = 0; j < fit->k; j++) {
        setn(c, round(fit->knot[j]), NAN, "ps", "clock.%u.knot.%zu.time", ch, j);
        setn(c, fit->beta[j], sqrt(fmax(fit->cov[j * fit->k + j], 0)), "ps",
             "clock.%u.knot.%zu.delay", ch, j);
    }
    setn(c, (double)used, NAN, "", "clock.%u.windows", ch);
    setn(c, (double)(n - used), NAN, "", "clock.%u.windows_without_peak", ch);
    setn(c, residual_rms(p, n, fit), NAN, "ps", "clock.%u.residual_rms", ch);
    setn(c, fit->ndf ? fit->chi2 / (double)fit->ndf : NAN, NAN, "", "clock.%u.chi2_ndf", ch);
    write_calibration(o, c);
    qev_calib_free(c);
}

static void drift_json(const struct opts *o, const qcal_drift_point *p, size_t n,
                       const qcal_spline *fit)
{
    FILE *f = cli_output_stream(o->output, 0);
    struct line l = straight_line(p, n);
    fprintf(f, "{\"reference\":%d,\"channel\":%d", o->ref, o->channel);
    json_num(f, "offset_ps", l.offset, 1);
    json_num(f, "sigma_offset_ps", l.sigma_offset, 1);
    json_num(f, "drift_ppm", l.drift, 1);
    json_num(f, "sigma_drift_ppm", l.sigma_drift, 1);
    json_num(f, "residual_rms_ps", residual_rms(p, n, fit), 1);
    json_num(f, "chi2", fit->chi2, 1);
    fprintf(f, ",\"ndf\":%zu,\"knots\":[", fit->ndf);
    for (size_t j = 0; j < fit->k; j++) {
        fprintf(f, "%s{\"time_ps\":%.0f", j ? "," : "", fit->knot[j]);
        json_num(f, "delay_ps", fit->beta[j], 1);
        json_num(f, "sigma_ps", sqrt(fmax(fit->cov[j * fit->k + j], 0)), 1);
        fputc('}', f);
    }
    fputs("],\"windows\":[", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"start_ps\":%" PRId64 ",\"end_ps\":%" PRId64 ",\"used\":%s", i ? "," : "",
                p[i].start, p[i].end, p[i].used ? "true" : "false");
        json_num(f, "delay_ps", p[i].used ? p[i].delay : NAN, 1);
        json_num(f, "sigma_ps", p[i].used ? p[i].sigma : NAN, 1);
        json_num(f, "snr", p[i].snr, 1);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

static void run_drift(const struct opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    qcal_drift_opts d = {(uint16_t)o->ref, (uint16_t)o->channel, o->every, o->range,
                         0, o->sigmas, o->min_snr, stream_resolution(r)};
    d.coarse_bin = default_coarse(o, 1);
    qcal_drift *dr = qcal_drift_new(&d);
    if (!dr)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        int rc = qcal_drift_add(dr, ev, (size_t)n);
        if (rc == QEV_EINVAL)
            die_disorder(r, qcal_drift_disorder_at(dr));
        if (rc != QEV_OK)
            cli_die(NULL, "out of memory");
    }
    cli_check_read(r, n);
    if (qcal_drift_finish(dr) != QEV_OK)
        cli_die(NULL, "out of memory");
    size_t np;
    const qcal_drift_point *p = qcal_drift_points(dr, &np);
    qcal_spline fit;
    int rc = qcal_drift_fit(p, np, (size_t)o->knots, (size_t)o->max_knots, &fit);
    if (rc == QEV_EINVAL)
        cli_die(qev_reader_name(r),
                "fewer than two of %zu windows hold a significant peak of channel %d against "
                "%d; lengthen --every or widen --range",
                np, o->channel, o->ref);
    if (rc != QEV_OK)
        cli_die(qev_reader_name(r), "the fit failed: a segment without windows; use fewer --knots");
    if (o->residuals)
        drift_residuals(o, p, np, &fit);
    if (o->json)
        drift_json(o, p, np, &fit);
    else
        drift_calibration(o, p, np, &fit, qev_reader_name(r));
    qcal_spline_free(&fit);
    qcal_drift_free(dr);
    cli_reader_close(r);
}

/* ---- counting: dark, flat ---- */

/* Events per channel and per pixel of a stream, and its duration. */
struct counts {
    uint64_t n[65536];
    uint8_t has_pixels[65536];
    int64_t tmin, tmax;
    double duration; /* ps */
    uint32_t width, height; /* array geometry, from the metadata or the pixels seen */
    /* per pixel of the array channels: [ch_index][y * width + x] */
    uint16_t array_ch[8];
    size_t narrays;
    uint64_t *pix[8];
    size_t pixcap[8];
    uint32_t maxx[8], maxy[8];
};

static size_t array_index(struct counts *k, uint16_t ch)
{
    for (size_t i = 0; i < k->narrays; i++)
        if (k->array_ch[i] == ch)
            return i;
    if (k->narrays == 8)
        cli_die(NULL, "more than 8 array channels");
    k->array_ch[k->narrays] = ch;
    return k->narrays++;
}

#define PIXEL_SIDE 4096 /* pixel x and y are counted below this */

static void count_pixel(struct counts *k, const qev_event *e)
{
    uint32_t x = qev_pixel_x(e), y = qev_pixel_y(e);
    if (x >= PIXEL_SIDE || y >= PIXEL_SIDE)
        cli_die(NULL, "pixel (%u, %u) of channel %u lies beyond %d x %d", x, y, e->channel,
                PIXEL_SIDE, PIXEL_SIDE);
    size_t a = array_index(k, e->channel), need = (size_t)(y + 1) * PIXEL_SIDE;
    if (need > k->pixcap[a]) {
        size_t cap = need * 2 > (size_t)PIXEL_SIDE * PIXEL_SIDE ? (size_t)PIXEL_SIDE * PIXEL_SIDE
                                                                : need * 2;
        uint64_t *p = realloc(k->pix[a], cap * sizeof *p);
        if (!p)
            cli_die(NULL, "out of memory");
        memset(p + k->pixcap[a], 0, (cap - k->pixcap[a]) * sizeof *p);
        k->pix[a] = p;
        k->pixcap[a] = cap;
    }
    k->pix[a][(size_t)y * PIXEL_SIDE + x]++;
    k->maxx[a] = x > k->maxx[a] ? x : k->maxx[a];
    k->maxy[a] = y > k->maxy[a] ? y : k->maxy[a];
    k->has_pixels[e->channel] = 1;
}

static double meta_number(const qev_meta *m, const char *key)
{
    const char *v = qev_meta_get(m, key);
    return v ? strtod(v, NULL) : NAN;
}

static void count_stream(const struct opts *o, const char *path, struct counts *k)
{
    qev_reader *r = cli_reader(path);
    const qev_meta *m = qev_reader_meta(r);
    const qev_event *ev;
    long n;
    k->tmin = INT64_MAX;
    k->tmax = INT64_MIN;
    while ((n = qev_read(r, &ev)) >= 0)
        for (long i = 0; i < n; i++) {
            if (ev[i].kind != QEV_PHOTON)
                continue;
            k->n[ev[i].channel]++;
            k->tmin = ev[i].t < k->tmin ? ev[i].t : k->tmin;
            k->tmax = ev[i].t > k->tmax ? ev[i].t : k->tmax;
            if (ev[i].flags & QEV_F_PIXEL)
                count_pixel(k, &ev[i]);
        }
    cli_check_read(r, n);
    double meta_duration = meta_number(m, "duration_ps");
    k->duration = o->duration > 0       ? (double)o->duration
                  : meta_duration > 0   ? meta_duration
                  : k->tmax > k->tmin ? (double)(k->tmax - k->tmin)
                                        : NAN;
    double w = meta_number(m, "image_width"), h = meta_number(m, "image_height");
    k->width = w >= 1 && w <= PIXEL_SIDE ? (uint32_t)w : 0;
    k->height = h >= 1 && h <= PIXEL_SIDE ? (uint32_t)h : 0;
    cli_reader_close(r);
    if (!(k->duration > 0))
        cli_die(path, "no duration: the stream holds fewer than two photons and no "
                      "duration_ps; give --duration");
}

/* The pixel counts of array a as a dense width x height array. */
static double *pixel_counts(const struct counts *k, size_t a, uint32_t *w, uint32_t *h)
{
    *w = k->width ? k->width : k->maxx[a] + 1;
    *h = k->height ? k->height : k->maxy[a] + 1;
    if (k->maxx[a] >= *w || k->maxy[a] >= *h) {
        *w = k->maxx[a] + 1 > *w ? k->maxx[a] + 1 : *w;
        *h = k->maxy[a] + 1 > *h ? k->maxy[a] + 1 : *h;
    }
    double *c = calloc((size_t)*w * *h, sizeof *c);
    if (!c)
        cli_die(NULL, "out of memory");
    for (uint32_t y = 0; y < *h; y++)
        for (uint32_t x = 0; x < *w; x++) {
            size_t i = (size_t)y * PIXEL_SIDE + x;
            c[(size_t)y * *w + x] = i < k->pixcap[a] ? (double)k->pix[a][i] : 0;
        }
    return c;
}

static void free_counts(struct counts *k)
{
    for (size_t a = 0; a < k->narrays; a++)
        free(k->pix[a]);
    free(k);
}

static struct counts *new_counts(void)
{
    struct counts *k = calloc(1, sizeof *k);
    if (!k)
        cli_die(NULL, "out of memory");
    return k;
}

static int wanted(const struct opts *o, size_t ch)
{
    return !o->channels_set || (o->channels.channels[ch >> 3] >> (ch & 7) & 1);
}

static void dark_array(const struct opts *o, qev_calib *c, const struct counts *k, size_t a,
                       double T)
{
    uint32_t w, h;
    unsigned ch = k->array_ch[a];
    double *px = pixel_counts(k, a, &w, &h), median, cold = 0;
    size_t npx = (size_t)w * h, hot = 0;
    double thr = qcal_hot_threshold(px, npx, o->hot_sigma, &median);
    setn(c, (double)npx, NAN, "", "dark.%u.pixels", ch);
    setn(c, median / T, sqrt(fmax(median, 1)) / T, "Hz", "dark.%u.pixel_median", ch);
    for (size_t i = 0; i < npx; i++)
        if (px[i] > thr)
            hot++;
        else
            cold += px[i];
    setn(c, cold / T, sqrt(fmax(cold, 1)) / T, "Hz", "dark.%u.without_hot", ch);
    char comment[200];
    snprintf(comment, sizeof comment,
             "hot pixels of channel %u: counts above median %.6g + %g robust sd (%.6g)", ch,
             median, o->hot_sigma, thr);
    check_calib(c, qev_calib_comment(c, comment));
    setn(c, (double)hot, NAN, "", "hot.%u.count", ch);
    for (size_t i = 0; i < npx; i++)
        if (px[i] > thr)
            setn(c, px[i] / T, sqrt(px[i]) / T, "Hz", "hot.%u.%zu.%zu", ch, i % w, i / w);
    free(px);
}

static void run_dark(const struct opts *o, const char *path)
{
    struct counts *k = new_counts();
    count_stream(o, path, k);
    double T = k->duration * 1e-12;
    qev_calib *c = new_calibration();
    section_start(c, "dark",
                  "qcal dark: rate = N / T, sigma = sqrt(N) / T, photons of each channel",
                  strcmp(path, "-") ? path : "-");
    setn(c, k->duration, NAN, "ps", "dark.duration");
    for (size_t ch = 0; ch < 65536; ch++)
        if (wanted(o, ch) && (k->n[ch] || o->channels_set))
            setn(c, (double)k->n[ch] / T, sqrt(fmax((double)k->n[ch], 1)) / T, "Hz", "dark.%zu",
                 ch);
    for (size_t a = 0; a < k->narrays; a++)
        if (wanted(o, k->array_ch[a]))
            dark_array(o, c, k, a, T);
    write_calibration(o, c);
    qev_calib_free(c);
    free_counts(k);
}

/* ---- dead time ---- */

struct interval_state {
    int64_t last, first;
    uint64_t intervals;
    qcal_smallest small;
};

static void add_interval(struct interval_state **st, uint16_t ch, int64_t t, size_t keep,
                         const qev_reader *r)
{
    struct interval_state *s = st[ch];
    if (!s) {
        s = st[ch] = calloc(1, sizeof *s);
        if (!s || qcal_smallest_init(&s->small, keep) != QEV_OK)
            cli_die(NULL, "out of memory");
        s->last = s->first = t;
        return;
    }
    int64_t d = t - s->last;
    if (d < 0)
        cli_die(qev_reader_name(r), "channel %u goes back in time; " QEV_ORDER_HINT, ch);
    s->last = t;
    s->intervals++;
    if (qcal_smallest_wants(&s->small, d))
        qcal_smallest_add(&s->small, d);
}

static void deadtime_entry(const struct opts *o, qev_calib *c, struct interval_state *s,
                           size_t ch, int64_t res_ps, const char *source)
{
    size_t m;
    double tau, sigma;
    const int64_t *d = qcal_smallest_sorted(&s->small, &m);
    double mean = s->intervals ? (double)(s->last - s->first) / (double)s->intervals : 0;
    if (qcal_deadtime(d, m, (size_t)o->rank, res_ps, s->intervals, mean, &tau, &sigma) ==
        QEV_OK) {
        setn(c, tau, sigma, "ps", "deadtime.%zu", ch);
        setn(c, (double)s->intervals, NAN, "", "deadtime.%zu.intervals", ch);
    } else {
        cli_warn(source, "channel %zu: fewer than %ld intervals", ch, 2 * o->rank);
    }
}

static void run_deadtime(const struct opts *o, const char *path)
{
    static struct interval_state *st[65536];
    qev_reader *r = cli_reader(path);
    int64_t res_ps = stream_resolution(r);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0)
        for (long i = 0; i < n; i++)
            if (ev[i].kind == QEV_PHOTON && wanted(o, ev[i].channel))
                add_interval(st, ev[i].channel, ev[i].t, 2 * (size_t)o->rank, r);
    cli_check_read(r, n);
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal deadtime: tau = 2 d(%ld) - d(%ld) from the shortest intervals d(i) between "
             "photons of a channel; sigma^2 = 2 k g^2 + r^2/12, g = (mean interval - tau) / "
             "intervals, k = %ld, r = %" PRId64 " ps",
             o->rank, 2 * o->rank, o->rank, res_ps);
    section_start(c, "deadtime", comment, qev_reader_name(r));
    setn(c, (double)o->rank, NAN, "", "deadtime.rank");
    for (size_t ch = 0; ch < 65536; ch++) {
        if (!st[ch])
            continue;
        deadtime_entry(o, c, st[ch], ch, res_ps, qev_reader_name(r));
        qcal_smallest_free(&st[ch]->small);
        free(st[ch]);
    }
    write_calibration(o, c);
    qev_calib_free(c);
    cli_reader_close(r);
}

/* ---- dark counts to subtract (efficiency, flat) ---- */

struct dark_rates {
    double rate[65536], sigma[65536]; /* Hz */
    struct counts *k;                 /* a dark stream's pixel counts, or NULL */
    qev_calib *cal;                   /* a calibration's hot pixels, or NULL */
};

static struct dark_rates *load_dark(const struct opts *o)
{
    struct dark_rates *d = calloc(1, sizeof *d);
    if (!d)
        cli_die(NULL, "out of memory");
    if (looks_like_calibration(o->dark)) {
        d->cal = load_calibration(o->dark);
        for (size_t i = 0; i < qev_calib_count(d->cal); i++) {
            unsigned ch;
            qev_calib_num v;
            if (!qev_calib_key_channel(qev_calib_key(d->cal, i), "dark", &ch))
                continue;
            if (qev_calib_parse_number(qev_calib_value(d->cal, i), &v) != QEV_OK ||
                v.dim != QEV_DIM_RATE)
                cli_die(o->dark, "%s is not a rate", qev_calib_key(d->cal, i));
            d->rate[ch] = v.value;
            d->sigma[ch] = isfinite(v.sigma) ? v.sigma : 0;
        }
        return d;
    }
    struct opts plain = *o;
    plain.duration = -1;
    d->k = new_counts();
    count_stream(&plain, o->dark, d->k);
    double T = d->k->duration * 1e-12;
    for (size_t ch = 0; ch < 65536; ch++) {
        d->rate[ch] = (double)d->k->n[ch] / T;
        d->sigma[ch] = sqrt((double)d->k->n[ch]) / T;
    }
    return d;
}

static void free_dark(struct dark_rates *d)
{
    if (!d)
        return;
    if (d->k)
        free_counts(d->k);
    qev_calib_free(d->cal);
    free(d);
}

/* ---- efficiency ---- */

struct eff_result {
    qev_pair_stats st;
    double delay, width, eta[2], sigma[2]; /* [0]: arm A, [1]: arm B */
    int64_t window;
};

static void klyshko(const qev_pair_stats *s, double herald_n, double dark, double sigma_dark,
                    double *eta, double *sigma)
{
    qev_herald_counts k = {s->coincidences, s->accidentals, s->sigma_accidentals, herald_n,
                           dark, sigma_dark, s->duration_s};
    qev_efficiency e = qev_klyshko(&k);
    *eta = e.eta;
    *sigma = e.sigma;
}

static int64_t cal_delay(const struct opts *o, int *found)
{
    qev_calib *c = load_calibration(o->cal);
    static int64_t delay[65536];
    static uint8_t set[65536];
    if (qev_calib_delays(c, delay, set) < 0)
        cli_die(o->cal, "%s", qev_calib_error(c));
    qev_calib_free(c);
    *found = set[o->pair_b] || set[o->pair_a];
    return delay[o->pair_b] - delay[o->pair_a];
}

static void efficiency_measure(const struct opts *o, const char *path, const struct dark_rates *dk,
                               struct eff_result *e)
{
    qev_reader *r = cli_reader(path);
    qev_corr_pair pair = {o->pair_a, o->pair_b};
    const qev_event *ev;
    long n = first_block(r, &ev);
    qev_correlator *c = correlator(&pair, 1, 1, o->range);
    correlate_rest(r, c, ev, n);
    qcal_peak_opts po = {1, default_coarse(o, 1), o->sigmas, stream_resolution(r)};
    qcal_peak pk;
    if (qcal_find_peak_ladder(qev_correlator_counts(c, 0), qev_correlator_bins(c), -o->range, &po,
                              o->min_snr, &pk) != QEV_OK)
        cli_die(NULL, "the range holds fewer than three coarse bins; lower --coarse-bin");
    int from_cal = 0;
    int64_t d = o->cal ? cal_delay(o, &from_cal) : 0;
    if (!from_cal && (!pk.found || pk.snr < o->min_snr))
        cli_die(qev_reader_name(r), "no significant coincidence peak of %u:%u (signal-to-noise "
                "%.2g); give the delay with --cal", o->pair_a, o->pair_b, pk.found ? pk.snr : 0.0);
    e->delay = from_cal ? (double)d : pk.delay;
    e->width = pk.width;
    e->window = o->window ? o->window : 2 * (int64_t)ceil(5 * fmax(pk.width, 1)) + 1;
    qev_stats_params sp;
    memset(&sp, 0, sizeof sp);
    sp.window = e->window;
    sp.delay[0] = (int64_t)llround(e->delay);
    sp.accidental_delay = o->acc_delay;
    sp.resolution = stream_resolution(r);
    sp.dark_a_uhz[0] = (int64_t)llround(dk ? dk->rate[o->pair_a] * 1e6 : 0);
    sp.dark_b_uhz[0] = (int64_t)llround(dk ? dk->rate[o->pair_b] * 1e6 : 0);
    sp.use = o->accidentals;
    if (qev_stats_reach(&sp, 1) > o->range)
        cli_usage_error("--range must be at least %" PRId64 " ps for this window, delay and "
                        "--accidental-delay", qev_stats_reach(&sp, 1));
    qev_partial *p = qev_hist_partial(c, &pair, 1, 1, o->range, QEV_CORR_ALL, o->duration);
    if (!p || qev_stats_partial(p, &sp, 1) != QEV_OK)
        cli_die(NULL, "out of memory");
    qev_stats_compute(p, 0, &e->st);
    double na = (double)qev_correlator_singles(c, o->pair_a);
    double nb = (double)qev_correlator_singles(c, o->pair_b);
    klyshko(&e->st, na, dk ? dk->rate[o->pair_a] : 0, dk ? dk->sigma[o->pair_a] : 0, &e->eta[1],
            &e->sigma[1]);
    klyshko(&e->st, nb, dk ? dk->rate[o->pair_b] : 0, dk ? dk->sigma[o->pair_b] : 0, &e->eta[0],
            &e->sigma[0]);
    qev_partial_free(p);
    qev_correlator_free(c);
    cli_reader_close(r);
}

static void efficiency_output(const struct opts *o, const struct eff_result *e, const char *source,
                              int dark)
{
    if (o->json) {
        FILE *f = cli_output_stream(o->output, 0);
        fprintf(f, "{\"a\":%u,\"b\":%u,\"window_ps\":%" PRId64 ",\"dark_subtracted\":%s",
                o->pair_a, o->pair_b, e->window, dark ? "true" : "false");
        json_num(f, "delay_ps", e->delay, 1);
        json_num(f, "coincidences", e->st.coincidences, 1);
        json_num(f, "accidentals", e->st.accidentals, 1);
        json_num(f, "eta_a", e->eta[0], 1);
        json_num(f, "sigma_eta_a", e->sigma[0], 1);
        json_num(f, "eta_b", e->eta[1], 1);
        json_num(f, "sigma_eta_b", e->sigma[1], 1);
        fputs("}\n", f);
        return;
    }
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal efficiency: Klyshko eta_B = (C - A)/(N_A - dark_A T), eta_A = (C - A)/(N_B - "
             "dark_B T); C in a %" PRId64 " ps window at %.1f ps; binomial sigma; dark %s",
             e->window, e->delay, dark ? "subtracted" : "not subtracted");
    section_start(c, "efficiency", comment, source);
    check_calib(c, qev_calib_setf(c, "efficiency.pair", "%u:%u", o->pair_a, o->pair_b));
    setn(c, (double)e->window, NAN, "ps", "efficiency.window");
    setn(c, e->st.coincidences, NAN, "", "efficiency.coincidences");
    setn(c, e->st.accidentals, e->st.sigma_accidentals, "", "efficiency.accidentals");
    setn(c, e->eta[0], e->sigma[0], "", "efficiency.%u", o->pair_a);
    setn(c, e->eta[1], e->sigma[1], "", "efficiency.%u", o->pair_b);
    write_calibration(o, c);
    qev_calib_free(c);
}

static void run_efficiency(const struct opts *o, const char *path)
{
    struct dark_rates *dk = o->dark ? load_dark(o) : NULL;
    struct eff_result e;
    memset(&e, 0, sizeof e);
    efficiency_measure(o, path, dk, &e);
    efficiency_output(o, &e, strcmp(path, "-") ? path : "-", dk != NULL);
    free_dark(dk);
}

/* ---- flat ---- */

/* Dark counts per pixel over T seconds: the dark stream's pixel, scaled, or
 * from a calibration the median pixel rate and the hot pixels' rates. */
static double pixel_dark(const struct dark_rates *dk, unsigned ch, uint32_t x, uint32_t y,
                         double T, double *var)
{
    *var = 0;
    if (!dk)
        return 0;
    if (dk->k) {
        const struct counts *k = dk->k;
        for (size_t a = 0; a < k->narrays; a++)
            if (k->array_ch[a] == ch) {
                size_t i = (size_t)y * PIXEL_SIDE + x;
                double n = i < k->pixcap[a] ? (double)k->pix[a][i] : 0;
                double scale = T / (k->duration * 1e-12);
                *var = n * scale * scale;
                return n * scale;
            }
        return 0;
    }
    char key[96];
    qev_calib_num v;
    snprintf(key, sizeof key, "hot.%u.%u.%u", ch, x, y);
    if (qev_calib_number(dk->cal, key, &v) != QEV_OK) {
        snprintf(key, sizeof key, "dark.%u.pixel_median", ch);
        if (qev_calib_number(dk->cal, key, &v) != QEV_OK)
            return 0;
    }
    double s = isfinite(v.sigma) ? v.sigma * T : 0;
    *var = s * s;
    return v.value * T;
}

static size_t flat_channel(const struct opts *o, const struct counts *k)
{
    for (size_t a = 0; a < k->narrays; a++)
        if (wanted(o, k->array_ch[a]))
            return a;
    cli_die(NULL, "no channel with pixel events%s", o->channels_set ? " among --channels" : "");
}

/* The map as a PFM image, written beside and renamed into place. */
static void flat_image(const char *path, const double *px, uint32_t w, uint32_t h, double mean)
{
    qev_image im;
    char why[256];
    if (qev_image_alloc(&im, w, h, why, sizeof why) != QEV_OK)
        cli_die(path, "%s", why);
    for (size_t i = 0; i < (size_t)w * h; i++)
        im.px[i] = px[i] / mean;
    if (qev_image_save(path, &im, QEV_IMAGE_PFM, 0, (qev_image_scale){0, 0}, why, sizeof why) !=
        QEV_OK)
        cli_die(path, "%s", why);
    qev_image_free(&im);
}

static void run_flat(const struct opts *o, const char *path)
{
    struct dark_rates *dk = o->dark ? load_dark(o) : NULL;
    struct counts *k = new_counts();
    count_stream(o, path, k);
    size_t a = flat_channel(o, k);
    unsigned ch = k->array_ch[a];
    uint32_t w, h;
    double *px = pixel_counts(k, a, &w, &h), T = k->duration * 1e-12, sum = 0;
    double *var = malloc((size_t)w * h * sizeof *var);
    if (!var)
        cli_die(NULL, "out of memory");
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            double dv, dark = pixel_dark(dk, ch, x, y, T, &dv);
            var[i] = px[i] + dv;
            px[i] -= dark;
            sum += px[i];
        }
    double mean = sum / (double)((size_t)w * h);
    if (!(mean > 0))
        cli_die(path, "channel %u: no counts above the dark counts", ch);
    qev_calib *c = new_calibration();
    char section[32];
    snprintf(section, sizeof section, "flat.%u", ch);
    section_start(c, section,
                  "qcal flat: per-pixel efficiency (counts - dark) / mean over the array, "
                  "sigma = sqrt(counts + var dark) / mean",
                  strcmp(path, "-") ? path : "-");
    setn(c, w, NAN, "", "flat.%u.width", ch);
    setn(c, h, NAN, "", "flat.%u.height", ch);
    setn(c, mean, NAN, "", "flat.%u.mean_counts", ch);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            setn(c, px[i] / mean, sqrt(var[i]) / mean, "", "flat.%u.%u.%u", ch, x, y);
        }
    if (o->pfm)
        flat_image(o->pfm, px, w, h, mean);
    write_calibration(o, c);
    qev_calib_free(c);
    free(px);
    free(var);
    free_counts(k);
    free_dark(dk);
}

/* ---- merge ---- */

/* The inputs' sections and provenance in turn, then this command's line:
 * provenance reads oldest first, as in a QEV header. */
static void run_merge(const struct opts *o, char **paths, int n)
{
    if (n == 0)
        cli_usage_error("qcal merge needs calibration files");
    qev_calib *sum = qev_calib_new();
    if (!sum)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        qev_calib *c = load_calibration(paths[i]);
        if (qev_calib_merge(sum, c) != QEV_OK)
            cli_die(paths[i], "%s", qev_calib_error(sum));
        qev_calib_free(c);
    }
    qev_calib *mine = new_calibration();
    for (size_t i = 0; i < qev_calib_provenance_count(mine); i++)
        check_calib(sum, qev_calib_add_provenance(sum, qev_calib_provenance(mine, i)));
    check_calib(sum, qev_calib_set(sum, "created", qev_calib_get(mine, "created")));
    write_calibration(o, sum);
    qev_calib_free(mine);
    qev_calib_free(sum);
}

/* ---- diff ---- */

/* When the section of key was measured (seconds), or when the file was made. */
static int measured_at(const qev_calib *c, const char *key, int64_t *when)
{
    char section[256], mkey[300];
    qev_calib_section(key, section, sizeof section);
    snprintf(mkey, sizeof mkey, "%s.measured", section);
    const char *v = qev_calib_get(c, mkey);
    if (!v)
        v = qev_calib_get(c, "created");
    return v ? qev_calib_parse_utc(v, when) : QEV_END;
}

static int bookkeeping(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "created") == 0 || (n > 9 && strcmp(key + n - 9, ".measured") == 0) ||
           (n > 7 && strcmp(key + n - 7, ".source") == 0);
}

struct change {
    const char *key, *old, *new;
    double change, per_day, sigmas;
    enum qev_calib_dim dim;
    int numeric;
};

static void compare(const qev_calib *a, const qev_calib *b, const char *key, struct change *ch)
{
    qev_calib_num x, y;
    int64_t ta, tb;
    memset(ch, 0, sizeof *ch);
    ch->key = key;
    ch->old = qev_calib_get(a, key);
    ch->new = qev_calib_get(b, key);
    ch->change = ch->per_day = ch->sigmas = NAN;
    if (!ch->old || !ch->new || qev_calib_parse_number(ch->old, &x) != QEV_OK ||
        qev_calib_parse_number(ch->new, &y) != QEV_OK || x.dim != y.dim)
        return;
    ch->numeric = 1;
    ch->dim = x.dim;
    ch->change = y.value - x.value;
    double s = sqrt((isfinite(x.sigma) ? x.sigma * x.sigma : 0) +
                    (isfinite(y.sigma) ? y.sigma * y.sigma : 0));
    if (isfinite(x.sigma) && isfinite(y.sigma) && s > 0)
        ch->sigmas = fabs(ch->change) / s;
    if (measured_at(a, key, &ta) == QEV_OK && measured_at(b, key, &tb) == QEV_OK && tb != ta)
        ch->per_day = ch->change / ((double)(tb - ta) / 86400);
}

static void format_value(char *buf, size_t cap, double v, const char *unit, int sign)
{
    if (!isfinite(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, sign ? "%+.6g%s%s" : "%.6g%s%s", v, *unit ? " " : "", unit);
}

static void print_change(FILE *f, const struct change *c, int json, int *first)
{
    const char *what = !c->old ? "added" : !c->new ? "removed" : "changed";
    if (json) {
        fprintf(f, "%s{\"key\":", *first ? "" : ",");
        report_json_string(f, c->key);
        fprintf(f, ",\"status\":\"%s\",\"old\":", what);
        c->old ? report_json_string(f, c->old) : (void)fputs("null", f);
        fputs(",\"new\":", f);
        c->new ? report_json_string(f, c->new) : (void)fputs("null", f);
        json_num(f, "change", c->change, 1);
        json_num(f, "change_per_day", c->per_day, 1);
        json_num(f, "sigmas", c->sigmas, 1);
        fputc('}', f);
    } else if (c->numeric) {
        char change[48], per_day[48], sigmas[32], unit[16];
        snprintf(unit, sizeof unit, "%s/d", qev_calib_unit_name(c->dim));
        format_value(change, sizeof change, c->change, qev_calib_unit_name(c->dim), 1);
        format_value(per_day, sizeof per_day, c->per_day, unit, 1);
        format_value(sigmas, sizeof sigmas, c->sigmas, "", 0);
        fprintf(f, "%-32s %18s %20s %8s\n", c->key, change, per_day, sigmas);
    } else {
        fprintf(f, "%-32s %s: %s -> %s\n", c->key, what, c->old ? c->old : "-",
                c->new ? c->new : "-");
    }
    *first = 0;
}

static void diff_one(const struct opts *o, FILE *f, const qev_calib *a, const qev_calib *b,
                     const char *key, int *first, const struct change **worst, struct change *buf)
{
    compare(a, b, key, buf);
    int same_text = buf->old && buf->new && strcmp(buf->old, buf->new) == 0;
    if (bookkeeping(key) || same_text)
        return;
    print_change(f, buf, o->json, first);
    if (o->max_sigma >= 0 && isfinite(buf->sigmas) && buf->sigmas > o->max_sigma &&
        (!*worst || buf->sigmas > (*worst)->sigmas)) {
        static struct change keep;
        keep = *buf;
        *worst = &keep;
    }
}

static void run_diff(const struct opts *o, char **paths, int n)
{
    if (n != 2)
        cli_usage_error("qcal diff needs two calibration files, OLD and NEW");
    qev_calib *a = load_calibration(paths[0]), *b = load_calibration(paths[1]);
    FILE *f = cli_output_stream(o->output, 0);
    const struct change *worst = NULL;
    struct change buf;
    int first = 1;
    if (o->json)
        fputs("{\"changes\":[", f);
    else
        fprintf(f, "%-32s %18s %20s %8s\n", "parameter", "change", "per day", "sigma");
    for (size_t i = 0; i < qev_calib_count(a); i++)
        diff_one(o, f, a, b, qev_calib_key(a, i), &first, &worst, &buf);
    for (size_t i = 0; i < qev_calib_count(b); i++)
        if (!qev_calib_get(a, qev_calib_key(b, i)))
            diff_one(o, f, a, b, qev_calib_key(b, i), &first, &worst, &buf);
    if (o->json)
        fputs("]}\n", f);
    int status = CLI_OK;
    if (worst) {
        cli_warn(NULL, "%s moved %.3g sigma, more than --max-sigma %g", worst->key, worst->sigmas,
                 o->max_sigma);
        status = CLI_CHECK;
    }
    qev_calib_free(a);
    qev_calib_free(b);
    cli_exit(status);
}

/* ---- apply ---- */

struct applied {
    uint64_t fingerprint;
    const char *name;
    qev_calib *cal;
    qcal_shift *shift;
    size_t delays, clocks, renames, masks;
};

static void apply_delays(struct applied *ap)
{
    static int64_t delay[65536];
    static uint8_t set[65536];
    if (qev_calib_delays(ap->cal, delay, set) < 0)
        cli_die(ap->name, "%s", qev_calib_error(ap->cal));
    for (size_t ch = 0; ch < 65536; ch++)
        if (set[ch]) {
            qcal_shift_set_delay(ap->shift, (uint16_t)ch, delay[ch]);
            ap->delays++;
        }
}

static void apply_clock(struct applied *ap, unsigned ch)
{
    qev_calib_clock k;
    int rc = qev_calib_get_clock(ap->cal, ch, &k);
    if (rc == QEV_END)
        return;
    if (rc != QEV_OK)
        cli_die(ap->name, "clock.%u: not a clock (offset, drift, or knots with time and delay)",
                ch);
    int64_t *rec = malloc(k.n * sizeof *rec);
    if (!rec)
        cli_die(NULL, "out of memory");
    for (size_t i = 0; i < k.n; i++)
        rec[i] = k.time[i] + (int64_t)llround(k.delay[i]);
    if (qcal_shift_set_clock(ap->shift, (uint16_t)ch, rec, k.time, k.n) != QEV_OK)
        cli_die(ap->name, "clock.%u: the knots do not make an increasing map of time", ch);
    ap->clocks++;
    free(rec);
    qev_calib_clock_free(&k);
}

static void apply_pixel(struct applied *ap, const char *key)
{
    unsigned ch, x, y;
    char tail;
    if (sscanf(key, "%*[a-z].%u.%u.%u%c", &ch, &x, &y, &tail) != 3 || ch > 65535 || x > 65535 ||
        y > 65535)
        return;
    if (qcal_shift_mask_pixel(ap->shift, (uint16_t)ch, qev_pixel_aux((uint16_t)x, (uint16_t)y)) !=
        QEV_OK)
        cli_die(NULL, "out of memory");
    ap->masks++;
}

static void apply_entry(struct applied *ap, size_t i, uint8_t *clock_done)
{
    const char *key = qev_calib_key(ap->cal, i), *value = qev_calib_value(ap->cal, i);
    unsigned ch, to;
    char tail;
    if (qev_calib_key_channel(key, "rename", &ch)) {
        if (sscanf(value, "%u%c", &to, &tail) != 1 || to > 65535)
            cli_die(ap->name, "%s = %s is not a channel number", key, value);
        qcal_shift_rename(ap->shift, (uint16_t)ch, (uint16_t)to);
        ap->renames++;
    } else if (sscanf(key, "clock.%u.%c", &ch, &tail) == 2 && ch <= 65535 && !clock_done[ch]) {
        clock_done[ch] = 1;
        apply_clock(ap, ch);
    } else if (strncmp(key, "hot.", 4) == 0 || strncmp(key, "mask.", 5) == 0) {
        apply_pixel(ap, key);
    }
}

static void prepare_apply(struct applied *ap)
{
    static uint8_t clock_done[65536];
    ap->shift = qcal_shift_new();
    if (!ap->shift)
        cli_die(NULL, "out of memory");
    qcal_shift_set_batch(ap->shift, QEV_BLOCK_EVENTS);
    apply_delays(ap);
    for (size_t i = 0; i < qev_calib_count(ap->cal); i++)
        apply_entry(ap, i, clock_done);
    ap->fingerprint = qev_calib_fingerprint(ap->cal);
}

static qev_meta *applied_meta(const struct opts *o, const struct applied *ap, const qev_reader *r)
{
    int any;
    const qev_meta *in = qev_reader_meta(r);
    if (qev_calib_applied(in, ap->fingerprint, &any))
        cli_die(qev_reader_name(r), "calibration %016" PRIx64 " (%s) was applied to this stream "
                "already; applying it twice would shift the times twice", ap->fingerprint, ap->name);
    if (any && !o->force)
        cli_die(qev_reader_name(r), "another calibration (%s) was applied to this stream; "
                "use --force to apply %s as well", qev_meta_get(in, "calibration_applied"),
                ap->name);
    qev_meta *m = qev_meta_dup(in);
    const char *created = qev_calib_get(ap->cal, "created");
    if (!m || qev_calib_mark_applied(m, ap->fingerprint) != QEV_OK)
        cli_die(NULL, "out of memory");
    const char *slash = strrchr(ap->name, '/');
    qev_meta_set(m, "calibration_file", slash ? slash + 1 : ap->name);
    if (created)
        qev_meta_set(m, "calibration_created", created);
    qev_meta_setf(m, "calibration_corrections",
                  "%zu delays, %zu clocks, %zu renames, %zu masked pixels", ap->delays, ap->clocks,
                  ap->renames, ap->masks);
    qev_meta_set(m, "calibration_rule",
                 "t' = t - delay, or t' = (t - offset)/(1 + drift) through the clock's knots "
                 "(clocks win over delays), rounded to the nearest ps; events kept in time order");
    return m;
}

static void drain(struct sink *s, qcal_shift *sh)
{
    const qev_event *out;
    size_t m = qcal_shift_ready(sh, &out);
    if (m)
        sink_events(s, out, m);
}

/* Ends an output segment: what is waiting, and the masked count. */
static void end_segment(struct sink *s, qcal_shift *sh, uint64_t *masked_before)
{
    qcal_shift_finish(sh);
    drain(s, sh);
    qev_meta *closing = qev_meta_new();
    if (!closing)
        cli_die(NULL, "out of memory");
    qev_meta_setf(closing, "calibration_events_masked", "%" PRIu64,
                  qcal_shift_masked(sh) - *masked_before);
    *masked_before = qcal_shift_masked(sh);
    sink_closing(s, closing);
    qev_meta_free(closing);
}

static void run_apply(const struct opts *o, char **paths, int n)
{
    if (n < 1 || n > 2)
        cli_usage_error("qcal apply needs a calibration file and at most one stream");
    struct applied ap = {0, paths[0], load_calibration(paths[0]), NULL, 0, 0, 0, 0};
    prepare_apply(&ap);
    if (n == 1)
        cli_need_input(0, usage);
    qev_reader *r = cli_reader(n == 2 ? paths[1] : "-");
    struct sink *s = sink_open(SINK_QEV, o->output, o->level);
    const qev_event *ev;
    long k;
    uint64_t segments = 0, masked = 0;
    while ((k = qev_read(r, &ev)) >= 0) {
        if (qev_reader_stats(r).segments != segments) { /* a new header */
            if (segments++)
                end_segment(s, ap.shift, &masked);
            qev_meta *m = applied_meta(o, &ap, r);
            sink_segment(s, m, NULL);
            qev_meta_free(m);
        }
        int rc = qcal_shift_add(ap.shift, ev, (size_t)k);
        if (rc == QEV_ENOMEM)
            cli_die(NULL, "out of memory");
        if (rc != QEV_OK)
            die_disorder(r, qcal_shift_disorder_at(ap.shift));
        drain(s, ap.shift);
    }
    cli_check_read(r, k);
    if (segments)
        end_segment(s, ap.shift, &masked);
    qev_balance b = {.in = qev_reader_stats(r).events, .out = sink_events_written(s)};
    qev_balance_add(&b, "masked_pixel", qcal_shift_masked(ap.shift));
    cli_tally(&b);
    sink_close(s);
    cli_reader_close(r);
    qcal_shift_free(ap.shift);
    qev_calib_free(ap.cal);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    static struct opts o;
    cli_init("qcal", argc, argv);
    defaults(&o);
    if (argc < 2)
        cli_usage_error("missing a command (delays, drift, dark, deadtime, efficiency, flat, "
                        "merge, diff, apply)");
    if (argv[1][0] == '-') {
        parse_args(argc, argv, &o);
        cli_usage_error("missing a command (delays, drift, dark, deadtime, efficiency, flat, "
                        "merge, diff, apply)");
    }
    size_t which = 0;
    while (which < NCOMMANDS && strcmp(argv[1], command_names[which]) != 0)
        which++;
    if (which == NCOMMANDS)
        cli_usage_error("unknown command '%s'", argv[1]);
    o.cmd = (enum command)which;
    static char label[32];
    snprintf(label, sizeof label, "qcal %s", argv[1]);
    argv[1] = label;
    parse_args(argc - 1, argv + 1, &o);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    if (o.cmd == MERGE)
        run_merge(&o, files, operands);
    else if (o.cmd == DIFF)
        run_diff(&o, files, operands);
    else if (o.cmd == APPLY)
        run_apply(&o, files, operands);
    else {
        cli_need_input(operands, usage);
        if (operands > 1)
            cli_usage_error("qcal %s reads one stream", command_names[o.cmd]);
        const char *path = operands ? files[0] : "-";
        void (*const run[])(const struct opts *, const char *) = {
            run_delays, run_drift, run_dark, run_deadtime, run_efficiency, run_flat};
        run[o.cmd](&o, path);
    }
    cli_exit(CLI_OK);
}
