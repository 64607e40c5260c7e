/* qtag-read: time-tagger files into one QEV stream. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "merge.h"
#include "sink.h"
#include "tagread.h"

static const char usage[] =
    "Usage: qtag-read [OPTION]... FILE...\n"
    "Read time-tagger files into one QEV stream on standard output: one segment per\n"
    "file, or one time-merged segment with --merge. Times are exact picoseconds.\n"
    "\n"
    "  -F, --format=NAME        the file's format (default: from its magic, then its\n"
    "                           extension); --list-formats names them\n"
    "  -m, --merge              merge the files by time into one segment\n"
    "  -i, --info               print each file's header and conversion rules; no stream\n"
    "      --list-formats       print the formats read, and exit\n"
    "      --allow-truncated    keep what a truncated file holds, mark the stream as\n"
    "                           truncated in its metadata, warn, and exit 0\n"
    "      --strict             fail on any record that cannot be interpreted\n"
    "  -o, --output=FILE        write to FILE, renamed into place only on success\n"
    "  -l, --level=N            zstd level (default 1)\n"
    "\n"
    "Text (CSV, TSV) and raw binary records:\n"
    "      --time-column=COL    name or 1-based number of the time column (default 1)\n"
    "      --channel-column=COL name or number of the channel column (default 2)\n"
    "      --header, --no-header  whether the first row names the columns (default:\n"
    "                           it does when its time field is not a number)\n"
    "      --delimiter=C        field separator: one character, or tab, comma,\n"
    "                           semicolon, space (runs of spaces); default: the first of\n"
    "                           tab , ; space on the first line\n"
    "      --time-unit=T        unit of the times, e.g. 1ps, 1ns, 81ps (default: the unit\n"
    "                           the time column's name states, time_ns or t (us), among\n"
    "                           ps ns us ms s; else 1ps)\n"
    "      --channel-map=MAP    channel names to numbers, e.g. A=1,B=2; numeric channels\n"
    "                           (0..65535) are kept as written\n"
    "      --channel-bytes=N    raw records: 2 or 4 bytes of channel after the int64 time\n"
    "  Text times may be integers or decimals (12.345, 1e-6) and must be whole\n"
    "  picoseconds once multiplied by the unit. A header naming kind, x, y, micro,\n"
    "  value or group columns (qcat's text and CSV) fills those fields: '-' is none, a\n"
    "  group number other than the previous row's starts a group. Blank lines and\n"
    "  lines starting with # are skipped, and a header row repeated identically (files\n"
    "  joined with cat). The last line must end with a newline: a file that ends inside\n"
    "  a row is truncated.\n"
    "\n"
    "      --tally              at the end, print on stderr the records read, the events\n"
    "                           written, and the records that made no event, by kind\n"
    "      --no-provenance      do not add a provenance line\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad or truncated input or I/O error, 2 usage error.\n";

enum {
    OPT_LIST = CLI_OPT_FIRST_TOOL_OPTION,
    OPT_ALLOW_TRUNCATED,
    OPT_STRICT,
    OPT_TIME_COLUMN,
    OPT_CHANNEL_COLUMN,
    OPT_HEADER,
    OPT_NO_HEADER,
    OPT_DELIMITER,
    OPT_TIME_UNIT,
    OPT_CHANNEL_MAP,
    OPT_CHANNEL_BYTES,
};

struct read_opts {
    qtag_opts tag;
    int merge, info, level;
    const char *output;
};

_Noreturn static void list_formats(void)
{
    const char *description;
    for (size_t i = 0; i < qtag_format_count(); i++) {
        const char *name = qtag_format_at(i, &description);
        printf("%-8s %s\n", name, description);
    }
    cli_exit(CLI_OK);
}

static char parse_delimiter(const char *s)
{
    static const struct {
        const char *name;
        char c;
    } names[] = {{"tab", '\t'}, {"\\t", '\t'}, {"comma", ','}, {"semicolon", ';'}, {"space", ' '}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].c;
    if (strlen(s) != 1)
        cli_usage_error("--delimiter: '%s' is not one character (or tab, comma, semicolon, "
                        "space)", s);
    return s[0];
}

static void parse_args(int argc, char **argv, struct read_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'F'},
        {"merge", no_argument, NULL, 'm'},
        {"info", no_argument, NULL, 'i'},
        {"list-formats", no_argument, NULL, OPT_LIST},
        {"allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNCATED},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, 'l'},
        {"time-column", required_argument, NULL, OPT_TIME_COLUMN},
        {"channel-column", required_argument, NULL, OPT_CHANNEL_COLUMN},
        {"header", no_argument, NULL, OPT_HEADER},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"delimiter", required_argument, NULL, OPT_DELIMITER},
        {"time-unit", required_argument, NULL, OPT_TIME_UNIT},
        {"channel-map", required_argument, NULL, OPT_CHANNEL_MAP},
        {"channel-bytes", required_argument, NULL, OPT_CHANNEL_BYTES},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->tag.header_row = -1;
    int c;
    while ((c = getopt_long(argc, argv, "F:mio:l:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'F': o->tag.format = optarg; break;
        case 'm': o->merge = 1; break;
        case 'i': o->info = 1; break;
        case OPT_LIST: list_formats();
        case OPT_ALLOW_TRUNCATED: o->tag.allow_truncated = 1; break;
        case OPT_STRICT: o->tag.strict = 1; break;
        case 'o': o->output = optarg; break;
        case 'l': o->level = (int)cli_int("--level", optarg, -7, 22); break;
        case OPT_TIME_COLUMN: o->tag.time_column = optarg; break;
        case OPT_CHANNEL_COLUMN: o->tag.channel_column = optarg; break;
        case OPT_HEADER: o->tag.header_row = 1; break;
        case OPT_NO_HEADER: o->tag.header_row = 0; break;
        case OPT_DELIMITER: o->tag.delimiter = parse_delimiter(optarg); break;
        case OPT_TIME_UNIT:
            o->tag.time_unit_ps = cli_time("--time-unit", optarg);
            if (o->tag.time_unit_ps <= 0)
                cli_usage_error("--time-unit must be positive");
            break;
        case OPT_CHANNEL_MAP: o->tag.channel_map = optarg; break;
        case OPT_CHANNEL_BYTES:
            o->tag.raw_channel_bytes = (int)cli_int("--channel-bytes", optarg, 2, 4);
            if (o->tag.raw_channel_bytes == 3)
                cli_usage_error("--channel-bytes must be 2 or 4");
            break;
        default: cli_common_option(c, usage);
        }
    }
    if (o->tag.format) {
        size_t i;
        for (i = 0; i < qtag_format_count(); i++)
            if (strcmp(qtag_format_at(i, NULL), o->tag.format) == 0)
                break;
        if (i == qtag_format_count())
            cli_usage_error("--format: unknown format '%s' (see --list-formats)", o->tag.format);
    }
    if (optind == argc)
        cli_usage_error("no input file");
    if (o->info && cli_tally_wanted())
        cli_usage_error("--tally counts a conversion; --info converts nothing");
}

static qtag_reader *open_file(const char *path, const qtag_opts *opts)
{
    qtag_reader *r = qtag_open(path, opts);
    if (!r)
        cli_die(path, "out of memory");
    if (qtag_status(r) != QEV_OK)
        cli_die(path, "%s", qtag_error(r));
    return r;
}

static void print_info(const char *path, const qtag_opts *opts)
{
    qtag_reader *r = open_file(path, opts);
    const qev_meta *m = qtag_meta(r);
    qtag_counts c = qtag_get_counts(r);
    printf("%-32s %s\n", "file", path);
    printf("%-32s %s\n", "format", qtag_format_name(r));
    if (c.expected_records)
        printf("%-32s %" PRIu64 "\n", "records promised", c.expected_records);
    for (size_t i = 0; i < qev_meta_count(m); i++)
        printf("%-32s %s\n", qev_meta_key(m, i), qev_meta_value(m, i));
    qtag_close(r);
}

/* Every record of the files: the events written, and those that made none. */
static qev_balance records;

