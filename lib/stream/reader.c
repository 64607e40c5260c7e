/* Reading a QEV stream: frames in order, every block verified, every segment
 * checked against its trailer. */
#include "input.h"
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <zstd.h>
#include <zstd_errors.h>

/* One segment's part inside a time window, from its block index. */
struct planned_segment {
    int64_t tmin, tmax;   /* of the whole segment, from its trailer */
    uint64_t start;       /* header offset */
    uint64_t blocks_from; /* first block to read */
    uint64_t blocks_to;   /* end of the last block to read */
    uint64_t skipped;     /* blocks outside the window */
    uint64_t skipped_events; /* their events, as the index counts them */
};

struct qev_reader {
    qev_input in;
    char *name;
    struct qev_error err;
    ZSTD_DCtx *dctx;
    uint8_t *body;
    size_t body_cap;
    qev_event *events;
    uint64_t *scratch;
    size_t events_cap;
    qev_meta *meta, *closing;
    uint8_t fields;
    uint8_t sorted; /* the last block's events are in order by its coding */
    int in_segment, announce_segment;
    uint64_t seg_start, seg_events, seg_blocks;
    int64_t seg_tmin, seg_tmax;
    uint32_t seg_entries_crc;
    struct {
        uint64_t segments, trailers, blocks, events, bytes, blocks_skipped, events_skipped;
    } stats; /* qev_reader_count's counters */
    int windowed;
    int64_t wfrom, wto;
    struct planned_segment *plan;
    size_t nplan, iplan;
    int plan_in_segment;
};

static uint64_t offset_now(const qev_reader *r) { return qev_input_offset(&r->in); }
static const uint8_t *here(const qev_reader *r) { return qev_input_data(&r->in); }
static size_t ensure(qev_reader *r, size_t need) { return qev_input_ensure(&r->in, need); }

static int fail(qev_reader *r, int status, uint64_t offset, const char *fmt, const char *detail)
{
    return qev_error_set(&r->err, status, offset, fmt, detail);
}

/* The input ends (at the end of the data read) before what was expected. */
static int truncated_at(qev_reader *r, uint64_t end, const char *what)
{
    return qev_error_set(&r->err, QEV_ETRUNC, end,
                         "truncated at byte %" PRIu64 " after %" PRIu64 " events (%s)", end,
                         r->stats.events, what);
}

static int truncated(qev_reader *r, const char *what)
{
    return truncated_at(r, qev_input_end(&r->in), what);
}

static void consume(qev_reader *r, size_t n)
{
    qev_input_consume(&r->in, n);
    r->stats.bytes = offset_now(r);
}

/* ---- frames ---- */

static int read_skippable(qev_reader *r, size_t max_body, const char *what, const uint8_t **body,
                          size_t *len)
{
    if (ensure(r, 8) < 8)
        return r->err.status ? r->err.status : truncated(r, what);
    uint32_t size = rd32(here(r) + 4);
    if (size > max_body)
        return qev_error_set(&r->err, QEV_EFORMAT, offset_now(r),
                             "%s at byte %" PRIu64 " claims %u bytes, more than allowed", what,
                             offset_now(r), size);
    if (ensure(r, 8 + (size_t)size) < 8 + (size_t)size)
        return r->err.status ? r->err.status : truncated(r, what);
    *body = here(r) + 8;
    *len = size;
    return QEV_OK;
}

static int read_header(qev_reader *r)
{
    const uint8_t *body;
    size_t len;
    uint64_t at = offset_now(r);
    int rc = read_skippable(r, QEV_HEADER_FIXED + QEV_MAX_HEADER_TEXT, "header", &body, &len);
    if (rc != QEV_OK)
        return rc;
    qev_meta *m;
    char why[200];
    rc = qev_header_decode(body, len, &m, why, sizeof why);
    if (rc != QEV_OK)
        return qev_error_set(&r->err, rc, at, "bad header at byte %" PRIu64 ": %s", at, why);
    qev_meta_fields(m, &r->fields);
    qev_meta_free(r->meta);
    r->meta = m;
    consume(r, 8 + len);
    r->in_segment = 1;
    r->seg_start = at;
    r->seg_events = r->seg_blocks = 0;
    r->seg_tmin = INT64_MAX;
    r->seg_tmax = INT64_MIN;
    r->seg_entries_crc = 0;
    r->stats.segments++;
    return QEV_OK;
}

