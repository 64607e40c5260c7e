/* T3 blocks on the sync grid.
 *
 * A T3 time is nsync x P + dtime x R: its picoseconds repeat information the
 * sync count and the micro-time already hold. On the grid a block stores the
 * sync counts (small differences) and the exact residual t - grid(n, micro),
 * almost always 0, so the time costs the entropy of the sync count alone. The
 * grid is evaluated in IEEE double arithmetic with one rounding per operation
 * (C11 without contraction), the same on every conforming machine; the stored
 * residual makes the round trip exact whatever the rounding gives. */
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

/* Sync counts into tmp and zigzag residuals into res; 0 when some event does
 * not fit the grid's range. */
static int place_on_grid(const qev_event *ev, size_t n, const struct qev_grid *g, qev_event *tmp,
                         uint64_t *res, uint64_t *max_res)
{
    *max_res = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t m = micro_of(&ev[i]);
        double x = ((double)ev[i].t - (double)m * g->micro_ps) / g->sync_ps;
        if (!(fabs(x * g->sync_ps) < GRID_LIMIT) || !((double)m * g->micro_ps < GRID_LIMIT))
            return 0;
        int64_t nsync = llround(x);
        tmp[i] = ev[i];
        tmp[i].t = nsync;
        res[i] = zigzag((uint64_t)ev[i].t - (uint64_t)grid_time(nsync, m, g->sync_ps, g->micro_ps));
        if (res[i] > *max_res)
            *max_res = res[i];
    }
    return 1;
}

static uint64_t max_step(const qev_event *ev, size_t n)
{
    uint64_t max = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t d = zigzag((uint64_t)ev[i].t - (uint64_t)ev[i - 1].t);
        max = d > max ? d : max;
    }
    return max;
}

static void time_range(const qev_event *ev, size_t n, struct qev_block_info *info)
{
    info->tmin = info->tmax = ev[0].t;
    for (size_t i = 1; i < n; i++) {
        info->tmin = ev[i].t < info->tmin ? ev[i].t : info->tmin;
        info->tmax = ev[i].t > info->tmax ? ev[i].t : info->tmax;
    }
}

size_t qev_block_encode_grid(const qev_event *ev, size_t n, const struct qev_grid *g,
                             uint8_t *body, uint64_t *scratch, qev_event *tmp,
                             struct qev_block_info *info)
{
    uint64_t *res = scratch + n, max_res;
    if (!(g->sync_ps > 0) || !(g->micro_ps >= 0) || !place_on_grid(ev, n, g, tmp, res, &max_res))
        return 0;
    uint8_t res_width = qev_byte_width(max_res);
    if (qev_byte_width(max_step(tmp, n)) + res_width >= qev_byte_width(max_step(ev, n)))
        return 0;
    size_t len = qev_block_encode(tmp, n, body, scratch, info);
    body[4] |= QEV_TCODE_GRID;
    body[11] = res_width;
    uint8_t *p = qev_shuffle(res, n, res_width, body + len);
    uint64_t bits;
    memcpy(&bits, &g->sync_ps, 8);
    wr64(p, bits);
    memcpy(&bits, &g->micro_ps, 8);
    wr64(p + 8, bits);
    time_range(ev, n, info);
    info->sorted = 0;
    return (size_t)(p + 16 - body);
}

void qev_grid_apply(qev_event *ev, size_t n, const uint8_t *res_planes, unsigned res_width,
                    const uint8_t *params, uint64_t *scratch, struct qev_block_info *info)
{
    double P, R;
    uint64_t bits = rd64(params);
    memcpy(&P, &bits, 8);
    bits = rd64(params + 8);
    memcpy(&R, &bits, 8);
    qev_unshuffle(res_planes, n, res_width, 0, n, scratch);
    for (size_t i = 0; i < n; i++)
        ev[i].t = (int64_t)((uint64_t)grid_time(ev[i].t, micro_of(&ev[i]), P, R) +
                            unzigzag(scratch[i]));
    time_range(ev, n, info);
}
