/* qcat: view, slice, merge and re-encode QEV streams. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "filter.h"
#include "merge.h"
#include "sink.h"

static const char usage[] =
    "Usage: qcat [OPTION]... [FILE]...\n"
    "View, slice, merge and re-encode QEV photon-event streams.\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "Output (text by default: one event per line, a header line naming the columns):\n"
    "  -b, --qev              write a QEV stream instead of text\n"
    "  -O, --format=FMT       text, csv, qev, phdf5 (Photon-HDF5, needs -o), or raw:\n"
    "                         16-byte little-endian records of int64 time_ps, uint16\n"
    "                         channel, uint8 kind, uint8 flags, uint32 aux (numpy dtype\n"
    "                         <i8,<u2,u1,u1,<u4). -o names ending in .qev, .csv, .h5\n"
    "                         choose qev, csv, phdf5\n"
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"
    "  -H, --header           print the metadata of each segment instead of events\n"
    "  -c, --count            print the number of events selected\n"
    "  -l, --level=N          zstd level of QEV output (default 1)\n"
    "\n"
    "Selection:\n"
    "  -m, --merge            merge time-sorted inputs into one time-sorted stream\n"
    "                         (default: concatenate, keeping each input's segments)\n"
    "      --from=T           keep events at time T or later (e.g. 1.5s, 200ns)\n"
    "      --to=T             keep events before time T\n"
    "  -C, --channel=LIST     keep these channels (e.g. 1,3,5-8)\n"
    "  -k, --kind=LIST        keep these kinds (photon, sync, marker)\n"
    "      --shard=I/N        shard I (from 1) of N equal time spans of a QEV file,\n"
    "                         found through its block index; the shard's metadata\n"
    "                         says which span it owns (owned_from_ps, owned_to_ps)\n"
    "      --overlap=T        widen the shard by T on both sides, the margin that\n"
    "                         correlations need (they count only what the shard owns)\n"
    "\n"
    "      --tally            at the end, print on stderr the events read, selected\n"
    "                         and filtered out, by reason\n"
    "      --no-provenance    do not add a provenance line to QEV output\n"
    "  -h, --help             print this help and exit\n"
    "  -V, --version          print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n";

enum { OPT_FROM = CLI_OPT_FIRST_TOOL_OPTION, OPT_TO, OPT_SHARD, OPT_OVERLAP };

struct qcat_opts {
    enum sink_mode mode;
    int mode_set;
    const char *output;
    int merge;
    int level;
    qev_filter filter;
    long shard, shards;    /* --shard I/N, I from 1 */
    int64_t overlap;
    qev_meta *extra;       /* set on every output segment (a shard's ownership) */
};

static enum sink_mode parse_format(const char *s)
{
    if (strcmp(s, "text") == 0)
        return SINK_TEXT;
    if (strcmp(s, "qev") == 0)
        return SINK_QEV;
    if (strcmp(s, "raw") == 0)
        return SINK_RAW;
    if (strcmp(s, "csv") == 0)
        return SINK_CSV;
    if (strcmp(s, "phdf5") == 0)
        return SINK_PHDF5;
    cli_usage_error("--format: '%s' is not one of text, csv, qev, raw, phdf5", s);
}

