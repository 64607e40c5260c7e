/* Per-channel time corrections applied to a time-ordered stream, which comes
 * back out in time order (qcal apply, and qcal drift's tracking).
 *
 * A channel may have a constant delay d (t' = t - d, d integer ps) or a clock:
 * a continuous piecewise-linear map from the recorded time to the reference
 * time through points (R_k, T_k); within a segment
 *     t' = T_k + (t - R_k) (T_{k+1} - T_k) / (R_{k+1} - R_k),
 * the end segments extended, and t' rounded to the nearest ps. For a clock
 * with delay tau(t) = a + b t against the reference, R = T + tau(T), which is
 * t' = (t - a) / (1 + b). Channels may be renamed and pixels masked.
 *
 * Every map is non-decreasing, so each channel stays in order; events wait
 * only until no later input can precede them. Events go to a queue, sliding
 * a few places back when they must; those that go back further wait in side
 * queues or a bounded reorder heap (reorder.h). Memory is bounded by the
 * events within the spread of the corrections, and a batch. */
#ifndef QCAL_SHIFT_H
#define QCAL_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

typedef struct qcal_shift qcal_shift;

qcal_shift *qcal_shift_new(void);
void qcal_shift_free(qcal_shift *s);
int qcal_shift_set_delay(qcal_shift *s, uint16_t ch, int64_t delay);
/* rec and ref: n >= 2 points, both strictly increasing. Replaces a delay. */
int qcal_shift_set_clock(qcal_shift *s, uint16_t ch, const int64_t *rec, const int64_t *ref,
                         size_t n);
int qcal_shift_rename(qcal_shift *s, uint16_t ch, uint16_t to);
int qcal_shift_mask_pixel(qcal_shift *s, uint16_t ch, uint32_t aux);
/* The corrected time of channel ch at recorded time t, and the recorded time
 * that maps to reference time t (the inverse, unrounded). */
int64_t qcal_shift_map(const qcal_shift *s, uint16_t ch, int64_t t);
double qcal_shift_inverse(const qcal_shift *s, uint16_t ch, double t);
/* The largest |t' - t| any channel sees over [from, to]: the reach of the
 * reordering. */
int64_t qcal_shift_reach(const qcal_shift *s, int64_t from, int64_t to);

/* Events must come in time order: QEV_EINVAL at the first that goes back
 * (see qcal_shift_disorder_at). */
int qcal_shift_add(qcal_shift *s, const qev_event *ev, size_t n);
/* Everything still waiting becomes ready; later input may start again from
 * any time (a new segment). */
int qcal_shift_finish(qcal_shift *s);
/* Hands the events out in whole multiples of events (a writer's block), so
 * that a writer takes each without a copy; finish hands out the rest. The
 * default, 1, hands out all that is ready. */
int qcal_shift_set_batch(qcal_shift *s, size_t events);
/* The events ready, in time order; valid until the next add or finish. */
size_t qcal_shift_ready(qcal_shift *s, const qev_event **ev);
uint64_t qcal_shift_disorder_at(const qcal_shift *s);
uint64_t qcal_shift_masked(const qcal_shift *s);
/* Events waiting now (the memory bound at work). */
size_t qcal_shift_pending(const qcal_shift *s);

#endif
