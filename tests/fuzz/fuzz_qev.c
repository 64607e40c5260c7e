/* Fuzzes the QEV stream reader (lib/stream/reader.c).
 *
 * Each input is read as a seekable file (a memfd) to its end; then with time
 * windows, which on a seekable file follow the trailers' block indexes; then
 * through a pipe with a window, where blocks are decoded and dropped. Besides
 * crashes it checks promises the reader makes:
 * - every event it hands out has valid flags;
 * - a stream read cleanly writes again (lib/stream/writer.c) and reads back the same
 *   events, segment by segment;
 * - a window covering all time, when it reads cleanly, yields exactly the
 *   events of the plain read, which must then be clean too: an index must not
 *   let a damaged stream pass;
 * - a narrower window yields no more events than the plain read. */
#include "fuzz.h"
#include "qev.h"

#include <fcntl.h>
#include <string.h>

#define KEEP_MAX (1u << 18) /* events kept for the round trip */

struct events {
    qev_event *e;
    size_t n, cap;
    size_t *seg_start; /* where each segment after the first starts */
    qev_meta **seg_meta;
    size_t nseg;
    int overflow;
};

struct pass {
    int status;
    uint64_t events;
};

static void keep(struct events *k, const qev_event *e, long n)
{
    if (k->overflow || k->n + (size_t)n > KEEP_MAX) {
        k->overflow = 1;
        return;
    }
    if (k->n + (size_t)n > k->cap) {
        size_t cap = k->cap ? k->cap : 1024;
        while (cap < k->n + (size_t)n)
            cap *= 2;
        qev_event *b = realloc(k->e, cap * sizeof *b);
        FUZZ_CHECK(b != NULL, "out of memory");
        k->e = b;
        k->cap = cap;
    }
    memcpy(k->e + k->n, e, (size_t)n * sizeof *e);
    k->n += (size_t)n;
}

static void keep_segment(struct events *k, const qev_meta *m)
{
    size_t *s = realloc(k->seg_start, (k->nseg + 1) * sizeof *s);
    qev_meta **sm = realloc(k->seg_meta, (k->nseg + 1) * sizeof *sm);
    FUZZ_CHECK(s && sm, "out of memory");
    k->seg_start = s;
    k->seg_meta = sm;
    s[k->nseg] = k->n;
    sm[k->nseg] = qev_meta_dup(m);
    FUZZ_CHECK(sm[k->nseg] != NULL, "out of memory");
    k->nseg++;
}

static void events_free(struct events *k)
{
    for (size_t i = 0; i < k->nseg; i++)
        qev_meta_free(k->seg_meta[i]);
    free(k->seg_meta);
    free(k->seg_start);
    free(k->e);
}

/* Reads r to its end. With k, keeps the events and segment boundaries; the
 * first segment's metadata is k->seg_meta[0]. */
static struct pass read_to_end(qev_reader *r, struct events *k, int windowed)
{
    struct pass p = {0};
    if (k && qev_reader_status(r) == QEV_OK)
        keep_segment(k, qev_reader_meta(r));
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        for (long i = 0; i < n; i++)
            FUZZ_CHECK(qev_event_flags_valid(ev[i].flags), "event %ld has flags 0x%02x", i,
                       ev[i].flags);
        p.events += (uint64_t)n;
        if (k && n == 0)
            keep_segment(k, qev_reader_meta(r));
        else if (k)
            keep(k, ev, n);
    }
    FUZZ_CHECK(n == QEV_END || qev_reader_error(r)[0] != '\0', "error %ld without a message", n);
    p.status = n;
    uint64_t counted = qev_reader_count(r, QEV_READ_EVENTS);
    FUZZ_CHECK(counted == p.events, "stats count %llu events, %llu returned",
               (unsigned long long)counted, (unsigned long long)p.events);
    uint64_t segments = qev_reader_count(r, QEV_READ_SEGMENTS);
    uint64_t trailers = qev_reader_count(r, QEV_READ_TRAILERS);
    if (n == QEV_END && !windowed) /* a window read follows the index, not the trailers */
        FUZZ_CHECK(segments == trailers, "clean end with %llu segments and %llu trailers",
                   (unsigned long long)segments, (unsigned long long)trailers);
    return p;
}

