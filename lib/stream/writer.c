/* Writing a QEV stream: header, blocks of events, trailer. */
#include "internal.h"
#include "sized.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

struct qev_writer {
    int fd;
    char *name;
    struct qev_error err;
    int level;
    uint32_t block_events, segment_blocks;
    ZSTD_CCtx *cctx;
    qev_event *pending;
    size_t npending;
    uint8_t *body, *cbuf;
    size_t cbuf_cap;
    uint64_t *scratch;
    qev_event *grid_events;
    struct qev_grid grid; /* sync_ps 0: the stream has no sync grid */
    qev_meta *meta, *closing;
    uint8_t fields;
    int in_segment;
    uint64_t seg_bytes, seg_events;
    int64_t seg_tmin, seg_tmax;
    struct qev_block_entry *entries;
    uint32_t n_entries;
    uint64_t total_events, total_bytes;
};

static int write_all(qev_writer *w, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t k = write(w->fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return qev_error_set(&w->err, QEV_EIO, w->total_bytes, "write error: %s",
                                 k < 0 ? strerror(errno) : "no progress");
        p += k;
        len -= (size_t)k;
        w->total_bytes += (uint64_t)k;
        w->seg_bytes += (uint64_t)k;
    }
    return QEV_OK;
}

static double positive_number(const qev_meta *m, const char *key)
{
    const char *s = qev_meta_get(m, key);
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return s && *end == '\0' && isfinite(v) && v > 0 ? v : 0;
}

/* T3 streams (sync_period_ps and microtime_unit_ps in the metadata) can store
 * their times on the sync grid. */
static struct qev_grid grid_of(const qev_meta *m)
{
    struct qev_grid g = {positive_number(m, "sync_period_ps"),
                         positive_number(m, "microtime_unit_ps")};
    if (g.micro_ps == 0)
        g.sync_ps = 0;
    return g;
}

static int begin_segment(qev_writer *w, const qev_meta *meta)
{
    qev_meta *copy = qev_meta_dup(meta);
    if (!copy)
        return qev_error_set(&w->err, QEV_ENOMEM, w->total_bytes, "out of memory");
    qev_meta_free(w->meta);
    w->meta = copy;
    meta = copy; /* the caller's may have been the one just freed */
    if (qev_meta_fields(meta, &w->fields) != QEV_OK)
        return qev_error_set(&w->err, QEV_EINVAL, w->total_bytes, "unknown field in fields=%s",
                             qev_meta_get(meta, "fields"));
    w->grid = grid_of(meta);
    uint8_t *frame;
    size_t len;
    int rc = qev_header_encode(meta, &frame, &len);
    if (rc != QEV_OK)
        return qev_error_set(&w->err, rc, w->total_bytes, "cannot encode the header");
    w->seg_bytes = 0;
    w->seg_events = 0;
    w->seg_tmin = INT64_MAX;
    w->seg_tmax = INT64_MIN;
    w->n_entries = 0;
    w->in_segment = 1;
    rc = write_all(w, frame, len);
    free(frame);
    return rc;
}

static int alloc_buffers(qev_writer *w)
{
    size_t n = w->block_events;
    w->pending = malloc(n * sizeof *w->pending);
    w->body = malloc(qev_block_body_bound(n));
    w->scratch = malloc(2 * n * sizeof *w->scratch);
    w->grid_events = malloc(n * sizeof *w->grid_events);
    w->cbuf_cap = ZSTD_compressBound(qev_block_body_bound(n));
    w->cbuf = malloc(w->cbuf_cap);
    w->entries = malloc((size_t)w->segment_blocks * sizeof *w->entries);
    w->cctx = ZSTD_createCCtx();
    if (!w->pending || !w->body || !w->scratch || !w->grid_events || !w->cbuf || !w->entries ||
        !w->cctx)
        return QEV_ENOMEM;
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    return QEV_OK;
}

