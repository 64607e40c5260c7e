/* Unit tests of the QEV stream: round trips, sizes, damage, windows, merges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "merge.h"
#include "qev.h"
#include "rng.h"
#include "tap.h"

static qev_meta *meta_with_fields(const char *fields)
{
    qev_meta *m = qev_meta_new();
    qev_meta_set(m, "source", "unit test");
    if (fields)
        qev_meta_set(m, "fields", fields);
    return m;
}

/* Writes events as one segment into a fresh temporary file; returns its fd. */
static int write_stream(const qev_event *ev, size_t n, const char *fields, uint32_t block)
{
    FILE *f = tmpfile();
    int fd = dup(fileno(f));
    fclose(f);
    qev_meta *m = meta_with_fields(fields);
    qev_writer_opts o = {1, block, 0};
    qev_writer *w = qev_writer_fdopen(fd, "tmp", m, &o, sizeof o);
    qev_write(w, ev, n);
    int rc = qev_writer_close(w);
    qev_meta_free(m);
    if (rc != QEV_OK)
        printf("# writer failed: %d\n", rc);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static size_t file_bytes(int fd) { return (size_t)lseek(fd, 0, SEEK_END); }

/* Reads every event back; returns the count, or a negative status. */
static long read_all(int fd, qev_event *out, size_t cap)
{
    lseek(fd, 0, SEEK_SET);
    qev_reader *r = qev_reader_fdopen(fd, "tmp");
    long total = 0, n = qev_reader_status(r);
    const qev_event *ev;
    while (n >= 0 && (n = qev_read(r, &ev)) >= 0) {
        if ((size_t)(total + n) > cap)
            return QEV_EINVAL;
        memcpy(out + total, ev, (size_t)n * sizeof *ev);
        total += n;
    }
    qev_reader_close(r);
    return n == QEV_END ? total : n;
}

static void random_events(qev_event *ev, size_t n, uint64_t seed, int sorted, uint8_t fields)
{
    qev_rng rng;
    qev_rng_seed(&rng, seed);
    int64_t t = -1000000;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = qev_rng_u64(&rng);
        t += (int64_t)(u % 100000);
        if (!sorted && u % 7 == 0)
            t -= 250000;
        uint8_t f = 0;
        if (fields & QEV_F_PIXEL)
            f = QEV_F_PIXEL;
        if ((fields & QEV_F_GROUP) && u % 3 == 0)
            f |= QEV_F_GROUP;
        ev[i] = (qev_event){t, (uint16_t)(1 + (u >> 20) % 4), (uint8_t)((u >> 30) % 3 == 0),
                            f, f & QEV_F_PIXEL ? qev_pixel_aux((u >> 40) % 64, (u >> 50) % 48) : 0};
    }
}

static int same_events(const qev_event *a, const qev_event *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].t != b[i].t || a[i].channel != b[i].channel || a[i].kind != b[i].kind ||
            a[i].flags != b[i].flags || a[i].aux != b[i].aux)
            return 0;
    return 1;
}

static void test_round_trips(void)
{
    enum { N = 200000 };
    qev_event *ev = malloc(N * sizeof *ev), *back = malloc(N * sizeof *back);
    struct {
        const char *name, *fields;
        int sorted;
        uint8_t mask;
    } cases[] = {
        {"sorted photons", NULL, 1, 0},
        {"unsorted photons", NULL, 0, 0},
        {"pixels and groups", "pixel,group", 1, QEV_F_PIXEL | QEV_F_GROUP},
        {"unsorted groups", "group", 0, QEV_F_GROUP},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        random_events(ev, N, 7 + c, cases[c].sorted, cases[c].mask);
        int fd = write_stream(ev, N, cases[c].fields, 0);
        long n = read_all(fd, back, N);
        char name[96];
        snprintf(name, sizeof name, "round trip, %s: every field bit-exact", cases[c].name);
        tap_ok(n == N && same_events(ev, back, N), name);
        close(fd);
    }
    free(ev);
    free(back);
}

