/* The command-line plumbing: messages, exits, numbers, inputs and outputs. */
#include "cli.h"
#include "atomic_file.h"
#include "corrstats.h"
#include "partial.h"
#include "units.h"
#include "utc_time.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *tool_name = "qpipe";
static int saved_argc;
static char **saved_argv;
static int provenance_on = 1;
static int tally_wanted;
static char tally_line[512]; /* printed by cli_exit(0) */

/* The -o file being written, renamed into place only on success. */
static char *out_final, *out_temp;
static FILE *out_stream;
static int out_fd = -1;
static int out_complete_on_error;

static void remove_temp(void)
{
    if (out_temp)
        unlink(out_temp);
}

static void on_fatal_signal(int sig)
{
    remove_temp();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_init(const char *tool, int argc, char **argv)
{
    tool_name = tool;
    /* getopt permutes argv; provenance records the command as typed */
    saved_argc = argc;
    saved_argv = malloc(((size_t)argc + 1) * sizeof *saved_argv);
    if (saved_argv)
        memcpy(saved_argv, argv, ((size_t)argc + 1) * sizeof *saved_argv);
    else
        saved_argc = 0;
    signal(SIGPIPE, SIG_DFL);
}

const char *cli_tool(void) { return tool_name; }

static void vmessage(const char *context, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", tool_name);
    if (context)
        fprintf(stderr, "%s: ", context);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_die(const char *context, const char *fmt, ...)
{
    cli_progress_end();
    va_list ap;
    va_start(ap, fmt);
    vmessage(context, fmt, ap);
    va_end(ap);
    remove_temp();
    /* The work in progress ends here: _exit after the flush exit() would do,
       so that leak checkers do not report the tool's live data as lost. */
    fflush(NULL);
    _exit(CLI_DATA);
}

void cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(NULL, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", tool_name);
    remove_temp();
    exit(CLI_USAGE);
}

void cli_warn(const char *context, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(context, fmt, ap);
    va_end(ap);
}

static void commit_output(void)
{
    if (out_stream) {
        int bad = fflush(out_stream) != 0 || ferror(out_stream);
        if (fclose(out_stream) != 0 || bad)
            cli_die(out_final, "write error: %s", strerror(errno));
        out_stream = NULL;
    } else if (out_fd >= 0 && close(out_fd) != 0) {
        cli_die(out_final, "write error: %s", strerror(errno));
    }
    out_fd = -1;
    if (out_temp && rename(out_temp, out_final) != 0)
        cli_die(out_final, "cannot rename %s into place: %s", out_temp, strerror(errno));
    free(out_temp);
    out_temp = NULL;
}

static void check_stdout(void)
{
    int bad = fflush(stdout) != 0 || ferror(stdout);
    if (bad || (fclose(stdout) != 0 && errno != EBADF)) {
        fprintf(stderr, "%s: write error: %s\n", tool_name,
                errno ? strerror(errno) : "stdout");
        remove_temp();
        _exit(CLI_DATA);
    }
}

void cli_output_is_report(void) { out_complete_on_error = 1; }

void cli_exit(int status)
{
    cli_progress_end();
    if (status == CLI_OK || status == CLI_CHECK || out_complete_on_error)
        commit_output();
    else
        remove_temp();
    check_stdout();
    if (status == CLI_OK && tally_line[0])
        fprintf(stderr, "%s: tally: %s\n", tool_name, tally_line);
    exit(status);
}

void cli_help(const char *usage)
{
    fputs(usage, stdout);
    cli_exit(CLI_OK);
}

void cli_version(void)
{
    printf("%s (qpipe) %s\n", tool_name, QPIPE_VERSION);
    cli_exit(CLI_OK);
}

void cli_common_option(int opt, const char *usage)
{
    switch (opt) {
    case 'h':
        cli_help(usage);
    case 'V':
        cli_version();
    case CLI_OPT_NO_PROVENANCE:
        provenance_on = 0;
        return;
    case CLI_OPT_TALLY:
        tally_wanted = 1;
        return;
    default:
        fprintf(stderr, "Try '%s --help' for more information.\n", tool_name);
        exit(CLI_USAGE);
    }
}

const char *cli_option_name(const struct option *longopts, int opt)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

void cli_need_input(int operands, const char *usage)
{
    if (operands == 0 && isatty(STDIN_FILENO)) {
        fputs(usage, stderr);
        exit(CLI_USAGE);
    }
}

int cli_tally_wanted(void) { return tally_wanted; }

void cli_tally(const qev_balance *t)
{
    if (!tally_wanted)
        return;
    qev_balance_format(t, tally_line, sizeof tally_line);
    if (!qev_balance_holds(t))
        cli_die(NULL, "tally: the counts do not balance (in must be out + filtered): %s",
                tally_line);
}

/* ---- progress ---- */

static struct {
    int checked, on, shown;
    double start, last, interval;
} progress;

/* Seconds between updates: 0.25, or QPIPE_PROGRESS_INTERVAL (a scripted
   terminal, such as a test's, may want every update). */
static double progress_interval(void)
{
    const char *s = getenv("QPIPE_PROGRESS_INTERVAL");
    char *end;
    double v = s ? strtod(s, &end) : -1;
    return s && end != s && *end == '\0' && v >= 0 && v <= 3600 ? v : 0.25;
}

double cli_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Bytes as MB, events as millions, ps as seconds, anything else as it is. */
static void scaled(char *buf, size_t cap, double v, const char *unit)
{
    if (strcmp(unit, "bytes") == 0)
        snprintf(buf, cap, "%.1f MB", v / 1e6);
    else if (strcmp(unit, "ps") == 0)
        snprintf(buf, cap, "%.3g s", v / 1e12);
    else if (strcmp(unit, "events") == 0)
        snprintf(buf, cap, "%.1f M events", v / 1e6);
    else
        snprintf(buf, cap, "%.3g %s", v, unit);
}

void cli_progress(uint64_t done, uint64_t total, const char *unit)
{
    if (!progress.checked) {
        progress.checked = 1;
        progress.on = isatty(STDERR_FILENO);
        progress.start = progress.last = cli_monotonic_seconds();
        progress.interval = progress_interval();
    }
    double now = progress.on ? cli_monotonic_seconds() : 0;
    if (!progress.on || now - progress.last < progress.interval || now <= progress.start)
        return;
    progress.last = now;
    double rate = (double)done / (now - progress.start);
    char a[48], b[48], r[48];
    scaled(a, sizeof a, (double)done, unit);
    scaled(r, sizeof r, rate, unit);
    if (total && rate > 0) {
        scaled(b, sizeof b, (double)total, unit);
        fprintf(stderr, "\r%s: %s of %s, %s/s, %.0f s left\033[K", tool_name, a, b, r,
                (double)(total > done ? total - done : 0) / rate);
    } else {
        fprintf(stderr, "\r%s: %s, %s/s\033[K", tool_name, a, r);
    }
    progress.shown = 1;
}

void cli_progress_end(void)
{
    if (progress.shown)
        fputs("\r\033[K", stderr);
    progress.shown = 0;
}

/* ---- numbers ---- */

/* The usage error of an option whose value the library could not parse. */
static void need_parsed(int rc, const char *opt, const char *arg, const char *why)
{
    if (rc != QEV_OK)
        cli_usage_error("%s: '%s': %s", opt, arg, why);
}

int64_t cli_time(const char *opt, const char *arg)
{
    int64_t ps;
    const char *why = NULL;
    int rc = qev_parse_time_ps(arg, &ps, &why);
    need_parsed(rc, opt, arg, why);
    return ps;
}

qev_filter *cli_filter(void)
{
    qev_filter *f = qev_filter_new();
    if (!f)
        cli_die(NULL, "out of memory");
    return f;
}

void cli_filter_channels(qev_filter *f, const char *opt, const char *list)
{
    if (qev_filter_add_channels(f, list) != QEV_OK)
        cli_usage_error("%s: '%s' is not a list like 1,3,5-8", opt, list);
}

int cli_named(const char *arg, const struct cli_name *names, size_t n, int none)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, names[i].name) == 0)
            return names[i].value;
    return none;
}

