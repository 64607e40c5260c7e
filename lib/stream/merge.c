/* k-way time merge: a binary heap of inputs keyed by (time, input index). */
#include "merge.h"
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>

#define MERGE_BLOCK 65536

struct merge_input {
    void *handle;
    const qev_event *ev;
    long n, i;
    int64_t last;
    uint64_t consumed;
};

struct qev_merger {
    qev_source_read *read;
    qev_source_error *error;
    struct merge_input *in;
    size_t k;
    size_t *heap, nheap;
    qev_event *out;
    int started;
    size_t failed;
    struct qev_error err;
};

qev_merger *qev_merger_new_sources(void *const *handles, size_t k, qev_source_read *read,
                                   qev_source_error *error)
{
    qev_merger *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->in = calloc(k ? k : 1, sizeof *m->in);
    m->heap = calloc(k ? k : 1, sizeof *m->heap);
    m->out = malloc(MERGE_BLOCK * sizeof *m->out);
    if (!m->in || !m->heap || !m->out) {
        qev_merger_free(m);
        return NULL;
    }
    m->k = k;
    m->read = read;
    m->error = error;
    for (size_t i = 0; i < k; i++)
        m->in[i] = (struct merge_input){handles[i], NULL, 0, 0, INT64_MIN, 0};
    return m;
}

static long reader_read(void *handle, const qev_event **events)
{
    return qev_read(handle, events);
}

static const char *reader_error(const void *handle) { return qev_reader_error(handle); }

qev_merger *qev_merger_new(qev_reader **readers, size_t k)
{
    void **handles = calloc(k ? k : 1, sizeof *handles);
    if (!handles)
        return NULL;
    for (size_t i = 0; i < k; i++)
        handles[i] = readers[i];
    qev_merger *m = qev_merger_new_sources(handles, k, reader_read, reader_error);
    free(handles);
    return m;
}

static int before(const qev_merger *m, size_t a, size_t b)
{
    int64_t ta = m->in[a].ev[m->in[a].i].t, tb = m->in[b].ev[m->in[b].i].t;
    return ta < tb || (ta == tb && a < b);
}

static void sift_down(qev_merger *m, size_t pos)
{
    for (;;) {
        size_t l = 2 * pos + 1, best = pos;
        if (l < m->nheap && before(m, m->heap[l], m->heap[best]))
            best = l;
        if (l + 1 < m->nheap && before(m, m->heap[l + 1], m->heap[best]))
            best = l + 1;
        if (best == pos)
            return;
        size_t tmp = m->heap[pos];
        m->heap[pos] = m->heap[best];
        m->heap[best] = tmp;
        pos = best;
    }
}

/* Makes input i point at an event; 0 if it has one, QEV_END, or an error. */
static long refill(qev_merger *m, size_t i)
{
    struct merge_input *in = &m->in[i];
    while (in->i >= in->n) {
        long n = m->read(in->handle, &in->ev);
        if (n < 0) {
            if (n < QEV_END) {
                m->failed = i;
                qev_error_set(&m->err, (int)n, 0, "%s", m->error(in->handle));
            }
            return n;
        }
        in->n = n;
        in->i = 0;
    }
    return 0;
}

static int out_of_order(qev_merger *m, size_t i)
{
    struct merge_input *in = &m->in[i];
    m->failed = i;
    return qev_error_set(&m->err, QEV_ECORRUPT, 0,
                         "not time-sorted: event %" PRIu64 " at %" PRId64
                         " ps comes after %" PRId64 " ps; a merge needs sorted inputs",
                         in->consumed, in->ev[in->i].t, in->last);
}

static long start(qev_merger *m)
{
    m->started = 1;
    for (size_t i = 0; i < m->k; i++) {
        long rc = refill(m, i);
        if (rc < QEV_END)
            return rc;
        if (rc == 0)
            m->heap[m->nheap++] = i;
    }
    for (size_t p = m->nheap / 2; p-- > 0;)
        sift_down(m, p);
    return QEV_OK;
}

long qev_merger_read(qev_merger *m, const qev_event **events)
{
    if (m->err.status)
        return m->err.status;
    if (!m->started && start(m) < QEV_END)
        return m->err.status;
    size_t n = 0;
    while (n < MERGE_BLOCK && m->nheap) {
        size_t i = m->heap[0];
        struct merge_input *in = &m->in[i];
        const qev_event *e = &in->ev[in->i];
        if (e->t < in->last)
            return out_of_order(m, i);
        in->last = e->t;
        in->consumed++;
        m->out[n++] = *e;
        in->i++;
        long rc = refill(m, i);
        if (rc < QEV_END)
            return rc;
        if (rc == QEV_END)
            m->heap[0] = m->heap[--m->nheap];
        sift_down(m, 0);
    }
    if (n == 0) {
        qev_error_set(&m->err, QEV_END, 0, "end");
        return QEV_END;
    }
    *events = m->out;
    return (long)n;
}

int qev_merger_status(const qev_merger *m) { return m->err.status; }
size_t qev_merger_failed_input(const qev_merger *m) { return m->failed; }
const char *qev_merger_error(const qev_merger *m) { return m->err.msg; }

void qev_merger_free(qev_merger *m)
{
    if (!m)
        return;
    free(m->in);
    free(m->heap);
    free(m->out);
    free(m);
}