/* Identical events leave every column of a block zero bytes wide, so the block's length
 * says nothing of its count; a reader that sized its buffers by length overflowed. */
static void test_identical_events(void)
{
    enum { N = 70000 };
    qev_event *ev = malloc(N * sizeof *ev), *back = malloc(N * sizeof *back);
    for (size_t i = 0; i < N; i++)
        ev[i] = (qev_event){100, 1, QEV_PHOTON, 0, 0};
    int fd = write_stream(ev, N, NULL, 0);
    long n = read_all(fd, back, N);
    tap_ok(n == N && same_events(ev, back, N), "70000 identical events in one block read back");
    close(fd);
    free(ev);
    free(back);
}

/* Extremes: huge jumps that cannot share a word with the channel, all channels,
 * every aux bit, single-event blocks. */
static void test_extremes(void)
{
    qev_event ev[] = {
        {INT64_MIN, 0, 0, 0, 0},
        {INT64_MAX, 65535, 255, QEV_F_VALUE, UINT32_MAX},
        {0, 7, 2, QEV_F_VALUE | QEV_F_GROUP, 0},
        {-1, 65535, 1, QEV_F_MICRO, 12345},
        {INT64_MAX, 0, 0, QEV_F_PIXEL, qev_pixel_aux(65535, 65535)},
    };
    size_t n = sizeof ev / sizeof *ev;
    qev_event back[8];
    for (uint32_t block = 1; block <= 5; block += 4) {
        int fd = write_stream(ev, n, "pixel,micro,value,group", block);
        long got = read_all(fd, back, 8);
        tap_ok(got == (long)n && same_events(ev, back, n),
               block == 1 ? "extremes in one-event blocks survive" : "extremes in one block survive");
        close(fd);
    }
}

static void test_unused_fields_cost_nothing(void)
{
    enum { N = 65536 };
    qev_event *ev = malloc(N * sizeof *ev);
    random_events(ev, N, 3, 1, 0);
    for (size_t i = 0; i < N; i++)
        ev[i].kind = QEV_PHOTON;
    uint8_t *body = malloc(qev_block_body_bound(N));
    uint64_t *scratch = malloc(N * sizeof *scratch);
    struct qev_block_info info;
    size_t len = qev_block_encode(ev, N, body, scratch, &info);
    /* gaps < 1e5 and 4 channels: v = gap << 2 | ch fits 3 bytes; nothing else */
    tap_is_i64((int64_t)len, QEV_BLOCK_HEADER + 3 * N,
               "a block without optional fields stores only the time/channel planes");
    int plain = write_stream(ev, N, NULL, 0);
    int declared = write_stream(ev, N, "pixel,micro,value,group", 0);
    size_t extra_header = strlen("fields=pixel,micro,value,group\n");
    tap_is_i64((int64_t)file_bytes(declared) - (int64_t)file_bytes(plain), (int64_t)extra_header,
               "declaring unused fields costs only their header line");
    close(plain);
    close(declared);
    free(body);
    free(scratch);
    free(ev);
}

/* Block bodies against a layout written out by hand: steps of every byte
 * width, the channel folded into the step or in its own column, and steps
 * backwards (zigzag). */
static void expect_block(const qev_event *ev, size_t n, const uint8_t *head, const uint64_t *v,
                         unsigned vwidth, const uint64_t *ch, unsigned chwidth, const char *name)
{
    uint8_t body[QEV_BLOCK_HEADER + 8 * 16], want[sizeof body];
    uint64_t scratch[16];
    struct qev_block_info info;
    memset(want, 0, sizeof want);
    memcpy(want, head, 12);
    wr64(want + 24, (uint64_t)ev[0].t);
    want[12] = (uint8_t)ev[0].channel; /* the lowest channel comes first below */
    uint8_t *p = want + QEV_BLOCK_HEADER;
    for (unsigned k = 0; k < vwidth; k++)
        for (size_t i = 0; i < n; i++)
            *p++ = (uint8_t)(v[i] >> 8 * k);
    for (unsigned k = 0; k < chwidth; k++)
        for (size_t i = 0; i < n; i++)
            *p++ = (uint8_t)(ch[i] >> 8 * k);
    size_t len = qev_block_encode(ev, n, body, scratch, &info);
    int same = len == (size_t)(p - want) && memcmp(body, want, len) == 0;
    qev_event back[16];
    char why[200];
    long got = qev_block_decode(body, len, back, scratch, QEV_F_ALL, &info, why, sizeof why);
    tap_ok(same && got == (long)n && same_events(back, ev, n), name);
}