static struct pass read_fd(int fd, int windowed, int64_t from, int64_t to, struct events *k)
{
    lseek(fd, 0, SEEK_SET);
    qev_reader *r = qev_reader_fdopen(fd, "fuzz");
    FUZZ_CHECK(r != NULL, "out of memory");
    struct pass p;
    if (windowed && qev_reader_set_window(r, from, to) != QEV_OK) {
        p = (struct pass){qev_reader_status(r), 0};
        FUZZ_CHECK(p.status < QEV_END, "set_window failed with status %d", p.status);
    } else {
        p = read_to_end(r, k, windowed);
    }
    qev_reader_close(r);
    return p;
}

/* Writes the events again, segment by segment, and checks that they read
 * back unchanged. */
static void round_trip(const struct events *k)
{
    int fd = memfd_create("fuzz-round-trip", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    qev_writer *w = qev_writer_fdopen(fd, "round-trip", k->seg_meta[0], NULL, 0);
    FUZZ_CHECK(w != NULL, "out of memory");
    for (size_t s = 0; s < k->nseg; s++) {
        if (s > 0)
            qev_writer_new_segment(w, k->seg_meta[s]);
        size_t end = s + 1 < k->nseg ? k->seg_start[s + 1] : k->n;
        qev_write(w, k->e + k->seg_start[s], end - k->seg_start[s]);
    }
    int rc = qev_writer_finish(w);
    FUZZ_CHECK(rc == QEV_OK, "events read cleanly do not write again: %s", qev_writer_error(w));
    qev_writer_free(w);
    struct events back = {0};
    struct pass p = read_fd(fd, 0, 0, 0, &back);
    FUZZ_CHECK(p.status == QEV_END, "the stream written again does not read: status %d",
               p.status);
    FUZZ_CHECK(back.n == k->n && back.nseg == k->nseg, "%zu events in %zu segments read back, "
               "%zu in %zu written", back.n, back.nseg, k->n, k->nseg);
    for (size_t i = 0; i < k->n; i++)
        FUZZ_CHECK(memcmp(&back.e[i], &k->e[i], sizeof *k->e) == 0, "event %zu differs", i);
    events_free(&back);
    close(fd);
}

/* A window read through a pipe: no index to follow, blocks are dropped. */
static void read_pipe(const uint8_t *data, size_t size, int64_t from, int64_t to)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < (int)size) {
        close(p[0]);
        close(p[1]);
        return;
    }
    FUZZ_CHECK(size == 0 || write(p[1], data, size) == (ssize_t)size, "pipe write failed");
    close(p[1]);
    qev_reader *r = qev_reader_fdopen(p[0], "fuzz-pipe");
    FUZZ_CHECK(r != NULL, "out of memory");
    if (qev_reader_set_window(r, from, to) == QEV_OK)
        read_to_end(r, NULL, 1);
    qev_reader_close(r);
    close(p[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd(data, size);
    if (fd < 0)
        return 0;
    struct events k = {0};
    struct pass plain = read_fd(fd, 0, 0, 0, &k);
    if (plain.status == QEV_END && !k.overflow && k.nseg > 0)
        round_trip(&k);
    events_free(&k);

    struct pass all = read_fd(fd, 1, INT64_MIN, INT64_MAX, NULL);
    if (all.status == QEV_END)
        FUZZ_CHECK(plain.status == QEV_END && all.events == plain.events,
                   "a window over all time reads %llu events cleanly; the plain read gives "
                   "%llu with status %d", (unsigned long long)all.events,
                   (unsigned long long)plain.events, plain.status);

    int64_t from = 0, to = 1000000;
    if (size >= 8) /* a window that moves with the input, so the fuzzer can aim it */
        from = (int64_t)((uint64_t)data[size - 1] << 16 | (uint64_t)data[size - 2] << 8) * 1000;
    struct pass part = read_fd(fd, 1, from, to > from ? to : from + 1000000, NULL);
    if (part.status == QEV_END && plain.status == QEV_END)
        FUZZ_CHECK(part.events <= plain.events, "a window reads %llu events of %llu",
                   (unsigned long long)part.events, (unsigned long long)plain.events);
    close(fd);

    read_pipe(data, size, from, to > from ? to : from + 1000000);
    return 0;
}
