/* Unit tests of the public API's conventions: the run-time version, options
 * passed with their size, counters read one at a time, and sticky statuses
 * returned again by close. Every expected value follows from how the input
 * was made. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "qev.h"
#include "tagread.h"
#include "tap.h"

static int temp_fd(void)
{
    FILE *f = tmpfile();
    int fd = dup(fileno(f));
    fclose(f);
    return fd;
}

/* Events 1000 ps apart on channel 1. */
static void even_events(qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ev[i] = (qev_event){(int64_t)(1000 * i), 1, QEV_PHOTON, 0, 0};
}

/* Writes n events with the options given; returns the file, or -1 when the
 * writer failed, with its status in *status. */
static int write_with(const void *opts, size_t opts_size, size_t n, int *status)
{
    qev_event *ev = malloc(n * sizeof *ev);
    even_events(ev, n);
    int fd = temp_fd();
    qev_meta *m = qev_meta_new();
    qev_writer *w = qev_writer_fdopen(fd, "tmp", m, opts, opts_size);
    qev_write(w, ev, n);
    *status = qev_writer_close(w);
    qev_meta_free(m);
    free(ev);
    if (*status != QEV_OK) {
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Reads fd to its end; returns the reader, to be closed by the caller. */
static qev_reader *read_to_end(int fd, long *last)
{
    qev_reader *r = qev_reader_fdopen(fd, "tmp");
    const qev_event *ev;
    while ((*last = qev_read(r, &ev)) >= 0)
        ;
    return r;
}

static void test_version(void)
{
    const char *v = qev_version();
    tap_ok(strcmp(v, QPIPE_VERSION) == 0, "qev_version() is QPIPE_VERSION");
    unsigned major, minor, patch;
    char end;
    tap_ok(sscanf(v, "%u.%u.%u%c", &major, &minor, &patch, &end) == 3,
           "the version is MAJOR.MINOR.PATCH");
}

/* 1000 events in blocks of 100: 10 blocks when the caller's size covers
 * block_events, one block of the default 65536 when it does not. */
static void test_sized_options(void)
{
    enum { N = 1000 };
    long last;
    int status;
    qev_writer_opts full = {1, 100, 0};
    int fd = write_with(&full, sizeof full, N, &status);
    qev_reader *r = read_to_end(fd, &last);
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_BLOCKS), 10,
               "options of the library's own size are all read: 10 blocks of 100");
    qev_reader_close(r);
    close(fd);

    fd = write_with(&full, sizeof full.level, N, &status);
    r = read_to_end(fd, &last);
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_BLOCKS), 1,
               "options from a build that knew only level: block_events takes its default");
    qev_reader_close(r);
    close(fd);

    struct {
        qev_writer_opts known;
        uint64_t later;
    } newer = {{1, 100, 0}, 0};
    fd = write_with(&newer, sizeof newer, N, &status);
    r = read_to_end(fd, &last);
    tap_ok(fd >= 0 && qev_reader_count(r, QEV_READ_BLOCKS) == 10,
           "options from a newer build with its new field at 0 are accepted");
    qev_reader_close(r);
    close(fd);

    newer.later = 7;
    fd = write_with(&newer, sizeof newer, N, &status);
    tap_ok(fd < 0 && status == QEV_EINVAL,
           "options from a newer build that set its new field are refused: QEV_EINVAL");

    fd = write_with(NULL, 0, N, &status);
    r = read_to_end(fd, &last);
    tap_ok(fd >= 0 && last == QEV_END && qev_reader_count(r, QEV_READ_EVENTS) == N,
           "no options: the defaults");
    qev_reader_close(r);
    close(fd);
}

/* One segment of 2500 events in blocks of 1000: 3 blocks. */
static void test_reader_counters(void)
{
    enum { N = 2500 };
    long last;
    int status;
    qev_writer_opts o = {1, 1000, 0};
    int fd = write_with(&o, sizeof o, N, &status);
    off_t size = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    qev_reader *r = read_to_end(fd, &last);
    tap_ok(last == QEV_END, "the stream reads to a clean end");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_SEGMENTS), 1, "QEV_READ_SEGMENTS: 1");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_TRAILERS), 1, "QEV_READ_TRAILERS: 1");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_BLOCKS), 3, "QEV_READ_BLOCKS: 3");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_EVENTS), N, "QEV_READ_EVENTS: 2500");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_BYTES), size,
               "QEV_READ_BYTES: the file's size");
    tap_is_i64((int64_t)qev_reader_count(r, QEV_READ_BLOCKS_SKIPPED), 0,
               "QEV_READ_BLOCKS_SKIPPED: 0 without a window");
    tap_is_i64((int64_t)qev_reader_count(r, (enum qev_read_counter)1000), 0,
               "a counter the library does not know reads 0");
    tap_is_i64(qev_reader_close(r), QEV_OK, "close after a clean end: QEV_OK");
    close(fd);
}

/* A raw16 file: 16-byte records (time, channel, kind, flags, aux). */
static void put_record(uint8_t *p, int64_t t, uint16_t channel, uint8_t kind)
{
    memset(p, 0, 16);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)((uint64_t)t >> (8 * i));
    p[8] = (uint8_t)channel;
    p[9] = (uint8_t)(channel >> 8);
    p[10] = kind;
}