static void test_block_edge_widths(void)
{
    char name[80];
    for (unsigned w = 1; w <= 8; w++) {
        /* the largest step of w bytes once the channel bit is folded in */
        uint64_t step = w == 8 ? UINT64_MAX >> 1 : (UINT64_C(1) << (8 * w - 1)) - 1;
        qev_event ev[3] = {{INT64_MIN + 7, 5, 0, 0, 0}, {0, 6, 0, 0, 0}, {0, 5, 0, 0, 0}};
        ev[1].t = (int64_t)((uint64_t)ev[0].t + step);
        ev[2].t = ev[1].t + 3;
        uint64_t v[3] = {0, step << 1 | 1, 3 << 1};
        uint8_t head[12] = {3, 0, 0, 0, 0, 1, (uint8_t)w};
        snprintf(name, sizeof name, "a block with %u-byte steps has the layout of qev(5)", w);
        expect_block(ev, 3, head, v, w, NULL, 0, name);
    }
    qev_event wide[2] = {{INT64_MIN, 1, 0, 0, 0}, {INT64_MAX, 2, 0, 0, 0}};
    uint64_t v[2] = {0, UINT64_MAX}, ch[2] = {0, 1};
    uint8_t column[12] = {2, 0, 0, 0, 0, 255, 8, 1};
    expect_block(wide, 2, column, v, 8, ch, 1,
                 "a step of 64 bits moves the channel to its own column");
    qev_event back[3] = {{1000, 4, 0, 0, 0}, {990, 4, 0, 0, 0}, {1200, 4, 0, 0, 0}};
    uint64_t z[3] = {0, 19, 420};
    uint8_t zig[12] = {3, 0, 0, 0, 1, 0, 2};
    expect_block(back, 3, zig, z, 2, NULL, 0, "steps backwards are stored zigzagged");
}

/* Whether a block is in time order by its coding: unsigned steps that cannot
 * pass INT64_MAX. Two steps of one byte (below 256, one channel) reach at
 * most 2 x 255 = 510 past the first time. */
static int block_sorted(const qev_event *ev, size_t n, int64_t t_first_override, int *decoded)
{
    uint8_t body[QEV_BLOCK_HEADER + 8 * 16];
    uint64_t scratch[16];
    qev_event back[16];
    struct qev_block_info enc, dec;
    char why[200];
    size_t len = qev_block_encode(ev, n, body, scratch, &enc);
    if (t_first_override)
        wr64(body + 24, (uint64_t)t_first_override);
    long got = qev_block_decode(body, len, back, scratch, QEV_F_ALL, &dec, why, sizeof why);
    *decoded = got == (long)n ? dec.sorted : -1;
    return enc.sorted;
}