int cli_accidentals(const char *arg)
{
    int use = qev_coinc_stats_estimate_parse(arg);
    if (use < 0)
        cli_usage_error("--accidentals: '%s' is not singles, offpeak or delayed", arg);
    return use;
}

uint64_t cli_count(const char *opt, const char *arg)
{
    uint64_t n;
    const char *why = NULL;
    int rc = qev_parse_count(arg, &n, &why);
    need_parsed(rc, opt, arg, why);
    return n;
}

double cli_real(const char *opt, const char *arg, const char *units, double min, double max)
{
    double v;
    const char *why = NULL;
    int rc = qev_parse_real(arg, units, &v, &why);
    need_parsed(rc, opt, arg, why);
    if (!(v >= min && v <= max))
        cli_usage_error("%s: '%s' is out of range (%g to %g)", opt, arg, min, max);
    return v;
}

long cli_int(const char *opt, const char *arg, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || errno)
        cli_usage_error("%s: '%s' is not an integer", opt, arg);
    if (v < min || v > max)
        cli_usage_error("%s: %ld is out of range (%ld to %ld)", opt, v, min, max);
    return v;
}

/* ---- inputs ---- */

qev_reader *cli_reader(const char *path)
{
    qev_reader *r = qev_reader_open(path);
    if (!r)
        cli_die(path, "out of memory");
    if (qev_reader_status(r) != QEV_OK)
        cli_die(qev_reader_name(r), "%s", qev_reader_error(r));
    return r;
}

