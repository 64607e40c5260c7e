/* The command-line plumbing every tool shares: the only code that prints
 * errors and calls exit(). */
#ifndef QPIPE_CLI_H
#define QPIPE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "qev.h"
#include "balance.h"
#include "filter.h"


enum cli_exit { CLI_OK = 0, CLI_DATA = 1, CLI_USAGE = 2, CLI_CHECK = 3 };

/* Common long options every tool takes; enum values above any short option. */
enum {
    CLI_OPT_NO_PROVENANCE = 0x1000,
    CLI_OPT_TALLY,
    CLI_OPT_FIRST_TOOL_OPTION = 0x1100,
};
#define CLI_COMMON_LONGOPTS                                                                    \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},                     \
        {"no-provenance", no_argument, NULL, CLI_OPT_NO_PROVENANCE}
/* Only the tools that account for every event they read take --tally. */
#define CLI_TALLY_LONGOPT {"tally", no_argument, NULL, CLI_OPT_TALLY}

void cli_init(const char *tool, int argc, char **argv);
const char *cli_tool(void);

/* Exit 1 with "tool: context: message"; context may be NULL. */
_Noreturn void cli_die(const char *context, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Exit 2 with the message and a pointer to --help. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *context, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks -o output as complete even when the tool exits 1: a report that
 * states what was wrong with its input (qstat) is still a whole report. */
void cli_output_is_report(void);
/* Commits -o output, checks that stdout was written, and exits with status. */
_Noreturn void cli_exit(int status);
_Noreturn void cli_help(const char *usage);
_Noreturn void cli_version(void);
/* Handles the options of CLI_COMMON_LONGOPTS and getopt's '?' for a tool. */
void cli_common_option(int opt, const char *usage);
struct option;
/* The long name of the option whose value is opt in longopts, or "?". */
const char *cli_option_name(const struct option *longopts, int opt);
/* With no operands and a terminal on stdin, prints usage and exits 2. */
void cli_need_input(int operands, const char *usage);

/* Whether --tally was given. */
int cli_tally_wanted(void);
/* With --tally, keeps the tally for cli_exit(0) to print on stderr as
 * "tool: tally: in=N out=N filtered=N reason=N ...", after the output is
 * committed; exits 1 when it does not balance, since an event went missing. */
void cli_tally(const qev_balance *t);

/* Progress of long work on stderr, only when stderr is a terminal: done of
 * total (0: unknown) in the unit named ("bytes" shows as MB, "ps" as seconds),
 * with the rate
 * and, when the total is known, the time left; a few updates a second. */
void cli_progress(uint64_t done, uint64_t total, const char *unit);
/* Clears the progress line. */
void cli_progress_end(void);
/* Seconds on the monotonic clock, for durations: the one clock of the tools. */
double cli_monotonic_seconds(void);

int64_t cli_time(const char *opt, const char *arg);
uint64_t cli_count(const char *opt, const char *arg);
double cli_real(const char *opt, const char *arg, const char *units, double min, double max);
long cli_int(const char *opt, const char *arg, long min, long max);
/* A filter that keeps every event (exits 1 without memory), and the channels
 * of a list like 1,3,5-8 added to one: a usage error naming opt when the list
 * is malformed. */
qev_filter *cli_filter(void);
void cli_filter_channels(qev_filter *f, const char *opt, const char *list);
/* A name a user may give an option's value, and what it stands for. */
struct cli_name {
    const char *name;
    int value;
};
/* The value of the name arg among n names, or none when it is none of them. */
int cli_named(const char *arg, const struct cli_name *names, size_t n, int none);
/* --accidentals: which estimate CAR and heralding subtract (singles, offpeak
 * or delayed), as qev_coinc_stats_estimate_parse numbers them. */
int cli_accidentals(const char *arg);

/* Opens an input; exits 1 with the reason when it is not a readable stream. */
qev_reader *cli_reader(const char *path);
/* After a read loop: exits 1 with the reader's error when n is an error. */
void cli_check_read(qev_reader *r, long n);
void cli_reader_close(qev_reader *r);

/* Output: stdout for NULL or "-", else a temporary file renamed at cli_exit(0).
 * Binary output to a terminal is refused. */
int cli_output_fd(const char *path, int binary);
FILE *cli_output_stream(const char *path, int binary);
/* The temporary file -o is being written to, for writers that need a path. */
const char *cli_output_temp_path(void);
void cli_set_provenance(int on);
/* Adds this tool's provenance line to m. */
void cli_add_provenance(qev_meta *m);
/* The run's time in UTC as provenance shows it, 2026-01-31T12:00:00Z
 * (SOURCE_DATE_EPOCH's time for reproducible output). */
void cli_utc_now(char *buf, size_t cap);
/* Reads partial results ("-" is stdin) and merges them; exits 1 with the file
 * and the reason when one is unreadable or does not fit the others. */
struct qev_partial *cli_merge_partials(char **paths, int n);

qev_writer *cli_writer(int fd, const qev_meta *meta, int level);
/* Exits 1 with the writer's error when rc is one. */
void cli_check_write(qev_writer *w, int rc);
void cli_writer_close(qev_writer *w);

#endif
