/* Unit tests of the public API's conventions: the run-time version, options
 * passed with their size, counters read one at a time, and sticky statuses
 * returned again by close. Every expected value follows from how the input
 * was made. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
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
    qtag_reader *r = qtag_open(path, &o, sizeof o);
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
    tap_ok(qtag_describe_counts(r, m) == QEV_OK &&
               strcmp(qev_meta_get(m, "source_records"), "8") == 0 &&
               strcmp(qev_meta_get(m, "truncated"), "1") == 0,
           "qtag_describe_counts: QEV_OK, and the counts in the metadata");
    qev_meta_free(m);
    tap_is_i64(qtag_close(r), QEV_OK, "qtag_close after a clean end: QEV_OK");

    o.allow_truncated = 0;
    r = qtag_open(path, &o, sizeof o);
    tap_is_i64(read_tags(r), QEV_ETRUNC, "without allow_truncated the cut record is QEV_ETRUNC");
    tap_is_i64(qtag_status(r), QEV_ETRUNC, "and the status sticks");
    tap_ok(strstr(qtag_error(r), "partial record of 7 bytes") != NULL, "with its message");
    tap_is_i64(qtag_close(r), QEV_ETRUNC, "qtag_close returns it");

    o.format = "no-such-format";
    r = qtag_open(path, &o, sizeof o);
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


/* Options from a newer build that set a field this one does not know are
 * refused; from an older, shorter build, what they do not cover is 0. */
static void test_sized_tag_options(void)
{
    char path[4096];
    if (!raw16_file(path, sizeof path)) {
        tap_ok(0, "a raw16 file for the options");
        return;
    }
    struct {
        qtag_opts known;
        int later;
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.known.format = "raw16";
    newer.known.allow_truncated = 1;
    qtag_reader *r = qtag_open(path, &newer.known, sizeof newer);
    tap_ok(read_tags(r) == 8 && qtag_close(r) == QEV_OK,
           "vendor options from a newer build, its new field 0: accepted");
    newer.later = 1;
    r = qtag_open(path, &newer.known, sizeof newer);
    tap_ok(qtag_status(r) == QEV_EINVAL && strstr(qtag_error(r), "options") != NULL,
           "and refused with QEV_EINVAL once it sets that field");
    qtag_close(r);
    qtag_opts short_opts = {.format = "raw16", .allow_truncated = 1};
    r = qtag_open(path, &short_opts, offsetof(qtag_opts, allow_truncated));
    tap_is_i64(read_tags(r), QEV_ETRUNC,
               "a size that stops before allow_truncated leaves it at its default, 0");
    qtag_close(r);
    unlink(path);
}

/* Events at t = 0..99 on channel t % 4, kind photon except every fifth. */
static void test_filter_value(void)
{
    qev_event ev[100], out[100];
    for (int i = 0; i < 100; i++)
        ev[i] = (qev_event){i, (uint16_t)(i % 4), i % 5 ? QEV_PHOTON : QEV_MARKER, 0, 0};
    qev_filter *f = qev_filter_new();
    int64_t from, to;
    qev_filter_window(f, &from, &to);
    tap_ok(qev_filter_is_trivial(f) && from == INT64_MIN && to == INT64_MAX &&
               qev_filter_has_channel(f, 65535) && qev_filter_apply(f, ev, 100, out) == 100,
           "a new filter keeps every event");
    tap_ok(qev_filter_add_channels(f, "1,3-x") == QEV_EINVAL && qev_filter_is_trivial(f) &&
               qev_filter_has_channel(f, 1) && !qev_filter_channels_listed(f),
           "a malformed channel list is QEV_EINVAL and changes nothing");
    tap_ok(qev_filter_add_kinds(f, "photon,lightning") == QEV_EINVAL && qev_filter_is_trivial(f),
           "a malformed kind list is QEV_EINVAL and changes nothing");
    tap_ok(qev_filter_add_channels(f, "1") == QEV_OK &&
               qev_filter_add_channels(f, "3") == QEV_OK && qev_filter_has_channel(f, 1) &&
               qev_filter_has_channel(f, 3) && !qev_filter_has_channel(f, 2) &&
               qev_filter_channels_listed(f) && !qev_filter_is_trivial(f),
           "channel lists add up: 1 and 3, not 2");
    /* channels 1 and 3: t odd, 50 events; of them t % 5 == 0 at 5, 15, ... 95: 10 */
    tap_is_i64((int64_t)qev_filter_apply(f, ev, 100, out), 50, "odd t: 50 events kept");
    qev_filter_add_kinds(f, "photon");
    tap_is_i64((int64_t)qev_filter_apply(f, ev, 100, out), 40, "their photons: 40 kept");
    qev_filter_set_window(f, 10, 10);
    tap_is_i64((int64_t)qev_filter_apply(f, ev, 100, out), 0, "an empty window keeps nothing");
    qev_filter_set_window(f, 10, 30);
    qev_filter_window(f, &from, &to);
    tap_ok(from == 10 && to == 30, "the window reads back");
    tap_is_i64((int64_t)qev_filter_rejected(f, (enum qev_filter_test)9), 0,
               "a test the library does not know counts 0");
    qev_filter_free(f);
}

/* Sources that are plain arrays: 0, 3, 6 ... and 1, 4, 7 ..., in blocks of 7. */
struct array_source {
    qev_event ev[60];
    size_t n, at;
};

static long array_read(void *handle, const qev_event **events)
{
    struct array_source *a = handle;
    if (a->at == a->n)
        return QEV_END;
    size_t k = a->n - a->at < 7 ? a->n - a->at : 7;
    *events = a->ev + a->at;
    a->at += k;
    return (long)k;
}

static const char *array_error(const void *handle)
{
    (void)handle;
    return "no error";
}

static void test_merger_sources(void)
{
    static struct array_source a, b;
    a.n = b.n = 60;
    for (size_t i = 0; i < 60; i++) {
        a.ev[i] = (qev_event){(int64_t)(3 * i), 1, QEV_PHOTON, 0, 0};
        b.ev[i] = (qev_event){(int64_t)(3 * i + 1), 2, QEV_PHOTON, 0, 0};
    }
    void *handles[2] = {&a, &b};
    qev_merger *m = qev_merger_new_sources(handles, 2, array_read, array_error);
    const qev_event *ev;
    long n, total = 0;
    int ordered = 1;
    int64_t last = INT64_MIN;
    while ((n = qev_merger_read(m, &ev)) >= 0)
        for (long i = 0; i < n; i++, total++) {
            ordered &= ev[i].t > last && ev[i].channel == (ev[i].t % 3 ? 2 : 1);
            last = ev[i].t;
        }
    tap_ok(n == QEV_END && total == 120 && ordered && qev_merger_status(m) == QEV_END,
           "two sources of one kind merge in time order, then QEV_END sticks");
    qev_merger_free(m);
}

int main(void)
{
    test_version();
    test_sized_options();
    test_reader_counters();
    test_tag_counters();
    test_merger_status();
    test_sized_tag_options();
    test_filter_value();
    test_merger_sources();
    return tap_done();
}