void cli_check_read(qev_reader *r, long n)
{
    if (n < QEV_END)
        cli_die(qev_reader_name(r), "%s", qev_reader_error(r));
}

void cli_reader_close(qev_reader *r)
{
    int rc = qev_reader_status(r);
    if (rc != QEV_OK && rc != QEV_END)
        cli_die(qev_reader_name(r), "%s", qev_reader_error(r));
    qev_reader_close(r);
}

/* ---- outputs ---- */

static void catch_fatal_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_output_fd(const char *path, int binary)
{
    if (!path || strcmp(path, "-") == 0) {
        if (binary && isatty(STDOUT_FILENO))
            cli_usage_error("refusing to write binary data to a terminal; use -o FILE or a pipe");
        return STDOUT_FILENO;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or a pipe: nothing to replace atomically. */
        out_final = strdup(path);
        out_fd = open(path, O_WRONLY);
        if (out_fd < 0)
            cli_die(path, "cannot open: %s", strerror(errno));
        if (binary && isatty(out_fd))
            cli_usage_error("refusing to write binary data to a terminal");
        return out_fd;
    }
    out_temp = qev_temp_name(path);
    out_final = strdup(path);
    if (!out_temp || !out_final)
        cli_die(path, "out of memory");
    catch_fatal_signals();
    out_fd = qev_temp_create(out_temp);
    if (out_fd < 0) {
        free(out_temp);
        out_temp = NULL;
        cli_die(path, "cannot create: %s", strerror(errno));
    }
    return out_fd;
}

FILE *cli_output_stream(const char *path, int binary)
{
    int fd = cli_output_fd(path, binary);
    if (fd == STDOUT_FILENO)
        return stdout;
    out_stream = fdopen(fd, "w");
    if (!out_stream)
        cli_die(path, "cannot open: %s", strerror(errno));
    return out_stream;
}

const char *cli_output_temp_path(void) { return out_temp ? out_temp : out_final; }

void cli_set_provenance(int on) { provenance_on = on; }

void cli_utc_now(char *buf, size_t cap) { qev_utc_time("%Y-%m-%dT%H:%M:%SZ", buf, cap); }

/* Appends an argument, quoted for a POSIX shell when it needs quoting. */
static size_t append_arg(char *buf, size_t used, size_t cap, const char *arg)
{
    int plain = *arg != '\0';
    for (const char *p = arg; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,:/@%", *p))
            plain = 0;
    if (used && used + 1 < cap)
        buf[used++] = ' ';
    if (!plain && used + 1 < cap)
        buf[used++] = '\'';
    for (const char *p = arg; *p && used + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(buf + used, "'\\''", 4);
            used += 4;
        } else if (*p == '\t' || *p == '\n') {
            buf[used++] = ' ';
        } else {
            buf[used++] = *p;
        }
    }
    if (!plain && used + 1 < cap)
        buf[used++] = '\'';
    buf[used] = '\0';
    return used;
}

void cli_add_provenance(qev_meta *m)
{
    if (!provenance_on)
        return;
    char line[4096], when[32];
    cli_utc_now(when, sizeof when);
    int n = snprintf(line, sizeof line, "%s\t%s\t%s\t", tool_name, QPIPE_VERSION, when);
    size_t used = 0;
    char *cmd = line + n;
    for (int i = 0; i < saved_argc; i++)
        used = append_arg(cmd, used, sizeof line - (size_t)n, saved_argv[i]);
    if (qev_meta_add_provenance(m, line) != QEV_OK)
        cli_die(NULL, "out of memory");
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
    if (!p)
        cli_die(path, "%s", why);
    return p;
}

qev_partial *cli_merge_partials(char **paths, int n)
{
    if (n < 1)
        cli_usage_error("needs partial results to merge");
    qev_partial *sum = load_partial(paths[0]);
    for (int i = 1; i < n; i++) {
        qev_partial *p = load_partial(paths[i]);
        char why[200];
        if (qev_partial_merge(sum, p, why, sizeof why) != QEV_OK)
            cli_die(paths[i], "%s", why);
        qev_partial_free(p);
    }
    return sum;
}

qev_writer *cli_writer(int fd, const qev_meta *meta, int level)
{
    qev_writer_opts opts = {level, 0, 0};
    qev_writer *w = qev_writer_fdopen(fd, out_final ? out_final : "-", meta, &opts, sizeof opts);
    if (!w)
        cli_die(NULL, "out of memory");
    if (qev_writer_status(w) != QEV_OK)
        cli_die(out_final, "%s", qev_writer_error(w));
    return w;
}

void cli_check_write(qev_writer *w, int rc)
{
    if (rc != QEV_OK)
        cli_die(out_final, "%s", qev_writer_error(w));
}

void cli_writer_close(qev_writer *w)
{
    cli_check_write(w, qev_writer_finish(w));
    qev_writer_free(w);
}
