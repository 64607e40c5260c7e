/* Bounded reordering: events whose times were shifted (per-channel delays)
 * come back out in time order, holding only those that a later input could
 * still precede. */
#ifndef QEV_REORDER_H
#define QEV_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

typedef struct qev_reorder qev_reorder;

qev_reorder *qev_reorder_new(void);
void qev_reorder_free(qev_reorder *r);
/* Adds an event (its time already shifted); ties leave in the order added. */
int qev_reorder_push(qev_reorder *r, const qev_event *e);
/* Moves into out (up to cap) the events earlier than `bound`, in time order:
 * the caller guarantees that no event it adds later is earlier than bound. */
size_t qev_reorder_pop_before(qev_reorder *r, int64_t bound, qev_event *out, size_t cap);
size_t qev_reorder_size(const qev_reorder *r);

#endif
