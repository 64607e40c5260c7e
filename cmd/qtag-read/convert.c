/* qtag-read: one segment per file, and what --info and --tally say of a file. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "qtag_read.h"

qtag_reader *qtag_read_open(const char *path, const qtag_opts *opts)
{
    qtag_reader *r = qtag_open(path, opts);
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

void qtag_read_tally(const struct sink *s)
{
    records.out = sink_events_written(s);
    cli_tally(&records);
}

qev_meta *qtag_read_finish_file(qtag_reader *r, const char *path)
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