static int trailer_mismatch(qev_reader *r, uint64_t at, const char *what)
{
    return qev_error_set(&r->err, QEV_ECORRUPT, at,
                         "trailer at byte %" PRIu64 " does not match the blocks read (%s)", at,
                         what);
}

static int check_trailer(qev_reader *r, const struct qev_trailer *t, uint64_t at)
{
    if (t->events != r->seg_events)
        return trailer_mismatch(r, at, "event count");
    if (t->n_blocks != r->seg_blocks)
        return trailer_mismatch(r, at, "block count");
    if (t->tmin != r->seg_tmin || t->tmax != r->seg_tmax)
        return trailer_mismatch(r, at, "time range");
    if (t->segment_bytes != at - r->seg_start)
        return trailer_mismatch(r, at, "segment length");
    uint32_t crc = qev_crc32(t->entries, (size_t)t->n_blocks * QEV_TRAILER_ENTRY);
    if (crc != r->seg_entries_crc)
        return trailer_mismatch(r, at, "block index");
    return QEV_OK;
}

static int read_trailer(qev_reader *r)
{
    const uint8_t *body;
    size_t len;
    uint64_t at = offset_now(r);
    size_t max = QEV_TRAILER_FIXED + (size_t)QEV_TRAILER_ENTRY * QEV_MAX_SEGMENT_BLOCKS +
                 QEV_MAX_HEADER_TEXT;
    int rc = read_skippable(r, max, "trailer cut short", &body, &len);
    if (rc != QEV_OK)
        return rc;
    struct qev_trailer t;
    char why[200];
    rc = qev_trailer_decode(body, len, &t, why, sizeof why);
    if (rc != QEV_OK)
        return qev_error_set(&r->err, rc, at, "bad trailer at byte %" PRIu64 ": %s", at, why);
    qev_meta_free(r->closing);
    r->closing = t.closing;
    if ((rc = check_trailer(r, &t, at)) != QEV_OK)
        return rc;
    consume(r, 8 + len);
    r->in_segment = 0;
    r->stats.trailers++;
    return QEV_OK;
}

static int grow_body(qev_reader *r, size_t body_len)
{
    if (body_len <= r->body_cap)
        return QEV_OK;
    uint8_t *b = realloc(r->body, body_len);
    if (!b)
        return QEV_ENOMEM;
    r->body = b;
    r->body_cap = body_len;
    return QEV_OK;
}

/* Sized by the count the block claims, not by its length: a block of identical events
   has columns of width zero, so its body says nothing about how many it holds. */
static int grow_events(qev_reader *r, const uint8_t *body, size_t body_len)
{
    size_t n = body_len >= 4 ? rd32(body) : 1;
    if (n == 0 || n > QEV_MAX_BLOCK_EVENTS)
        n = 1; /* the decoder refuses it */
    if (n <= r->events_cap)
        return QEV_OK;
    qev_event *e = realloc(r->events, n * sizeof *e);
    if (e)
        r->events = e;
    uint64_t *s = realloc(r->scratch, n * sizeof *s);
    if (s)
        r->scratch = s;
    if (!e || !s)
        return QEV_ENOMEM;
    r->events_cap = n;
    return QEV_OK;
}