static void test_block_sorted(void)
{
    int dec;
    qev_event up[2] = {{1000, 1, 0, 0, 0}, {1200, 1, 0, 0, 0}};
    tap_ok(block_sorted(up, 2, 0, &dec) == 1 && dec == 1, "a block of steps forward is sorted");
    qev_event back[3] = {{1000, 4, 0, 0, 0}, {990, 4, 0, 0, 0}, {1200, 4, 0, 0, 0}};
    tap_ok(block_sorted(back, 3, 0, &dec) == 0 && dec == 0, "a zigzagged block is not sorted");
    qev_event top[2] = {{INT64_MAX - 510, 1, 0, 0, 0}, {INT64_MAX - 310, 1, 0, 0, 0}};
    tap_ok(block_sorted(top, 2, 0, &dec) == 1 && dec == 1,
           "steps that reach INT64_MAX at most keep a block sorted");
    top[0].t++, top[1].t++;
    tap_ok(block_sorted(top, 2, 0, &dec) == 0 && dec == 0,
           "steps that could pass INT64_MAX leave the order to be checked");
    /* the same body with its first time moved up: the second event wraps */
    tap_ok(block_sorted(up, 2, INT64_MAX - 50, &dec) == 1 && dec == 0,
           "a block whose steps wrap past INT64_MAX is not called sorted");
    int fd = write_stream(up, 2, NULL, 0);
    qev_reader *r = qev_reader_fdopen(fd, "tmp");
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) == 0)
        ;
    tap_ok(n == 2 && qev_read_sorted(r) == 1, "the reader passes on a block's order");
    qev_reader_close(r);
}

/* Every flags byte in a flags column: the decoder accepts exactly the valid
 * ones, as qev_event_flags_valid says. */
static void test_block_flags_rule(void)
{
    int agree = 1;
    for (unsigned f = 0; f < 256; f++) {
        qev_event ev[2] = {{0, 1, 0, 0, 0}, {5, 1, 0, (uint8_t)f, 0}};
        uint8_t body[QEV_BLOCK_HEADER + 16];
        uint64_t scratch[2];
        qev_event back[2];
        struct qev_block_info info;
        char why[200];
        size_t len = qev_block_encode(ev, 2, body, scratch, &info);
        long got = qev_block_decode(body, len, back, scratch, QEV_F_ALL, &info, why, sizeof why);
        int valid = qev_event_flags_valid((uint8_t)f);
        agree &= valid ? got == 2 && info.flags_seen == f : got == QEV_ECORRUPT;
    }
    tap_ok(agree, "a block's flags are refused exactly when qev_event_flags_valid refuses them");
}

static void test_undeclared_field_refused(void)
{
    qev_event e = {5, 1, 0, QEV_F_PIXEL, 3};
    FILE *f = tmpfile();
    qev_meta *m = meta_with_fields(NULL);
    qev_writer *w = qev_writer_fdopen(fileno(f), "tmp", m, NULL, 0);
    qev_write(w, &e, 1);
    int rc = qev_writer_finish(w);
    tap_ok(rc == QEV_EINVAL && strstr(qev_writer_error(w), "pixel"),
           "the writer refuses a field the header does not declare");
    qev_writer_free(w);
    qev_meta_free(m);
    fclose(f);
}

static uint8_t *slurp(int fd, size_t *len)
{
    *len = file_bytes(fd);
    uint8_t *b = malloc(*len);
    if (pread(fd, b, *len, 0) != (ssize_t)*len)
        *len = 0;
    return b;
}

static int fd_of_bytes(const uint8_t *b, size_t len)
{
    FILE *f = tmpfile();
    int fd = dup(fileno(f));
    fclose(f);
    if (write(fd, b, len) != (ssize_t)len)
        return -1;
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Reads the damaged bytes to the end; returns the final status. */
static long status_of_bytes(const uint8_t *b, size_t len, uint64_t *offset, char *msg, size_t cap)
{
    int fd = fd_of_bytes(b, len);
    qev_reader *r = qev_reader_fdopen(fd, "cut");
    long n = qev_reader_status(r);
    const qev_event *ev;
    while (n >= 0 && (n = qev_read(r, &ev)) >= 0)
        ;
    *offset = qev_reader_offset(r);
    snprintf(msg, cap, "%s", qev_reader_error(r));
    qev_reader_close(r);
    close(fd);
    return n;
}

static void test_every_cut_fails(void)
{
    enum { N = 300 };
    qev_event ev[N];
    random_events(ev, N, 11, 1, 0);
    int fd = write_stream(ev, N, NULL, 100);
    size_t len;
    uint8_t *b = slurp(fd, &len);
    close(fd);
    size_t passed = 0, unnamed = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint64_t off;
        char msg[400], num[32];
        long st = status_of_bytes(b, cut, &off, msg, sizeof msg);
        passed += st == QEV_END;
        snprintf(num, sizeof num, "byte %zu", cut);
        unnamed += cut > 0 && !strstr(msg, num);
    }
    uint64_t off;
    char msg[400];
    tap_ok(status_of_bytes(b, len, &off, msg, sizeof msg) == QEV_END, "the whole stream reads cleanly");
    tap_is_i64((int64_t)passed, 0, "no cut at any byte offset passes as complete");
    tap_is_i64((int64_t)unnamed, 0, "every cut names the byte offset where the data ends");
    free(b);
}