static void count_records(const qtag_counts *c)
{
    records.in += c->records;
    qev_balance_add(&records, "overflow_records", c->overflow_records);
    qev_balance_add(&records, "invalid_records", c->invalid);
    qev_balance_add(&records, "unknown_records", c->unknown);
}

/* Warns about what a file held that is not an event, and returns its
 * closing metadata. */
static qev_meta *finish_file(qtag_reader *r, const char *path)
{
    qtag_counts c = qtag_get_counts(r);
    count_records(&c);
    if (c.unknown)
        cli_warn(path, "%" PRIu64 " records could not be interpreted (--strict makes this an "
                       "error)", c.unknown);
    if (c.truncated && c.expected_records > c.records)
        cli_warn(path, "truncated: kept the %" PRIu64 " records of the %" PRIu64 " promised",
                 c.records, c.expected_records);
    if (c.truncated && c.trailing_bytes)
        cli_warn(path, "truncated: dropped a partial record of %" PRIu64 " bytes at the end",
                 c.trailing_bytes);
    qev_meta *closing = qev_meta_new();
    if (!closing)
        cli_die(NULL, "out of memory");
    qtag_describe_counts(r, closing);
    return closing;
}

static qev_meta *segment_meta(qtag_reader *r, const char *path)
{
    qev_meta *m = qev_meta_dup(qtag_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    qev_meta_set(m, "source_file", path);
    return m;
}

enum { CHUNK = 65536 };

static void convert_one(const char *path, const qtag_opts *opts, struct sink *s, qev_event *buf)
{
    qtag_reader *r = open_file(path, opts);
    qev_meta *m = segment_meta(r, path);
    sink_segment(s, m, path);
    qev_meta_free(m);
    long n;
    while ((n = qtag_read(r, buf, CHUNK)) >= 0) {
        sink_events(s, buf, (size_t)n);
        uint64_t done, total;
        qtag_progress(r, &done, &total);
        cli_progress(done, total, "bytes");
    }
    if (n < QEV_END)
        cli_die(path, "%s", qtag_error(r));
    qev_meta *closing = finish_file(r, path);
    sink_closing(s, closing);
    qev_meta_free(closing);
    qtag_close(r);
}

struct tag_source {
    qtag_reader *r;
    qev_event *buf;
};

static long tag_source_read(void *handle, const qev_event **events)
{
    struct tag_source *t = handle;
    *events = t->buf;
    return qtag_read(t->r, t->buf, CHUNK);
}

static const char *tag_source_error(const void *handle)
{
    return qtag_error(((const struct tag_source *)handle)->r);
}

static void merge_files(char **paths, int n, const qtag_opts *opts, struct sink *s)
{
    struct tag_source *ts = calloc((size_t)n, sizeof *ts);
    qev_source *src = calloc((size_t)n, sizeof *src);
    qev_meta **metas = calloc((size_t)n, sizeof *metas);
    if (!ts || !src || !metas)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        ts[i].r = open_file(paths[i], opts);
        ts[i].buf = malloc(CHUNK * sizeof *ts[i].buf);
        if (!ts[i].buf)
            cli_die(NULL, "out of memory");
        src[i] = (qev_source){&ts[i], tag_source_read, tag_source_error};
        metas[i] = segment_meta(ts[i].r, paths[i]);
    }
    qev_meta *m = qev_meta_merged((const qev_meta *const *)metas, (size_t)n);
    if (!m)
        cli_die(NULL, "out of memory");
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    for (int i = 0; i < n; i++)
        qev_meta_free(metas[i]);
    free(metas);
    qev_merger *mg = qev_merger_new_sources(src, (size_t)n);
    if (!mg)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long got;
    while ((got = qev_merger_read(mg, &ev)) > 0)
        sink_events(s, ev, (size_t)got);
    if (got < QEV_END)
        cli_die(paths[qev_merger_failed_input(mg)], "%s", qev_merger_error(mg));
    qev_meta *closing = qev_meta_new();
    if (!closing)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        qev_meta *one = finish_file(ts[i].r, paths[i]);
        for (size_t k = 0; k < qev_meta_count(one); k++) {
            char key[128];
            snprintf(key, sizeof key, "%s.%d", qev_meta_key(one, k), i + 1);
            qev_meta_set(closing, key, qev_meta_value(one, k));
        }
        qev_meta_free(one);
        qtag_close(ts[i].r);
        free(ts[i].buf);
    }
    sink_closing(s, closing);
    qev_meta_free(closing);
    qev_merger_free(mg);
    free(ts);
    free(src);
}

int main(int argc, char **argv)
{
    struct read_opts o;
    cli_init("qtag-read", argc, argv);
    parse_args(argc, argv, &o);
    if (o.info) {
        for (int i = optind; i < argc; i++)
            print_info(argv[i], &o.tag);
        cli_exit(CLI_OK);
    }
    struct sink *s = sink_open(SINK_QEV, o.output, o.level);
    if (o.merge) {
        merge_files(argv + optind, argc - optind, &o.tag, s);
    } else {
        qev_event *buf = malloc(CHUNK * sizeof *buf);
        if (!buf)
            cli_die(NULL, "out of memory");
        for (int i = optind; i < argc; i++)
            convert_one(argv[i], &o.tag, s, buf);
        free(buf);
    }
    records.out = sink_events_written(s);
    cli_tally(&records);
    sink_close(s);
    cli_exit(CLI_OK);
}
