/* Bounded reordering with a binary heap keyed by (time, arrival). */
#include "reorder.h"
#include "internal.h"

#include <stdlib.h>

struct item {
    qev_event e;
    uint64_t seq;
};

struct qev_reorder {
    struct item *heap;
    size_t n, cap;
    uint64_t seq;
};

qev_reorder *qev_reorder_new(void) { return calloc(1, sizeof(qev_reorder)); }

void qev_reorder_free(qev_reorder *r)
{
    if (r) {
        free(r->heap);
        free(r);
    }
}

static int before(const struct item *a, const struct item *b)
{
    return a->e.t < b->e.t || (a->e.t == b->e.t && a->seq < b->seq);
}

static void swap(struct item *a, struct item *b)
{
    struct item t = *a;
    *a = *b;
    *b = t;
}

int qev_reorder_push(qev_reorder *r, const qev_event *e)
{
    if (r->n == r->cap) {
        struct item *h = qev_grow(r->heap, &r->cap, r->n + 1, sizeof *h, 1024);
        if (!h)
            return QEV_ENOMEM;
        r->heap = h;
    }
    size_t i = r->n++;
    r->heap[i] = (struct item){*e, r->seq++};
    while (i > 0 && before(&r->heap[i], &r->heap[(i - 1) / 2])) {
        swap(&r->heap[i], &r->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return QEV_OK;
}

static void pop_top(qev_reorder *r)
{
    r->heap[0] = r->heap[--r->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, best = i;
        if (l < r->n && before(&r->heap[l], &r->heap[best]))
            best = l;
        if (l + 1 < r->n && before(&r->heap[l + 1], &r->heap[best]))
            best = l + 1;
        if (best == i)
            return;
        swap(&r->heap[i], &r->heap[best]);
        i = best;
    }
}

size_t qev_reorder_pop_before(qev_reorder *r, int64_t bound, qev_event *out, size_t cap)
{
    size_t k = 0;
    while (k < cap && r->n && r->heap[0].e.t < bound) {
        out[k++] = r->heap[0].e;
        pop_top(r);
    }
    return k;
}

size_t qev_reorder_size(const qev_reorder *r) { return r->n; }
