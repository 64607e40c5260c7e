/* qstat: rates, gaps, order and integrity of QEV streams. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stat_report.h"
#include "partial.h"
#include "stats.h"

static const char usage[] =
    "Usage: qstat [OPTION]... [FILE]...\n"
    "Report events and rates per channel, the time range, the smallest interval per\n"
    "channel, gaps, timestamps that go backwards, and the integrity of each stream.\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "  -g, --gap=T          report gaps longer than T (default 1s)\n"
    "  -j, --json           one JSON document\n"
    "  -p, --prom           Prometheus text format (qpipe_ metrics)\n"
    "  -e, --every=T        print a rate time series as TSV, intervals of T\n"
    "      --svg            plot the rate of each channel over time (intervals of\n"
    "                       --every, or a 200th of the file's span) with gaps shaded\n"
    "  -q, --check          quickcheck: print nothing; exit 0 when every stream is\n"
    "                       whole and in time order, else 3 plus a bit per failure:\n"
    "                       4 truncated, 8 damaged, 16 out of order, 32 bad header,\n"
    "                       64 unreadable\n"
    "      --partial        write a partial result that qstat --merge combines\n"
    "      --merge          the inputs are partial results (one per shard, from\n"
    "                       qcat --shard): report them as one stream\n"
    "      --label=NAME     the source name in the report (default: the file name)\n"
    "  -o, --output=FILE    write to FILE, renamed into place only on success\n"
    "  -h, --help           print this help and exit\n"
    "  -V, --version        print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error,\n"
    "3 (plus the bits above) a --check failed.\n";

enum output_form { FORM_TEXT, FORM_JSON, FORM_PROM, FORM_SERIES, FORM_CHECK, FORM_PARTIAL,
                   FORM_SVG };
enum { OPT_PARTIAL = CLI_OPT_FIRST_TOOL_OPTION, OPT_MERGE, OPT_LABEL, OPT_SVG };

struct qstat_opts {
    enum output_form form;
    int form_set, merge;
    int64_t gap, every;
    const char *output, *label;
};

static void set_form(struct qstat_opts *o, enum output_form f)
{
    if (o->form_set && o->form != f)
        cli_usage_error("choose one of --json, --prom, --every, --svg, --partial and --check");
    o->form = f;
    o->form_set = 1;
}

static void parse_args(int argc, char **argv, struct qstat_opts *o)
{
    static const struct option longopts[] = {
        {"gap", required_argument, NULL, 'g'},   {"json", no_argument, NULL, 'j'},
        {"prom", no_argument, NULL, 'p'},        {"every", required_argument, NULL, 'e'},
        {"check", no_argument, NULL, 'q'},       {"output", required_argument, NULL, 'o'},
        {"partial", no_argument, NULL, OPT_PARTIAL}, {"merge", no_argument, NULL, OPT_MERGE},
        {"label", required_argument, NULL, OPT_LABEL}, {"svg", no_argument, NULL, OPT_SVG},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    *o = (struct qstat_opts){FORM_TEXT, 0, 0, 1000000000000, 0, NULL, NULL};
    int c;
    while ((c = getopt_long(argc, argv, "g:jpe:qo:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'g': o->gap = cli_time("--gap", optarg); break;
        case 'j': set_form(o, FORM_JSON); break;
        case 'p': set_form(o, FORM_PROM); break;
        case 'e':
            o->every = cli_time("--every", optarg);
            if (o->every <= 0)
                cli_usage_error("--every must be positive");
            break;
        case 'q': set_form(o, FORM_CHECK); break;
        case 'o': o->output = optarg; break;
        case OPT_PARTIAL: set_form(o, FORM_PARTIAL); break;
        case OPT_MERGE: o->merge = 1; break;
        case OPT_LABEL: o->label = optarg; break;
        case OPT_SVG: set_form(o, FORM_SVG); break;
        default: cli_common_option(c, usage);
        }
    }
    if (o->gap < 0)
        cli_usage_error("--gap must not be negative");
    if (o->every && !o->form_set)
        set_form(o, FORM_SERIES);
    if (o->every && o->form != FORM_SERIES && o->form != FORM_SVG)
        cli_usage_error("--every goes with the TSV series or --svg");
    if (o->merge && (o->form == FORM_SERIES || o->form == FORM_CHECK))
        cli_usage_error("--merge reports partial results: not with --every or --check");
}

static void print_series_row(void *ctx, int64_t start, int64_t end, const uint16_t *channels,
                             const uint64_t *counts, size_t n)
{
    FILE *f = ctx;
    double width_s = (double)(end - start) * 1e-12;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%" PRId64 "\t%" PRId64 "\t%u\t%" PRIu64 "\t%.9g\n", start, end, channels[i],
                counts[i], (double)counts[i] / width_s);
}

/* A shard's stream says which span it owns (qcat --shard). */
static void own_shard(qev_stats *st, const qev_meta *m)
{
    const char *from = qev_meta_get(m, "owned_from_ps"), *to = qev_meta_get(m, "owned_to_ps");
    const char *shard = qev_meta_get(m, "shard");
    long i = 1, n = 1;
    if (!from || !to || !shard || sscanf(shard, "%ld/%ld", &i, &n) != 2 || i < 1 || i > n)
        return;
    qev_stats_own(st, strtoll(from, NULL, 10), strtoll(to, NULL, 10), i - 1, n);
}

