/* qstat: rates, gaps, order and integrity of QEV streams. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
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
    "  -q, --check          quickcheck: print nothing; exit 0 when every stream is\n"
    "                       whole and in time order, 3 otherwise\n"
    "  -o, --output=FILE    write to FILE, renamed into place only on success\n"
    "  -h, --help           print this help and exit\n"
    "  -V, --version        print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error,\n"
    "3 a --check failed.\n";

enum output_form { FORM_TEXT, FORM_JSON, FORM_PROM, FORM_SERIES, FORM_CHECK };

struct qstat_opts {
    enum output_form form;
    int form_set;
    int64_t gap, every;
    const char *output;
};

static void set_form(struct qstat_opts *o, enum output_form f)
{
    if (o->form_set && o->form != f)
        cli_usage_error("choose one of --json, --prom, --every and --check");
    o->form = f;
    o->form_set = 1;
}

static void parse_args(int argc, char **argv, struct qstat_opts *o)
{
    static const struct option longopts[] = {
        {"gap", required_argument, NULL, 'g'},   {"json", no_argument, NULL, 'j'},
        {"prom", no_argument, NULL, 'p'},        {"every", required_argument, NULL, 'e'},
        {"check", no_argument, NULL, 'q'},       {"output", required_argument, NULL, 'o'},
        CLI_COMMON_LONGOPTS,                     {NULL, 0, NULL, 0}};
    *o = (struct qstat_opts){FORM_TEXT, 0, 1000000000000, 0, NULL};
    int c;
    while ((c = getopt_long(argc, argv, "g:jpe:qo:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'g': o->gap = cli_time("--gap", optarg); break;
        case 'j': set_form(o, FORM_JSON); break;
        case 'p': set_form(o, FORM_PROM); break;
        case 'e':
            set_form(o, FORM_SERIES);
            o->every = cli_time("--every", optarg);
            if (o->every <= 0)
                cli_usage_error("--every must be positive");
            break;
        case 'q': set_form(o, FORM_CHECK); break;
        case 'o': o->output = optarg; break;
        default: cli_common_option(c, usage);
        }
    }
    if (o->gap < 0)
        cli_usage_error("--gap must not be negative");
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

/* Reads one input to its end, or to its first error, which is kept in r. */
static void scan_input(const char *path, struct stat_result *res, qev_series *series)
{
    qev_reader *r = qev_reader_open(path);
    if (!r)
        cli_die(path, "out of memory");
    long n = qev_reader_status(r);
    const qev_event *ev;
    while (n >= QEV_OK && (n = qev_read(r, &ev)) >= 0) {
        if (n == 0)
            qev_stats_segment(&res->st);
        qev_stats_add(&res->st, ev, (size_t)n);
        if (series && qev_series_add(series, ev, (size_t)n) != QEV_OK)
            cli_die(qev_reader_name(r), "--every needs events in time order; sort them with "
                                        "qcat --merge");
    }
    res->ok = n == QEV_END;
    if (!res->ok)
        snprintf(res->error, sizeof res->error, "%s", qev_reader_error(r));
    res->rs = qev_reader_stats(r);
    res->source = strdup(qev_reader_name(r));
    qev_reader_close(r);
}

static int stream_passes_check(const struct stat_result *r)
{
    return r->ok && r->st.backwards == 0;
}

static int report(const struct qstat_opts *o, struct stat_result *res, int n, FILE *out)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (o->form == FORM_CHECK && !stream_passes_check(&res[i]))
            failed = 1;
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
        return failed ? CLI_CHECK : CLI_OK;
    return failed ? CLI_DATA : CLI_OK;
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
    if (o.form == FORM_SERIES)
        fputs("start_ps\tend_ps\tchannel\tevents\trate_hz\n", out);
    struct stat_result *res = calloc((size_t)n, sizeof *res);
    if (!res)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        if (qev_stats_init(&res[i].st, o.gap) != QEV_OK)
            cli_die(NULL, "out of memory");
        qev_series *series = o.form == FORM_SERIES ? qev_series_new(o.every, print_series_row, out)
                                                   : NULL;
        scan_input(paths[i], &res[i], series);
        if (series)
            qev_series_finish(series);
        qev_series_free(series);
        if (qev_stats_rows(&res[i].st, &res[i].rows, &res[i].nrows) != QEV_OK)
            cli_die(NULL, "out of memory");
        qev_stats_free(&res[i].st);
    }
    int status = report(&o, res, n, out);
    cli_output_is_report();
    cli_exit(status);
}