/* 5 photons, 2 syncs and a marker, then 7 bytes of a record cut short. */
static char *raw16_file(char *path, size_t cap)
{
    static const uint8_t kinds[8] = {QEV_SYNC, QEV_PHOTON, QEV_PHOTON, QEV_MARKER,
                                     QEV_SYNC, QEV_PHOTON, QEV_PHOTON, QEV_PHOTON};
    uint8_t bytes[8 * 16 + 7] = {0};
    for (int i = 0; i < 8; i++)
        put_record(bytes + 16 * i, 100 * i, kinds[i] == QEV_SYNC ? 0 : 1, kinds[i]);
    snprintf(path, cap, "%s/qpipe-test-api-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    int ok = fd >= 0 && write(fd, bytes, sizeof bytes) == (ssize_t)sizeof bytes;
    if (fd >= 0)
        close(fd);
    return ok ? path : NULL;
}

static long read_tags(qtag_reader *r)
{
    qev_event out[4];
    long n, total = 0;
    while ((n = qtag_read(r, out, 4)) >= 0)
        total += n;
    return n == QEV_END ? total : n;
}

static void test_tag_counters(void)
{
    char path[4096];
    if (!raw16_file(path, sizeof path)) {
        tap_ok(0, "a raw16 file for the counters");
        return;
    }
    qtag_opts o = {0};
    o.format = "raw16";
    o.allow_truncated = 1;
    qtag_reader *r = qtag_open(path, &o);
    tap_is_i64(read_tags(r), 8, "allowed truncation: the 8 whole records are events");
    tap_is_i64((int64_t)qtag_count(r, QTAG_RECORDS), 8, "QTAG_RECORDS: 8");
    tap_is_i64((int64_t)qtag_count(r, QTAG_PHOTONS), 5, "QTAG_PHOTONS: 5");
    tap_is_i64((int64_t)qtag_count(r, QTAG_SYNCS), 2, "QTAG_SYNCS: 2");
    tap_is_i64((int64_t)qtag_count(r, QTAG_MARKERS), 1, "QTAG_MARKERS: 1");
    tap_is_i64((int64_t)qtag_count(r, QTAG_TRAILING_BYTES), 7, "QTAG_TRAILING_BYTES: 7");
    tap_is_i64((int64_t)qtag_count(r, QTAG_TRUNCATED), 1, "QTAG_TRUNCATED: 1");
    tap_is_i64((int64_t)qtag_count(r, (enum qtag_counter)1000), 0,
               "a counter the library does not know reads 0");
    qev_meta *m = qev_meta_new();
    tap_ok(qtag_describe_counts(r, m) == QEV_OK && strcmp(qev_meta_get(m, "source_records"), "8") == 0 &&
               strcmp(qev_meta_get(m, "truncated"), "1") == 0,
           "qtag_describe_counts: QEV_OK, and the counts in the metadata");
    qev_meta_free(m);
    tap_is_i64(qtag_close(r), QEV_OK, "qtag_close after a clean end: QEV_OK");

    o.allow_truncated = 0;
    r = qtag_open(path, &o);
    tap_is_i64(read_tags(r), QEV_ETRUNC, "without allow_truncated the cut record is QEV_ETRUNC");
    tap_is_i64(qtag_status(r), QEV_ETRUNC, "and the status sticks");
    tap_ok(strstr(qtag_error(r), "partial record of 7 bytes") != NULL, "with its message");
    tap_is_i64(qtag_close(r), QEV_ETRUNC, "qtag_close returns it");

    o.format = "no-such-format";
    r = qtag_open(path, &o);
    tap_ok(r && qtag_status(r) == QEV_EINVAL && qtag_close(r) == QEV_EINVAL,
           "an unknown format: the handle is returned, with QEV_EINVAL, until close");
    unlink(path);
}

/* Two readers: 0, 2000, 4000 ... and 1000, 3000 ...; then one whose times go
 * back, which the merger must refuse for good. */
static void test_merger_status(void)
{
    enum { N = 100 };
    qev_event a[N], b[N];
    even_events(a, N);
    for (size_t i = 0; i < N; i++) {
        a[i].t = (int64_t)(2000 * i);
        b[i] = a[i];
        b[i].t += 1000;
    }
    b[50].t = 0; /* back in time */
    int fds[2];
    qev_writer_opts o = {1, 10, 0};
    for (int k = 0; k < 2; k++) {
        fds[k] = temp_fd();
        qev_meta *m = qev_meta_new();
        qev_writer *w = qev_writer_fdopen(fds[k], "tmp", m, &o, sizeof o);
        qev_write(w, k ? b : a, N);
        qev_writer_close(w);
        qev_meta_free(m);
        lseek(fds[k], 0, SEEK_SET);
    }
    qev_reader *r[2] = {qev_reader_fdopen(fds[0], "a"), qev_reader_fdopen(fds[1], "b")};
    qev_merger *mg = qev_merger_new(r, 2);
    tap_is_i64(qev_merger_status(mg), QEV_OK, "a new merger: QEV_OK");
    const qev_event *ev;
    long n, total = 0;
    while ((n = qev_merger_read(mg, &ev)) >= 0)
        total += n;
    tap_ok(n == QEV_ECORRUPT && qev_merger_status(mg) == QEV_ECORRUPT,
           "an input that goes back in time: QEV_ECORRUPT, as the status too");
    tap_ok(qev_merger_read(mg, &ev) == QEV_ECORRUPT, "the error sticks to the next read");
    tap_ok(qev_merger_failed_input(mg) == 1 && strstr(qev_merger_error(mg), "not time-sorted"),
           "the failed input is the second, and the message says why");
    tap_ok(total < 2 * N, "events before the error only");
    qev_merger_free(mg);
    qev_reader_close(r[0]);
    qev_reader_close(r[1]);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    test_version();
    test_sized_options();
    test_reader_counters();
    test_tag_counters();
    test_merger_status();
    return tap_done();
}