/* Finds the end of the zstd frame at pos, reading more input as needed. */
static int frame_extent(qev_reader *r, size_t *fsize)
{
    const size_t max = ZSTD_compressBound(qev_block_body_bound(QEV_MAX_BLOCK_EVENTS));
    size_t want = 1u << 16;
    for (;;) {
        size_t avail = ensure(r, want);
        if (r->err.status)
            return r->err.status;
        size_t f = ZSTD_findFrameCompressedSize(here(r), avail);
        if (!ZSTD_isError(f)) {
            *fsize = f;
            return QEV_OK;
        }
        int short_input = ZSTD_getErrorCode(f) == ZSTD_error_srcSize_wrong;
        if (short_input && r->in.eof)
            return truncated(r, "block cut short");
        if (!short_input || avail >= max)
            return fail(r, QEV_ECORRUPT, offset_now(r), "corrupt block: zstd: %s",
                        ZSTD_getErrorName(f));
        want = avail * 2;
    }
}

static long decode_block(qev_reader *r, const uint8_t *src, size_t fsize, struct qev_block_info *info)
{
    uint64_t at = offset_now(r);
    ZSTD_frameHeader fh;
    if (ZSTD_getFrameHeader(&fh, src, fsize) != 0 || !fh.checksumFlag)
        return qev_error_set(&r->err, QEV_ECORRUPT, at,
                             "corrupt block at byte %" PRIu64 ": no content checksum", at);
    unsigned long long content = fh.frameContentSize;
    if (content == ZSTD_CONTENTSIZE_UNKNOWN || content < QEV_BLOCK_HEADER ||
        content > qev_block_body_bound(QEV_MAX_BLOCK_EVENTS))
        return qev_error_set(&r->err, QEV_ECORRUPT, at,
                             "corrupt block at byte %" PRIu64 ": bad content size", at);
    if (grow_body(r, (size_t)content) != QEV_OK)
        return qev_error_set(&r->err, QEV_ENOMEM, at, "out of memory");
    size_t got = ZSTD_decompressDCtx(r->dctx, r->body, (size_t)content, src, fsize);
    if (ZSTD_isError(got) || got != content)
        return qev_error_set(&r->err, QEV_ECORRUPT, at, "corrupt block at byte %" PRIu64 ": %s",
                             at, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short content");
    if (grow_events(r, r->body, got) != QEV_OK)
        return qev_error_set(&r->err, QEV_ENOMEM, at, "out of memory");
    char why[200];
    long n = qev_block_decode(r->body, got, r->events, r->scratch, r->fields, info, why,
                              sizeof why);
    if (n < 0)
        return qev_error_set(&r->err, (int)n, at, "corrupt block at byte %" PRIu64 ": %s", at,
                             why);
    r->sorted = info->sorted;
    return n;
}

static void note_block(qev_reader *r, uint64_t at, size_t fsize, const struct qev_block_info *b)
{
    struct qev_block_entry e = {at - r->seg_start, (uint32_t)fsize, b->n, b->tmin, b->tmax};
    uint8_t enc[QEV_TRAILER_ENTRY];
    qev_entry_encode(&e, enc);
    r->seg_entries_crc = qev_crc32_update(r->seg_entries_crc, enc, sizeof enc);
    r->seg_blocks++;
    r->seg_events += b->n;
    if (b->tmin < r->seg_tmin)
        r->seg_tmin = b->tmin;
    if (b->tmax > r->seg_tmax)
        r->seg_tmax = b->tmax;
    r->stats.blocks++;
}

static long read_block(qev_reader *r)
{
    size_t fsize = 0;
    int rc = frame_extent(r, &fsize);
    if (rc != QEV_OK)
        return rc;
    uint64_t at = offset_now(r);
    struct qev_block_info info;
    long n = decode_block(r, here(r), fsize, &info);
    if (n < 0)
        return n;
    if (fsize > UINT32_MAX)
        return fail(r, QEV_ECORRUPT, at, "%s", "block too large");
    note_block(r, at, fsize, &info);
    consume(r, fsize);
    if (r->windowed && (info.tmax < r->wfrom || info.tmin >= r->wto)) {
        r->stats.blocks_skipped++;
        r->stats.events_skipped += (uint64_t)n;
        return 0;
    }
    r->stats.events += (uint64_t)n;
    return n;
}

static int skip_frame(qev_reader *r)
{
    const uint8_t *body;
    size_t len;
    int rc = read_skippable(r, UINT32_MAX, "skippable frame cut short", &body, &len);
    if (rc == QEV_OK)
        consume(r, 8 + len);
    return rc;
}

/* Handles one frame. Returns events (> 0), 0 to go on, or an error. */
static long next_frame(qev_reader *r)
{
    size_t avail = ensure(r, 4);
    if (r->err.status)
        return r->err.status;
    if (avail == 0) {
        if (r->in_segment)
            return truncated(r, "no trailer");
        return qev_error_set(&r->err, QEV_END, offset_now(r), "end of stream");
    }
    if (avail < 4)
        return truncated(r, "frame cut short");
    uint32_t magic = rd32(here(r));
    uint64_t at = offset_now(r);
    if (magic == QEV_ZSTD_MAGIC) {
        if (!r->in_segment)
            return qev_error_set(&r->err, QEV_EFORMAT, at,
                                 "data block at byte %" PRIu64 " outside a segment", at);
        return read_block(r);
    }
    if (magic == QEV_HEADER_MAGIC) {
        if (r->in_segment)
            return truncated_at(r, at, "no trailer before the next header");
        int rc = read_header(r);
        r->announce_segment = rc == QEV_OK;
        return rc;
    }
    if (magic == QEV_TRAILER_MAGIC) {
        if (!r->in_segment)
            return qev_error_set(&r->err, QEV_EFORMAT, at,
                                 "trailer at byte %" PRIu64 " outside a segment", at);
        return read_trailer(r);
    }
    if (magic >= QEV_SKIP_MAGIC_MIN && magic <= QEV_SKIP_MAGIC_MAX)
        return skip_frame(r);
    return qev_error_set(&r->err, QEV_EFORMAT, at, "bad magic 0x%08x at byte %" PRIu64, magic,
                         at);
}

/* ---- the block-index plan for a time window on a seekable file ---- */

static void plan_blocks(qev_reader *r, const struct qev_trailer *t, uint64_t seg_start,
                        struct planned_segment *p)
{
    uint32_t first = t->n_blocks, last = 0;
    /* events before the first block read, and up to the last one read */
    uint64_t seen = 0, before_first = 0, through_last = 0;
    struct qev_block_entry e;
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        qev_entry_decode(t->entries + (size_t)i * QEV_TRAILER_ENTRY, &e);
        if (e.tmax >= r->wfrom && e.tmin < r->wto) {
            if (first == t->n_blocks) {
                first = i;
                p->blocks_from = seg_start + e.offset;
                before_first = seen;
            }
            last = i;
            p->blocks_to = seg_start + e.offset + e.csize;
            through_last = seen + e.events;
        }
        seen += e.events;
    }
    p->start = seg_start;
    p->tmin = t->tmin;
    p->tmax = t->tmax;
    if (first == t->n_blocks) {
        p->blocks_from = p->blocks_to = seg_start;
        p->skipped = t->n_blocks;
    } else {
        p->skipped = t->n_blocks - (last - first + 1);
    }
    p->skipped_events = seen - (through_last - before_first);
}

