/* T3 blocks on the sync grid.
 *
 * A T3 time is nsync x P + dtime x R: its picoseconds repeat information the
 * sync count and the micro-time already hold. On the grid a block stores the
 * sync counts (small differences) and the exact residual t - grid(n, micro),
 * almost always 0, so the time costs the entropy of the sync count alone. The
 * grid is evaluated in IEEE double arithmetic with one rounding per operation
 * (C11 without contraction), the same on every conforming machine; the stored
 * residual makes the round trip exact whatever the rounding gives.
 *
 * This is the grid's arithmetic alone; the block codec (codec.c) decides
 * when a block goes on the grid and lays out its residuals. */
#include "internal.h"

#include <float.h>
#include <math.h>

#if FLT_EVAL_METHOD != 0
#error "the sync grid needs double arithmetic evaluated in double"
#endif

#define GRID_LIMIT 4.0e18 /* |n P| stays well inside int64 */

static inline int64_t grid_time(int64_t nsync, uint32_t micro, double P, double R)
{
    double x = (double)nsync * P;
    double y = (double)micro * R;
    return llround(x + y);
}

static inline uint32_t micro_of(const qev_event *e)
{
    return e->flags & QEV_F_MICRO ? e->aux : 0;
}

int qev_grid_place(const qev_event *ev, size_t n, const struct qev_grid *g, qev_event *counts,
                   uint64_t *res, uint64_t *max_res)
{
    double P = g->sync_ps, R = g->micro_ps;
    uint64_t max = 0; /* a local, which the stores into res cannot alias */
    *max_res = 0;
    if (!(P > 0) || !(R >= 0))
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t m = micro_of(&ev[i]);
        double x = ((double)ev[i].t - (double)m * R) / P;
        if (!(fabs(x * P) < GRID_LIMIT) || !((double)m * R < GRID_LIMIT))
            return 0;
        int64_t nsync = llround(x);
        counts[i] = ev[i];
        counts[i].t = nsync;
        res[i] = zigzag((uint64_t)ev[i].t - (uint64_t)grid_time(nsync, m, P, R));
        max = res[i] > max ? res[i] : max;
    }
    *max_res = max;
    return 1;
}

void qev_grid_restore(qev_event *ev, size_t n, const uint64_t *res, const struct qev_grid *g)
{
    double P = g->sync_ps, R = g->micro_ps;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = (uint64_t)grid_time(ev[i].t, micro_of(&ev[i]), P, R) + unzigzag(res[i]);
        ev[i].t = (int64_t)t;
    }
}