static int apply_opts(qev_writer *w, const qev_writer_opts *opts, size_t opts_size)
{
    qev_writer_opts o;
    if (qev_sized_copy(&o, sizeof o, opts, opts_size) != QEV_OK)
        return qev_error_set(&w->err, QEV_EINVAL, 0,
                             "writer options of %zu bytes set fields this library does not know",
                             opts_size);
    w->level = o.level ? o.level : 1;
    w->block_events = o.block_events ? o.block_events : QEV_BLOCK_EVENTS;
    w->segment_blocks = o.segment_blocks ? o.segment_blocks : QEV_SEGMENT_BLOCKS;
    if (w->level < ZSTD_minCLevel() || w->level > ZSTD_maxCLevel())
        return qev_error_set(&w->err, QEV_EINVAL, 0, "compression level %d is out of range",
                             w->level);
    if (w->block_events > QEV_MAX_BLOCK_EVENTS)
        return qev_error_set(&w->err, QEV_EINVAL, 0, "block size %u is above %u events",
                             w->block_events, QEV_MAX_BLOCK_EVENTS);
    return QEV_OK;
}

qev_writer *qev_writer_fdopen(int fd, const char *name, const qev_meta *meta,
                              const qev_writer_opts *opts, size_t opts_size)
{
    qev_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fd = fd;
    w->name = strdup(name ? name : "-");
    if (apply_opts(w, opts, opts_size) != QEV_OK)
        return w;
    if (!w->name || alloc_buffers(w) != QEV_OK) {
        qev_error_set(&w->err, QEV_ENOMEM, 0, "out of memory");
        return w;
    }
    begin_segment(w, meta);
    return w;
}

/* One zstd frame per block. Each byte plane is flushed as its own zstd block, so
 * that every plane gets entropy tables of its own. */
static int compress_block(qev_writer *w, size_t body_len, size_t plane, size_t *csize)
{
    ZSTD_outBuffer out = {w->cbuf, w->cbuf_cap, 0};
    ZSTD_inBuffer in = {w->body, 0, 0};
    size_t left;
    ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    ZSTD_CCtx_setPledgedSrcSize(w->cctx, body_len);
    for (size_t end = QEV_BLOCK_HEADER;; end += plane) {
        in.size = end < body_len ? end : body_len;
        ZSTD_EndDirective mode = in.size == body_len ? ZSTD_e_end : ZSTD_e_flush;
        do {
            left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
            if (ZSTD_isError(left))
                return qev_error_set(&w->err, QEV_EIO, w->total_bytes, "zstd: %s",
                                     ZSTD_getErrorName(left));
        } while (left);
        if (in.size == body_len)
            break;
    }
    *csize = out.pos;
    return QEV_OK;
}

static int check_fields(qev_writer *w, uint8_t seen)
{
    uint8_t undeclared = seen & ~w->fields;
    if (!undeclared)
        return QEV_OK;
    char names[64];
    qev_fields_string(undeclared, names, sizeof names);
    return qev_error_set(&w->err, QEV_EINVAL, w->total_bytes,
                         "events use field(s) %s that the header does not declare", names);
}

static int end_segment(qev_writer *w);

static int emit_events(qev_writer *w, const qev_event *ev, size_t n)
{
    if (w->n_entries == w->segment_blocks) {
        int rc = end_segment(w);
        if (rc == QEV_OK)
            rc = begin_segment(w, w->meta);
        if (rc != QEV_OK)
            return rc;
    }
    struct qev_block_info info;
    size_t body_len = 0;
    if (w->grid.sync_ps > 0)
        body_len = qev_block_encode_grid(ev, n, &w->grid, w->body, w->scratch, w->grid_events,
                                         &info);
    if (body_len == 0)
        body_len = qev_block_encode(ev, n, w->body, w->scratch, &info);
    size_t csize = 0;
    int rc = check_fields(w, info.flags_seen);
    if (rc == QEV_OK)
        rc = compress_block(w, body_len, info.n, &csize);
    if (rc != QEV_OK)
        return rc;
    struct qev_block_entry *e = &w->entries[w->n_entries++];
    *e = (struct qev_block_entry){w->seg_bytes, (uint32_t)csize, info.n, info.tmin, info.tmax};
    w->seg_events += info.n;
    if (info.tmin < w->seg_tmin)
        w->seg_tmin = info.tmin;
    if (info.tmax > w->seg_tmax)
        w->seg_tmax = info.tmax;
    return write_all(w, w->cbuf, csize);
}