static void test_damage(void)
{
    enum { N = 1000 };
    qev_event ev[N];
    random_events(ev, N, 5, 1, 0);
    int fd = write_stream(ev, N, NULL, 0);
    size_t len;
    uint8_t *b = slurp(fd, &len);
    close(fd);
    uint64_t off;
    char msg[400];
    uint32_t header_body = rd32(b + 4);
    size_t block_at = 8 + header_body;
    b[block_at + 40] ^= 0x10;
    long st = status_of_bytes(b, len, &off, msg, sizeof msg);
    tap_ok(st == QEV_ECORRUPT && off == block_at, "a flipped bit in a block is a corrupt block at its offset");
    b[block_at + 40] ^= 0x10;
    b[8 + 4] = 2;
    st = status_of_bytes(b, len, &off, msg, sizeof msg);
    tap_ok(st == QEV_EVERSION && strstr(msg, "version 2.0"), "a major version 2 header is refused");
    b[8 + 4] = 1;
    b[0] ^= 1;
    st = status_of_bytes(b, len, &off, msg, sizeof msg);
    tap_ok(st == QEV_EFORMAT && strstr(msg, "bad magic"), "bad magic is refused");
    b[0] ^= 1;
    st = status_of_bytes(b, 0, &off, msg, sizeof msg);
    tap_ok(st == QEV_ETRUNC && strstr(msg, "empty"), "an empty input is refused as truncated at byte 0");
    b[len - 20] ^= 0x01;
    st = status_of_bytes(b, len, &off, msg, sizeof msg);
    tap_ok(st == QEV_ECORRUPT && strstr(msg, "trailer"), "a damaged trailer is refused");
    free(b);
}

static void test_segments(void)
{
    enum { N = 1000 };
    qev_event ev[N], back[2 * N];
    random_events(ev, N, 9, 1, 0);
    int a = write_stream(ev, N, NULL, 300);
    size_t len;
    uint8_t *one = slurp(a, &len);
    close(a);
    uint8_t *two = malloc(2 * len);
    memcpy(two, one, len);
    memcpy(two + len, one, len);
    int fd = fd_of_bytes(two, 2 * len);
    qev_reader *r = qev_reader_fdopen(fd, "two");
    long n, total = 0, zeros = 0;
    const qev_event *e;
    while ((n = qev_read(r, &e)) >= 0) {
        zeros += n == 0;
        memcpy(back + total, e, (size_t)n * sizeof *e);
        total += n;
    }
    tap_ok(n == QEV_END && total == 2 * N && same_events(back, ev, N) && same_events(back + N, ev, N),
           "concatenated segments read as one stream");
    tap_ok(zeros == 1 && qev_reader_count(r, QEV_READ_SEGMENTS) == 2 &&
               qev_reader_count(r, QEV_READ_TRAILERS) == 2,
           "a new segment is announced once, both trailers verified");
    qev_reader_close(r);
    close(fd);
    free(one);
    free(two);
}