/* Reads the trailer that ends at end; returns the segment's start or -1. */
static int64_t plan_segment(qev_reader *r, uint64_t end, struct planned_segment *p)
{
    uint8_t tail[QEV_TRAILER_TAIL];
    if (end < 8 + QEV_TRAILER_FIXED || qev_input_pread(&r->in, end - sizeof tail, tail, sizeof tail))
        return -1;
    uint32_t text = rd32(tail), n = rd32(tail + 4);
    if (memcmp(tail + 12, QEV_TRAILER_END, 4) || n > QEV_MAX_SEGMENT_BLOCKS ||
        text > QEV_MAX_HEADER_TEXT)
        return -1;
    size_t size = qev_trailer_frame_size(n, text);
    if (size > end)
        return -1;
    uint8_t *frame = malloc(size);
    struct qev_trailer t = {0};
    char why[200];
    int64_t start = -1;
    if (frame && !qev_input_pread(&r->in, end - size, frame, size) && rd32(frame) == QEV_TRAILER_MAGIC &&
        rd32(frame + 4) == size - 8 &&
        qev_trailer_decode(frame + 8, size - 8, &t, why, sizeof why) == QEV_OK &&
        t.segment_bytes <= end - size) {
        start = (int64_t)(end - size - t.segment_bytes);
        plan_blocks(r, &t, (uint64_t)start, p);
    }
    qev_meta_free(t.closing);
    free(frame);
    return start;
}