static int emit_block(qev_writer *w)
{
    if (w->npending == 0)
        return QEV_OK;
    size_t n = w->npending;
    w->npending = 0;
    return emit_events(w, w->pending, n);
}

static int end_segment(qev_writer *w)
{
    struct qev_trailer t = {w->seg_events, w->seg_tmin, w->seg_tmax, w->seg_bytes, w->n_entries,
                            NULL, w->closing};
    uint8_t *frame;
    size_t len;
    int rc = qev_trailer_encode(&t, w->entries, &frame, &len);
    qev_meta_free(w->closing);
    w->closing = NULL;
    w->in_segment = 0;
    if (rc != QEV_OK)
        return qev_error_set(&w->err, rc, w->total_bytes, "cannot encode the trailer");
    rc = write_all(w, frame, len);
    free(frame);
    return rc;
}

int qev_writer_set_closing_meta(qev_writer *w, const qev_meta *m)
{
    qev_meta *copy = qev_meta_dup(m);
    if (!copy)
        return qev_error_set(&w->err, QEV_ENOMEM, w->total_bytes, "out of memory");
    qev_meta_free(w->closing);
    w->closing = copy;
    return QEV_OK;
}

int qev_write(qev_writer *w, const qev_event *events, size_t n)
{
    if (w->err.status != QEV_OK)
        return w->err.status;
    while (n) {
        if (w->npending == 0 && n >= w->block_events) {
            if (emit_events(w, events, w->block_events) != QEV_OK)
                return w->err.status;
            events += w->block_events;
            n -= w->block_events;
            w->total_events += w->block_events;
            continue;
        }
        size_t room = w->block_events - w->npending;
        size_t take = n < room ? n : room;
        memcpy(w->pending + w->npending, events, take * sizeof *events);
        w->npending += take;
        events += take;
        n -= take;
        if (w->npending == w->block_events && emit_block(w) != QEV_OK)
            return w->err.status;
        w->total_events += take;
    }
    return QEV_OK;
}

int qev_writer_flush(qev_writer *w)
{
    if (w->err.status != QEV_OK)
        return w->err.status;
    return emit_block(w);
}

int qev_writer_new_segment(qev_writer *w, const qev_meta *meta)
{
    if (w->err.status != QEV_OK)
        return w->err.status;
    int rc = emit_block(w);
    if (rc == QEV_OK)
        rc = end_segment(w);
    if (rc == QEV_OK)
        rc = begin_segment(w, meta);
    return rc;
}

int qev_writer_status(const qev_writer *w) { return w->err.status; }
const char *qev_writer_error(const qev_writer *w) { return w->err.msg; }
uint64_t qev_writer_events(const qev_writer *w) { return w->total_events; }

int qev_writer_finish(qev_writer *w)
{
    if (w->err.status == QEV_OK && w->in_segment && emit_block(w) == QEV_OK)
        end_segment(w);
    return w->err.status;
}

void qev_writer_free(qev_writer *w)
{
    if (!w)
        return;
    ZSTD_freeCCtx(w->cctx);
    free(w->pending);
    free(w->body);
    free(w->scratch);
    free(w->grid_events);
    free(w->cbuf);
    free(w->entries);
    free(w->name);
    qev_meta_free(w->meta);
    qev_meta_free(w->closing);
    free(w);
}

int qev_writer_close(qev_writer *w)
{
    if (!w)
        return QEV_ENOMEM;
    int rc = qev_writer_finish(w);
    qev_writer_free(w);
    return rc;
}