static void test_segment_rollover(void)
{
    enum { N = 1000 };
    qev_event ev[N], back[N];
    random_events(ev, N, 17, 1, 0);
    FILE *f = tmpfile();
    int fd = dup(fileno(f));
    fclose(f);
    qev_meta *m = meta_with_fields(NULL);
    qev_writer_opts o = {1, 100, 3};
    qev_writer *w = qev_writer_fdopen(fd, "tmp", m, &o, sizeof o);
    qev_write(w, ev, N);
    qev_writer_close(w);
    qev_meta_free(m);
    lseek(fd, 0, SEEK_SET);
    qev_reader *r = qev_reader_fdopen(fd, "roll");
    long n, total = 0;
    const qev_event *e;
    while ((n = qev_read(r, &e)) >= 0) {
        memcpy(back + total, e, (size_t)n * sizeof *e);
        total += n;
    }
    tap_ok(n == QEV_END && total == N && same_events(ev, back, N) &&
               qev_reader_count(r, QEV_READ_SEGMENTS) == 4 &&
               qev_reader_count(r, QEV_READ_TRAILERS) == 4,
           "a writer starts a new segment every 3 blocks, losing nothing");
    qev_reader_close(r);
    close(fd);
}

static void test_closing_meta(void)
{
    enum { N = 5000 };
    qev_event ev[N];
    random_events(ev, N, 19, 1, 0);
    FILE *f = tmpfile();
    int fd = dup(fileno(f));
    fclose(f);
    qev_meta *m = meta_with_fields(NULL), *closing = qev_meta_new();
    qev_meta_set(closing, "source_records", "5000");
    qev_meta_set(closing, "truncated", "1");
    qev_writer_opts o = {1, 1000, 0};
    qev_writer *w = qev_writer_fdopen(fd, "tmp", m, &o, sizeof o);
    qev_write(w, ev, N);
    qev_writer_set_closing_meta(w, closing);
    qev_writer_close(w);
    lseek(fd, 0, SEEK_SET);
    qev_reader *r = qev_reader_fdopen(fd, "closing");
    const qev_event *e;
    long n;
    while ((n = qev_read(r, &e)) >= 0)
        ;
    const qev_meta *c = qev_reader_closing_meta(r);
    tap_ok(n == QEV_END && c && strcmp(qev_meta_get(c, "truncated"), "1") == 0 &&
               strcmp(qev_meta_get(c, "source_records"), "5000") == 0,
           "closing metadata in the trailer survives a round trip");
    qev_reader_close(r);
    lseek(fd, 0, SEEK_SET);
    r = qev_reader_fdopen(fd, "closing-window");
    qev_reader_set_window(r, ev[2500].t, ev[2600].t);
    long got = 0;
    while ((n = qev_read(r, &e)) >= 0)
        got += n;
    tap_ok(n == QEV_END && got > 0 && qev_reader_count(r, QEV_READ_BLOCKS_SKIPPED) >= 3,
           "the block index is found behind closing text");
    qev_reader_close(r);
    close(fd);
    qev_meta_free(m);
    qev_meta_free(closing);
}

/* T3 events: t = round(nsync P + dtime R), with some events off the grid. */
static void t3_events(qev_event *ev, size_t n, double P, double R, int off_grid)
{
    qev_rng rng;
    qev_rng_seed(&rng, 29);
    int64_t nsync = 1000;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = qev_rng_u64(&rng);
        nsync += (int64_t)(u % 300);
        uint32_t dtime = (uint32_t)(u >> 20) % 4096;
        int marker = u % 97 == 0;
        long double t = (long double)nsync * P + (marker ? 0 : (long double)dtime * R);
        ev[i] = (qev_event){llroundl(t), (uint16_t)(marker ? 0 : 1 + (u >> 40) % 4),
                            marker ? QEV_MARKER : QEV_PHOTON, marker ? QEV_F_VALUE : QEV_F_MICRO,
                            marker ? 3 : dtime};
        if (off_grid && u % 13 == 0)
            ev[i].t += (int64_t)(u >> 50) % 5000 - 2500;
    }
}