/* Reads one input to its end, or to its first error, whose message is kept;
 * returns its statistics as a partial result. */
static qev_partial *scan_input(const char *path, struct stat_result *res, qev_series *series,
                               int64_t gap)
{
    qev_stats st;
    if (qev_stats_init(&st, gap) != QEV_OK)
        cli_die(NULL, "out of memory");
    qev_reader *r = qev_reader_open(path);
    if (!r)
        cli_die(path, "out of memory");
    long n = qev_reader_status(r);
    if (n == QEV_OK)
        own_shard(&st, qev_reader_meta(r));
    const qev_event *ev;
    while (n >= QEV_OK && (n = qev_read(r, &ev)) >= 0) {
        if (n == 0)
            qev_stats_segment(&st);
        qev_stats_add(&st, ev, (size_t)n);
        if (series && qev_series_add(series, ev, (size_t)n) != QEV_OK)
            cli_die(qev_reader_name(r), "--every needs events in time order; " QEV_ORDER_HINT);
    }
    res->ok = n == QEV_END;
    res->read_status = (int)n;
    if (!res->ok)
        snprintf(res->error, sizeof res->error, "%s", qev_reader_error(r));
    uint64_t segments = qev_reader_count(r, QEV_READ_SEGMENTS);
    uint64_t trailers = qev_reader_count(r, QEV_READ_TRAILERS);
    uint64_t blocks = qev_reader_count(r, QEV_READ_BLOCKS);
    res->source = strdup(qev_reader_name(r));
    qev_reader_close(r);
    qev_partial *p = qev_stats_to_partial(&st, res->ok, segments, trailers, blocks);
    qev_stats_free(&st);
    if (!p)
        cli_die(NULL, "out of memory");
    return p;
}

/* The report's view of the statistics, rebuilt from the partial result so
 * that one run and merged shards print the same. */
static void fill_result(struct stat_result *res, const qev_partial *p, const char *where)
{
    int ok;
    char why[200];
    if (qev_stats_from_partial(p, &res->st, &res->rows, &res->nrows, &ok, &res->rs.segments,
                               &res->rs.trailers, &res->rs.blocks, why, sizeof why) != QEV_OK)
        cli_die(where, "%s", why);
    if (!ok && res->ok) {
        res->ok = 0;
        snprintf(res->error, sizeof res->error, "a shard was damaged");
    }
}

static int report(const struct qstat_opts *o, struct stat_result *res, int n, FILE *out)
{
    int failed = 0, check_failures = 0;
    for (int i = 0; i < n; i++) {
        if (o->form == FORM_CHECK)
            check_failures |= qev_check_failures(res[i].read_status, &res[i].st);
        if (o->form != FORM_CHECK && !res[i].ok) {
            cli_warn(res[i].source, "%s", res[i].error);
            failed = 1;
        }
        if (o->form == FORM_TEXT)
            report_stats_text(out, &res[i]);
        if (o->form == FORM_TEXT && i + 1 < n)
            fputc('\n', out);
    }
    if (o->form == FORM_JSON)
        report_stats_json(out, res, (size_t)n);
    if (o->form == FORM_PROM)
        report_stats_prom(out, res, (size_t)n);
    if (o->form == FORM_CHECK)
        return check_failures ? CLI_CHECK | check_failures : CLI_OK;
    return failed ? CLI_DATA : CLI_OK;
}