static int build_plan(qev_reader *r)
{
    int64_t size = qev_input_file_size(&r->in);
    if (size < 0)
        return -1;
    uint64_t end = (uint64_t)size;
    size_t cap = 0;
    while (end > 0) {
        if (r->nplan == cap) {
            struct planned_segment *p = qev_grow(r->plan, &cap, r->nplan + 1, sizeof *p, 8);
            if (!p)
                return -1;
            r->plan = p;
        }
        int64_t start = plan_segment(r, end, &r->plan[r->nplan]);
        if (start < 0)
            return -1;
        r->nplan++;
        end = (uint64_t)start;
    }
    for (size_t i = 0; i < r->nplan / 2; i++) {
        struct planned_segment tmp = r->plan[i];
        r->plan[i] = r->plan[r->nplan - 1 - i];
        r->plan[r->nplan - 1 - i] = tmp;
    }
    return r->nplan && r->plan[0].start == 0 ? 0 : -1;
}

static long next_planned(qev_reader *r)
{
    if (!r->plan_in_segment) {
        if (r->iplan == r->nplan)
            return qev_error_set(&r->err, QEV_END, offset_now(r), "end of stream");
        struct planned_segment *p = &r->plan[r->iplan];
        if (r->iplan > 0) {
            if (qev_input_seek(&r->in, p->start) || ensure(r, 4) < 4 ||
                rd32(here(r)) != QEV_HEADER_MAGIC)
                return fail(r, QEV_EFORMAT, p->start, "%s", "no header where the index points");
            if (read_header(r) != QEV_OK)
                return r->err.status;
            r->announce_segment = 1;
        }
        r->stats.blocks_skipped += p->skipped;
        r->stats.events_skipped += p->skipped_events;
        r->plan_in_segment = 1;
        return qev_input_seek(&r->in, p->blocks_from);
    }
    if (offset_now(r) >= r->plan[r->iplan].blocks_to) {
        r->iplan++;
        r->plan_in_segment = 0;
        return 0;
    }
    if (ensure(r, 4) < 4 || rd32(here(r)) != QEV_ZSTD_MAGIC)
        return fail(r, QEV_EFORMAT, offset_now(r), "%s", "no block where the index points");
    return read_block(r);
}

int qev_reader_file_span(qev_reader *r, int64_t *tmin, int64_t *tmax)
{
    if (r->err.status || r->nplan)
        return r->err.status ? r->err.status : QEV_EINVAL;
    r->wfrom = INT64_MIN;
    r->wto = INT64_MAX;
    int rc = build_plan(r) == 0 ? QEV_OK : QEV_EINVAL;
    *tmin = INT64_MAX;
    *tmax = INT64_MIN;
    for (size_t i = 0; rc == QEV_OK && i < r->nplan; i++) {
        *tmin = r->plan[i].tmin < *tmin ? r->plan[i].tmin : *tmin;
        *tmax = r->plan[i].tmax > *tmax ? r->plan[i].tmax : *tmax;
    }
    free(r->plan);
    r->plan = NULL;
    r->nplan = 0;
    return rc;
}