static void test_sync_grid(void)
{
    enum { N = 100000 };
    qev_event *ev = malloc(N * sizeof *ev), *back = malloc(N * sizeof *back);
    const double P = 1001103.2157437496, R = 16.000000111;
    for (int off = 0; off <= 1; off++) {
        t3_events(ev, N, P, R, off);
        qev_meta *m = meta_with_fields("micro,value");
        qev_meta_setf(m, "sync_period_ps", "%.17g", P);
        qev_meta_setf(m, "microtime_unit_ps", "%.17g", R);
        FILE *f = tmpfile();
        int fd = dup(fileno(f));
        fclose(f);
        qev_writer *w = qev_writer_fdopen(fd, "grid", m, NULL, 0);
        qev_write(w, ev, N);
        qev_writer_close(w);
        qev_meta_free(m);
        size_t grid_bytes = file_bytes(fd);
        long n = read_all(fd, back, N);
        int plain = write_stream(ev, N, "micro,value", 0);
        size_t plain_bytes = file_bytes(plain);
        tap_ok(n == N && same_events(ev, back, N),
               off ? "grid blocks keep off-grid times exactly" : "grid blocks keep T3 times exactly");
        if (!off)
            tap_ok(grid_bytes * 10 < plain_bytes * 8, "the sync grid makes T3 streams smaller");
        close(fd);
        close(plain);
    }
    free(ev);
    free(back);
}

static void test_window(void)
{
    enum { N = 100000 };
    qev_event *ev = malloc(N * sizeof *ev), *back = malloc(N * sizeof *back);
    random_events(ev, N, 13, 1, 0);
    int fd = write_stream(ev, N, NULL, 1000);
    int64_t from = ev[40000].t, to = ev[41500].t;
    qev_reader *r = qev_reader_fdopen(fd, "w");
    qev_reader_set_window(r, from, to);
    long n, kept = 0;
    const qev_event *e;
    while ((n = qev_read(r, &e)) >= 0)
        for (long i = 0; i < n; i++)
            if (e[i].t >= from && e[i].t < to)
                back[kept++] = e[i];
    size_t want = 0;
    for (size_t i = 0; i < N; i++)
        want += ev[i].t >= from && ev[i].t < to;
    tap_ok(n == QEV_END && (size_t)kept == want, "a time window returns every event inside it");
    tap_ok(qev_reader_count(r, QEV_READ_BLOCKS) <= 3 &&
               qev_reader_count(r, QEV_READ_BLOCKS_SKIPPED) >= 97,
           "the block index skips blocks outside the window");
    tap_is_i64((int64_t)(qev_reader_count(r, QEV_READ_EVENTS) +
                         qev_reader_count(r, QEV_READ_EVENTS_SKIPPED)),
               N,
               "a window through the block index accounts for the events it skips");
    qev_reader_close(r);
    close(fd);
    free(ev);
    free(back);
}

/* The events a window skips, counted when the input is a pipe and every
 * block is decoded: a child process feeds the pipe. */
static void test_window_pipe_accounting(void)
{
    enum { N = 20000 };
    qev_event *ev = malloc(N * sizeof *ev);
    random_events(ev, N, 17, 1, 0);
    int fd = write_stream(ev, N, NULL, 1000), p[2];
    size_t size = file_bytes(fd);
    lseek(fd, 0, SEEK_SET);
    if (pipe(p) != 0) {
        tap_ok(0, "a pipe for the window test");
        return;
    }
    pid_t child = fork();
    if (child == 0) {
        char buf[4096];
        ssize_t k;
        close(p[0]);
        while ((k = read(fd, buf, sizeof buf)) > 0)
            if (write(p[1], buf, (size_t)k) != k)
                _exit(1);
        _exit(0);
    }
    close(p[1]);
    qev_reader *r = qev_reader_fdopen(p[0], "pipe");
    qev_reader_set_window(r, ev[5000].t, ev[6000].t);
    const qev_event *e;
    long n;
    while ((n = qev_read(r, &e)) >= 0)
        ;
    tap_ok(n == QEV_END && qev_reader_count(r, QEV_READ_BYTES) == size &&
               qev_reader_count(r, QEV_READ_BLOCKS_SKIPPED) >= 17,
           "a window over a pipe decodes and drops the blocks outside it");
    tap_is_i64((int64_t)(qev_reader_count(r, QEV_READ_EVENTS) +
                         qev_reader_count(r, QEV_READ_EVENTS_SKIPPED)),
               N,
               "a window over a pipe accounts for the events it skips");
    qev_reader_close(r);
    close(p[0]);
    waitpid(child, NULL, 0);
    close(fd);
    free(ev);
}