/* A 200th of a file's span (from its trailers), or 1 s for a pipe. */
static int64_t plot_interval(const char *path)
{
    int64_t tmin, tmax, width = 1000000000000;
    qev_reader *r = strcmp(path, "-") ? qev_reader_open(path) : NULL;
    if (r && qev_reader_status(r) == QEV_OK && qev_reader_file_span(r, &tmin, &tmax) == QEV_OK &&
        tmax > tmin)
        width = (tmax - tmin) / 200 + 1;
    qev_reader_close(r);
    return width;
}

static int plot_rates(const struct qstat_opts *o, const char *path, FILE *out)
{
    struct rate_rows rows = {0};
    struct stat_result res = {0};
    qev_series *series = qev_series_new(o->every ? o->every : plot_interval(path), report_rate_row,
                                        &rows);
    if (!series)
        cli_die(NULL, "out of memory");
    qev_partial *p = scan_input(path, &res, series, o->gap);
    qev_series_finish(series);
    qev_series_free(series);
    fill_result(&res, p, path);
    qev_partial_free(p);
    if (!res.ok)
        cli_warn(res.source, "%s", res.error);
    report_rates_svg(out, &rows, &res);
    report_rate_rows_free(&rows);
    free(res.rows);
    free((char *)res.source);
    cli_output_is_report();
    return res.ok ? CLI_OK : CLI_DATA;
}

static int run_merge(const struct qstat_opts *o, char **paths, int n, FILE *out)
{
    struct stat_result res = {0};
    qev_partial *p = cli_merge_partials(paths, n);
    res.ok = 1;
    res.merged = 1;
    res.source = o->label ? o->label : "merged";
    if (o->form == FORM_PARTIAL) {
        qev_partial_write(p, out);
        qev_partial_free(p);
        return CLI_OK;
    }
    fill_result(&res, p, paths[0]);
    qev_partial_free(p);
    int status = report(o, &res, 1, out);
    free(res.rows);
    return status;
}

int main(int argc, char **argv)
{
    static char *stdin_only[] = {"-"};
    struct qstat_opts o;
    cli_init("qstat", argc, argv);
    parse_args(argc, argv, &o);
    cli_need_input(argc - optind, usage);
    char **paths = optind < argc ? argv + optind : stdin_only;
    int n = optind < argc ? argc - optind : 1;
    FILE *out = o.form == FORM_CHECK ? NULL : cli_output_stream(o.output, 0);
    if (o.merge)
        cli_exit(run_merge(&o, paths, n, out));
    if (o.form == FORM_PARTIAL && n != 1)
        cli_usage_error("--partial writes the result of one input");
    if (o.form == FORM_SERIES)
        fputs("start_ps\tend_ps\tchannel\tevents\trate_hz\n", out);
    if (o.form == FORM_SVG) {
        if (n != 1)
            cli_usage_error("--svg plots one input");
        cli_exit(plot_rates(&o, paths[0], out));
    }
    struct stat_result *res = calloc((size_t)n, sizeof *res);
    if (!res)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        qev_series *series = o.form == FORM_SERIES ? qev_series_new(o.every, print_series_row, out)
                                                   : NULL;
        qev_partial *p = scan_input(paths[i], &res[i], series, o.gap);
        if (series)
            qev_series_finish(series);
        qev_series_free(series);
        if (o.label) {
            free((char *)res[i].source);
            res[i].source = o.label;
        }
        if (o.form == FORM_PARTIAL) {
            qev_partial_write(p, out);
            cli_output_is_report();
            cli_exit(res[i].ok ? CLI_OK : CLI_DATA);
        }
        fill_result(&res[i], p, paths[i]);
        qev_partial_free(p);
    }
    int status = report(&o, res, n, out);
    cli_output_is_report();
    cli_exit(status);
}
