/* qtag-read: one segment per file, and what --info and --tally say of a file. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "qtag_read.h"

qtag_reader *qtag_read_open(const char *path, const qtag_opts *opts)
{
    qtag_reader *r = qtag_open(path, opts, sizeof *opts);
    if (!r)
        cli_die(path, "out of memory");
    if (qtag_status(r) != QEV_OK)
        cli_die(path, "%s", qtag_error(r));
    return r;
}

void qtag_read_print_info(const char *path, const qtag_opts *opts)
{
    qtag_reader *r = qtag_read_open(path, opts);
    const qev_meta *m = qtag_meta(r);
    uint64_t promised = qtag_count(r, QTAG_EXPECTED_RECORDS);
    printf("%-32s %s\n", "file", path);
    printf("%-32s %s\n", "format", qtag_format_name(r));
    if (promised)
        printf("%-32s %" PRIu64 "\n", "records promised", promised);
    for (size_t i = 0; i < qev_meta_count(m); i++)
        printf("%-32s %s\n", qev_meta_key(m, i), qev_meta_value(m, i));
    qtag_close(r);
}

/* Every record of the files: the events written, and those that made none. */
static qev_balance records;

static void count_records(const qtag_reader *r)
{
    records.in += qtag_count(r, QTAG_RECORDS);
    qev_balance_add(&records, "overflow_records", qtag_count(r, QTAG_OVERFLOW_RECORDS));
    qev_balance_add(&records, "invalid_records", qtag_count(r, QTAG_INVALID_RECORDS));
    qev_balance_add(&records, "unknown_records", qtag_count(r, QTAG_UNKNOWN_RECORDS));
}

void qtag_read_tally(const struct sink *s)
{
    records.out = sink_events_written(s);
    cli_tally(&records);
}

qev_meta *qtag_read_finish_file(qtag_reader *r, const char *path)
{
    uint64_t kept = qtag_count(r, QTAG_RECORDS), promised = qtag_count(r, QTAG_EXPECTED_RECORDS);
    uint64_t unknown = qtag_count(r, QTAG_UNKNOWN_RECORDS);
    uint64_t partial = qtag_count(r, QTAG_TRAILING_BYTES);
    int truncated = qtag_count(r, QTAG_TRUNCATED) != 0;
    count_records(r);
    if (unknown)
        cli_warn(path, "%" PRIu64 " records could not be interpreted (--strict makes this an "
                       "error)", unknown);
    if (truncated && promised > kept)
        cli_warn(path, "truncated: kept the %" PRIu64 " records of the %" PRIu64 " promised",
                 kept, promised);
    if (truncated && partial)
        cli_warn(path, "truncated: dropped a partial record of %" PRIu64 " bytes at the end",
                 partial);
    qev_meta *closing = qev_meta_new();
    if (!closing || qtag_describe_counts(r, closing) != QEV_OK)
        cli_die(NULL, "out of memory");
    return closing;
}

qev_meta *qtag_read_segment_meta(qtag_reader *r, const char *path)
{
    qev_meta *m = qev_meta_dup(qtag_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    qev_meta_set(m, "source_file", path);
    return m;
}

void qtag_read_convert(const char *path, const qtag_opts *opts, struct sink *s, qev_event *buf)
{
    qtag_reader *r = qtag_read_open(path, opts);
    qev_meta *m = qtag_read_segment_meta(r, path);
    sink_segment(s, m, path);
    qev_meta_free(m);
    long n;
    while ((n = qtag_read(r, buf, QTAG_READ_CHUNK)) >= 0) {
        sink_events(s, buf, (size_t)n);
        uint64_t done, total;
        qtag_progress(r, &done, &total);
        cli_progress(done, total, "bytes");
    }
    if (n < QEV_END)
        cli_die(path, "%s", qtag_error(r));
    qev_meta *closing = qtag_read_finish_file(r, path);
    sink_closing(s, closing);
    qev_meta_free(closing);
    qtag_close(r);
}