static int by_time_then_input(const void *pa, const void *pb)
{
    const qev_event *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return (a->aux > b->aux) - (a->aux < b->aux);
}

static void test_merge(void)
{
    enum { N = 50000 };
    qev_event *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    qev_event *want = malloc(2 * N * sizeof *want), *got = malloc(2 * N * sizeof *got);
    random_events(a, N, 21, 1, 0);
    random_events(b, N, 22, 1, 0);
    for (size_t i = 0; i < N; i++) {
        a[i].aux = (uint32_t)i;  /* order key for the reference sort: input a first */
        b[i].aux = (uint32_t)(N + i);
        b[i].t = b[i].t / 1000 * 1000;
        a[i].t = a[i].t / 1000 * 1000;
    }
    memcpy(want, a, N * sizeof *a);
    memcpy(want + N, b, N * sizeof *b);
    qsort(want, 2 * N, sizeof *want, by_time_then_input);
    int fa = write_stream(a, N, NULL, 0), fb = write_stream(b, N, NULL, 0);
    qev_reader *r[2] = {qev_reader_fdopen(fa, "a"), qev_reader_fdopen(fb, "b")};
    qev_merger *m = qev_merger_new(r, 2);
    long n, total = 0;
    const qev_event *e;
    while ((n = qev_merger_read(m, &e)) > 0) {
        memcpy(got + total, e, (size_t)n * sizeof *e);
        total += n;
    }
    tap_ok(n == QEV_END && total == 2 * N && same_events(got, want, 2 * N),
           "a merge equals a stable sort of the union");
    qev_merger_free(m);
    qev_reader_close(r[0]);
    qev_reader_close(r[1]);
    close(fa);
    close(fb);
    free(a);
    free(b);
    free(want);
    free(got);
}

static void test_crc(void)
{
    tap_is_i64(qev_crc32("123456789", 9), 0xCBF43926, "CRC-32 of the standard check string");
    tap_is_i64(qev_crc32_update(qev_crc32("1234", 4), "56789", 5), 0xCBF43926,
               "CRC-32 continues across calls");
}

/* Capacities worked out by hand: doubling from first until need fits. */
static void test_grow(void)
{
    size_t cap = 0;
    int *a = qev_grow(NULL, &cap, 1, sizeof *a, 16);
    tap_ok(a && cap == 16, "an empty array gets the first capacity");
    a[15] = 7;
    int *b = qev_grow(a, &cap, 16, sizeof *b, 16);
    tap_ok(b == a && cap == 16, "an array with room is left as it is");
    b = qev_grow(a, &cap, 100, sizeof *b, 16);
    tap_ok(b && cap == 128 && b[15] == 7, "16 doubles to 128 for 100 items, keeping them");
    size_t none = 0;
    int *c = qev_grow(NULL, &none, 0, sizeof *c, 4);
    tap_ok(c && none == 4, "no items still allocate, so NULL means only no memory");
    free(c);
    int *d = qev_grow(b, &cap, SIZE_MAX / 2, sizeof *d, 16);
    tap_ok(!d && cap == 128 && b[15] == 7, "a size past memory fails and leaves the array");
    free(b);
}

int main(void)
{
    test_crc();
    test_grow();
    test_round_trips();
    test_extremes();
    test_identical_events();
    test_unused_fields_cost_nothing();
    test_block_edge_widths();
    test_block_sorted();
    test_block_flags_rule();
    test_undeclared_field_refused();
    test_every_cut_fails();
    test_damage();
    test_segments();
    test_segment_rollover();
    test_closing_meta();
    test_sync_grid();
    test_window();
    test_window_pipe_accounting();
    test_merge();
    return tap_done();
}