static void set_mode(struct qcat_opts *o, enum sink_mode m)
{
    if (o->mode_set && o->mode != m)
        cli_usage_error("choose one of --qev/--format, --header and --count");
    o->mode = m;
    o->mode_set = 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static void parse_shard(struct qcat_opts *o, const char *arg)
{
    char *end;
    o->shard = strtol(arg, &end, 10);
    if (*end != '/' || end == arg)
        cli_usage_error("--shard: '%s' is not I/N", arg);
    o->shards = cli_int("--shard", end + 1, 1, 1000000);
    if (o->shard < 1 || o->shard > o->shards)
        cli_usage_error("--shard: I must be between 1 and N");
}

static void parse_args(int argc, char **argv, struct qcat_opts *o)
{
    static const struct option longopts[] = {
        {"qev", no_argument, NULL, 'b'},          {"format", required_argument, NULL, 'O'},
        {"output", required_argument, NULL, 'o'}, {"header", no_argument, NULL, 'H'},
        {"count", no_argument, NULL, 'c'},        {"level", required_argument, NULL, 'l'},
        {"merge", no_argument, NULL, 'm'},        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},  {"channel", required_argument, NULL, 'C'},
        {"kind", required_argument, NULL, 'k'},   {"shard", required_argument, NULL, OPT_SHARD},
        {"overlap", required_argument, NULL, OPT_OVERLAP},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c;
    memset(o, 0, sizeof *o);
    qev_filter_init(&o->filter);
    while ((c = getopt_long(argc, argv, "bO:o:Hcl:mC:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': set_mode(o, SINK_QEV); break;
        case 'O': set_mode(o, parse_format(optarg)); break;
        case 'o': o->output = optarg; break;
        case 'H': set_mode(o, SINK_HEADER); break;
        case 'c': set_mode(o, SINK_COUNT); break;
        case 'l': o->level = (int)cli_int("--level", optarg, -7, 22); break;
        case 'm': o->merge = 1; break;
        case OPT_FROM: o->filter.from = cli_time("--from", optarg); break;
        case OPT_TO: o->filter.to = cli_time("--to", optarg); break;
        case OPT_SHARD: parse_shard(o, optarg); break;
        case OPT_OVERLAP: o->overlap = cli_time("--overlap", optarg); break;
        case 'C':
            if (qev_filter_add_channels(&o->filter, optarg) != QEV_OK)
                cli_usage_error("--channel: '%s' is not a list like 1,3,5-8", optarg);
            break;
        case 'k':
            if (qev_filter_add_kinds(&o->filter, optarg) != QEV_OK)
                cli_usage_error("--kind: '%s' is not a list of photon, sync, marker", optarg);
            break;
        default: cli_common_option(c, usage);
        }
    }
    if (!o->mode_set && o->output && ends_with(o->output, ".qev"))
        o->mode = SINK_QEV;
    if (!o->mode_set && o->output && ends_with(o->output, ".csv"))
        o->mode = SINK_CSV;
    if (!o->mode_set && o->output && (ends_with(o->output, ".h5") || ends_with(o->output, ".hdf5")))
        o->mode = SINK_PHDF5;
    if (o->filter.from >= o->filter.to)
        cli_usage_error("--from must be before --to");
    if (o->shards && (o->merge || o->filter.from != INT64_MIN || o->filter.to != INT64_MAX))
        cli_usage_error("--shard does not combine with --merge, --from or --to");
    if (o->overlap < 0 || (o->overlap && !o->shards))
        cli_usage_error("--overlap needs --shard and must not be negative");
}

/* The events of the inputs, including those in blocks a time window skipped,
 * and why the selection left some out. */
static uint64_t events_in;
static qev_filter_rejects rejected;

static void count_input(const qev_reader *r)
{
    qev_read_stats rs = qev_reader_stats(r);
    events_in += rs.events + rs.events_skipped;
    rejected.outside_window += rs.events_skipped;
}

static qev_reader *open_input(const char *path, const struct qcat_opts *o)
{
    qev_reader *r = cli_reader(path);
    if (o->filter.from != INT64_MIN || o->filter.to != INT64_MAX)
        qev_reader_set_window(r, o->filter.from, o->filter.to);
    return r;
}

static void pass_events(struct sink *s, const qev_filter *f, const qev_event *ev, long n,
                        qev_event *scratch)
{
    if (qev_filter_is_trivial(f)) {
        sink_events(s, ev, (size_t)n);
        return;
    }
    size_t kept = qev_filter_apply(f, ev, (size_t)n, scratch);
    if (kept < (size_t)n && cli_tally_wanted())
        qev_filter_count_rejects(f, ev, (size_t)n, &rejected);
    sink_events(s, scratch, kept);
}

/* The output segment for the reader's current one: its metadata, plus the
 * shard's ownership when cutting shards. */
static void start_segment(struct sink *s, const qev_reader *r, const qev_meta *extra)
{
    if (!extra) {
        sink_segment(s, qev_reader_meta(r), qev_reader_name(r));
        return;
    }
    qev_meta *m = qev_meta_dup(qev_reader_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    for (size_t i = 0; i < qev_meta_count(extra); i++)
        qev_meta_set(m, qev_meta_key(extra, i), qev_meta_value(extra, i));
    sink_segment(s, m, qev_reader_name(r));
    qev_meta_free(m);
}

static void copy_stream(qev_reader *r, const struct qcat_opts *o, struct sink *s,
                        qev_event *scratch)
{
    start_segment(s, r, o->extra);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (n > 0) {
            pass_events(s, &o->filter, ev, n, scratch);
            continue;
        }
        sink_closing(s, qev_reader_closing_meta(r));
        start_segment(s, r, o->extra);
    }
    cli_check_read(r, n);
    sink_closing(s, qev_reader_closing_meta(r));
    count_input(r);
    cli_reader_close(r);
}

static void concatenate(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                        qev_event *scratch)
{
    for (int i = 0; i < npaths; i++)
        copy_stream(open_input(paths[i], o), o, s, scratch);
}

static int64_t saturating_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* Shard I of N: equal durations of the file's time range, the first owning
 * everything before it and the last everything after, each widened by the
 * overlap on both sides; the ownership goes into the metadata. */
static void cut_shard(const char *path, struct qcat_opts *o, struct sink *s, qev_event *scratch)
{
    qev_reader *r = cli_reader(path);
    int64_t tmin, tmax;
    if (qev_reader_file_span(r, &tmin, &tmax) != QEV_OK)
        cli_die(path, "--shard needs a whole QEV file (its trailers give the time range)");
    __int128 span = tmax >= tmin ? (__int128)tmax - tmin + 1 : 1;
    int64_t len = (int64_t)((span + o->shards - 1) / o->shards);
    int64_t from = o->shard == 1 ? INT64_MIN : (int64_t)(tmin + (__int128)len * (o->shard - 1));
    int64_t to = o->shard == o->shards ? INT64_MAX : (int64_t)(tmin + (__int128)len * o->shard);
    o->filter.from = saturating_add(from, -o->overlap);
    o->filter.to = saturating_add(to, o->overlap);
    qev_reader_set_window(r, o->filter.from, o->filter.to);
    if (!(o->extra = qev_meta_new()))
        cli_die(NULL, "out of memory");
    qev_meta_setf(o->extra, "shard", "%ld/%ld", o->shard, o->shards);
    qev_meta_setf(o->extra, "owned_from_ps", "%" PRId64, from);
    qev_meta_setf(o->extra, "owned_to_ps", "%" PRId64, to);
    qev_meta_setf(o->extra, "shard_overlap_ps", "%" PRId64, o->overlap);
    copy_stream(r, o, s, scratch);
    qev_meta_free(o->extra);
    o->extra = NULL;
}

static void merge(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                  qev_event *scratch)
{
    qev_reader **readers = calloc((size_t)npaths, sizeof *readers);
    if (!readers)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < npaths; i++)
        readers[i] = open_input(paths[i], o);
    qev_meta *meta = sink_merged_meta(readers, (size_t)npaths);
    sink_segment(s, meta, NULL);
    qev_meta_free(meta);
    qev_merger *m = qev_merger_new(readers, (size_t)npaths);
    if (!m)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_merger_read(m, &ev)) > 0)
        pass_events(s, &o->filter, ev, n, scratch);
    if (n < QEV_END)
        cli_die(qev_reader_name(readers[qev_merger_failed_input(m)]), "%s", qev_merger_error(m));
    qev_merger_free(m);
    for (int i = 0; i < npaths; i++) {
        count_input(readers[i]);
        cli_reader_close(readers[i]);
    }
    free(readers);
}