int qev_reader_set_window(qev_reader *r, int64_t from, int64_t to)
{
    if (r->err.status)
        return r->err.status;
    r->windowed = 1;
    r->wfrom = from;
    r->wto = to;
    if (build_plan(r) != 0) {
        free(r->plan);
        r->plan = NULL;
        r->nplan = 0;
    }
    return QEV_OK;
}

/* ---- the public reader ---- */

long qev_read(qev_reader *r, const qev_event **events)
{
    for (;;) {
        if (r->err.status)
            return r->err.status;
        if (r->announce_segment) {
            r->announce_segment = 0;
            return 0;
        }
        long n = r->nplan ? next_planned(r) : next_frame(r);
        if (n > 0) {
            *events = r->events;
            return n;
        }
        if (n < 0)
            return n;
    }
}

int qev_read_sorted(const qev_reader *r) { return r->sorted; }

/* Reads the first header; the handle keeps any error. */
static void start_reading(qev_reader *r)
{
    r->dctx = ZSTD_createDCtx();
    if (!r->name || !r->dctx) {
        qev_error_set(&r->err, QEV_ENOMEM, 0, "out of memory");
        return;
    }
    size_t got = ensure(r, 4);
    if (r->err.status)
        return;
    if (got == 0)
        qev_error_set(&r->err, QEV_ETRUNC, 0, "empty input: not a QEV stream");
    else if (got < 4)
        truncated(r, "header cut short");
    else if (rd32(here(r)) != QEV_HEADER_MAGIC)
        qev_error_set(&r->err, QEV_EFORMAT, 0, "not a QEV stream (bad magic at byte 0)");
    else
        read_header(r);
}

qev_reader *qev_reader_fdopen(int fd, const char *name)
{
    qev_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = strdup(name ? name : "-");
    if (qev_input_fdopen(&r->in, fd, &r->err) == QEV_OK)
        start_reading(r);
    return r;
}

qev_reader *qev_reader_open(const char *path)
{
    qev_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = strdup(path);
    if (qev_input_open(&r->in, path, &r->err) == QEV_OK)
        start_reading(r);
    return r;
}

int qev_reader_status(const qev_reader *r) { return r->err.status; }
const char *qev_reader_error(const qev_reader *r) { return r->err.msg; }
const char *qev_reader_name(const qev_reader *r) { return r->name ? r->name : "-"; }
uint64_t qev_reader_offset(const qev_reader *r) { return r->err.status ? r->err.offset : offset_now(r); }
const qev_meta *qev_reader_meta(const qev_reader *r) { return r->meta; }
const qev_meta *qev_reader_closing_meta(const qev_reader *r) { return r->closing; }
uint64_t qev_reader_count(const qev_reader *r, enum qev_read_counter counter)
{
    switch (counter) {
    case QEV_READ_SEGMENTS: return r->stats.segments;
    case QEV_READ_TRAILERS: return r->stats.trailers;
    case QEV_READ_BLOCKS: return r->stats.blocks;
    case QEV_READ_EVENTS: return r->stats.events;
    case QEV_READ_BYTES: return r->stats.bytes;
    case QEV_READ_BLOCKS_SKIPPED: return r->stats.blocks_skipped;
    case QEV_READ_EVENTS_SKIPPED: return r->stats.events_skipped;
    }
    return 0;
}

uint64_t qev_reader_size(const qev_reader *r)
{
    int64_t size = qev_input_file_size(&r->in);
    return size > 0 ? (uint64_t)size : 0;
}

int qev_reader_close(qev_reader *r)
{
    if (!r)
        return QEV_ENOMEM;
    int rc = r->err.status == QEV_END ? QEV_OK : r->err.status;
    qev_input_close(&r->in);
    ZSTD_freeDCtx(r->dctx);
    free(r->body);
    free(r->events);
    free(r->scratch);
    free(r->plan);
    free(r->name);
    qev_meta_free(r->meta);
    qev_meta_free(r->closing);
    free(r);
    return rc;
}