static void tally_events(const struct sink *s)
{
    qev_balance t = {.in = events_in, .out = sink_events_written(s)};
    qev_balance_add(&t, "outside_window", rejected.outside_window);
    qev_balance_add(&t, "channel_not_selected", rejected.channel_not_selected);
    qev_balance_add(&t, "kind_not_selected", rejected.kind_not_selected);
    cli_tally(&t);
}

int main(int argc, char **argv)
{
    static struct qcat_opts o;
    static char *stdin_only[] = {"-"};
    cli_init("qcat", argc, argv);
    parse_args(argc, argv, &o);
    cli_need_input(argc - optind, usage);
    char **paths = optind < argc ? argv + optind : stdin_only;
    int npaths = optind < argc ? argc - optind : 1;
    struct sink *s = sink_open(o.mode, o.output, o.level);
    qev_event *scratch = malloc(QEV_MAX_BLOCK_EVENTS * sizeof *scratch);
    if (!scratch)
        cli_die(NULL, "out of memory");
    if (o.shards && npaths != 1)
        cli_usage_error("--shard cuts one file");
    if (o.shards)
        cut_shard(paths[0], &o, s, scratch);
    else if (o.merge)
        merge(paths, npaths, &o, s, scratch);
    else
        concatenate(paths, npaths, &o, s, scratch);
    tally_events(s);
    sink_close(s);
    free(scratch);
    cli_exit(CLI_OK);
}
