/* Unit tests of the correlation time series, the statistics' parameters and
 * the delays of an accidentals search, against values worked out by hand. */
#include <stdlib.h>
#include <string.h>

#include "coinc.h"
#include "series.h"
#include "stats_params.h"
#include "tap.h"

enum { MAX_ROWS = 8 };

/* What the series handed out: each interval's bounds, singles and the counts
 * of pair 1:2 at delays -2..2. */
struct rows {
    size_t n;
    int64_t start[MAX_ROWS], end[MAX_ROWS];
    uint64_t na[MAX_ROWS], nb[MAX_ROWS], counts[MAX_ROWS][5];
};

static int keep_row(void *ctx, const qev_correlator *c, int64_t start, int64_t end)
{
    struct rows *r = ctx;
    if (r->n == MAX_ROWS)
        return QEV_EINVAL;
    r->start[r->n] = start;
    r->end[r->n] = end;
    r->na[r->n] = qev_correlator_singles(c, 1);
    r->nb[r->n] = qev_correlator_singles(c, 2);
    memcpy(r->counts[r->n], qev_correlator_counts(c, 0), sizeof r->counts[0]);
    r->n++;
    return QEV_OK;
}

static const qev_corr_pair pair12[] = {{1, 2}};

static struct rows run_series(const qev_event *ev, size_t n, size_t split, int64_t every)
{
    struct rows r = {0};
    qev_corr_series *s = qev_corr_series_new(pair12, 1, 2, every);
    int rc = qev_corr_series_add(s, ev, split, keep_row, &r);
    if (rc == QEV_OK)
        rc = qev_corr_series_add(s, ev + split, n - split, keep_row, &r);
    if (rc == QEV_OK)
        rc = qev_corr_series_finish(s, keep_row, &r);
    tap_ok(rc == QEV_OK, "the series runs");
    qev_corr_series_free(s);
    return r;
}

/* Intervals of 100 ps, pairs up to 2 ps. The pair (98, 100) crosses into the
 * second interval and belongs to the first, by its earlier event; the second
 * interval holds one B and no pair; the third ends after its last event. */
static void test_series_by_hand(size_t split)
{
    const qev_event ev[] = {{10, 1, 0, 0, 0},  {12, 2, 0, 0, 0},  {98, 1, 0, 0, 0},
                            {100, 2, 0, 0, 0}, {250, 1, 0, 0, 0}, {251, 2, 0, 0, 0}};
    struct rows r = run_series(ev, 6, split, 100);
    tap_is_i64((int64_t)r.n, 3, "three intervals");
    tap_ok(r.start[0] == 0 && r.end[0] == 100, "the first is [0, 100)");
    tap_ok(r.start[1] == 100 && r.end[1] == 200, "the second, without a pair, is [100, 200)");
    tap_ok(r.start[2] == 200 && r.end[2] == 252, "the last ends one ps after its last event");
    tap_ok(r.na[0] == 2 && r.nb[0] == 1, "the first owns A at 10 and 98, B at 12");
    tap_ok(r.na[1] == 0 && r.nb[1] == 1, "the second owns B at 100");
    tap_ok(r.na[2] == 1 && r.nb[2] == 1, "the last owns A at 250 and B at 251");
    tap_is_i64((int64_t)r.counts[0][4], 2, "the first counts (10, 12) and (98, 100) at +2 ps");
    tap_is_i64((int64_t)(r.counts[0][0] + r.counts[0][1] + r.counts[0][2] + r.counts[0][3]), 0,
               "and nothing at other delays");
    uint64_t second = 0;
    for (int k = 0; k < 5; k++)
        second += r.counts[1][k];
    tap_is_i64((int64_t)second, 0, "the second counts no pair");
    tap_is_i64((int64_t)r.counts[2][3], 1, "the last counts (250, 251) at +1 ps");
}

/* A negative first time starts at the multiple below it; a last event within
 * the reach of the next interval gives that interval a row of its own. */
static void test_series_edges(void)
{
    const qev_event ev[] = {{-50, 1, 0, 0, 0}, {-49, 2, 0, 0, 0}, {1, 2, 0, 0, 0}};
    struct rows r = run_series(ev, 3, 3, 100);
    tap_is_i64((int64_t)r.n, 2, "a pair near the edge: two intervals");
    tap_ok(r.start[0] == -100 && r.end[0] == 0, "the first is [-100, 0)");
    tap_ok(r.start[1] == 0 && r.end[1] == 2, "the next ends after its event at 1 ps");
    tap_ok(r.na[0] == 1 && r.nb[0] == 1 && r.nb[1] == 1, "each owns its own singles");
    tap_is_i64((int64_t)r.counts[0][3], 1, "(-50, -49) at +1 ps");

    struct rows none = run_series(ev, 0, 0, 100);
    tap_is_i64((int64_t)none.n, 0, "no events, no intervals");
    tap_ok(qev_corr_series_new(pair12, 1, 2, 3) == NULL, "intervals within a pair's reach are refused");
}

static void test_series_disorder(void)
{
    const qev_event ev[] = {{10, 1, 0, 0, 0}, {30, 2, 0, 0, 0}, {20, 1, 0, 0, 0}};
    struct rows r = {0};
    qev_corr_series *s = qev_corr_series_new(pair12, 1, 2, 100);
    tap_ok(qev_corr_series_add(s, ev, 3, keep_row, &r) == QEV_EINVAL, "an event that goes back");
    tap_is_i64((int64_t)qev_corr_series_disorder_at(s), 2, "is the third");
    qev_corr_series_free(s);
}

static void test_stats_params(void)
{
    static int64_t delay[65536];
    static double dark[65536];
    delay[1] = 100;
    delay[2] = 350;
    delay[3] = -5;
    dark[1] = 1.5;
    dark[2] = 2.5e-6;
    dark[3] = 4e-7;
    const qev_corr_pair pairs[] = {{1, 2}, {2, 1}, {3, 3}};
    qev_coinc_stats_params sp = {.accidental_delay = 7, .use = 2};
    qev_coinc_stats_params_set(&sp, pairs, 3, 1000, 0, delay, dark);
    tap_is_i64(sp.window, 1000, "the window");
    tap_is_i64(sp.resolution, 1, "an unknown resolution counts as 1 ps");
    tap_ok(sp.delay[0] == 250 && sp.delay[1] == -250 && sp.delay[2] == 0,
           "pair delays are d_B - d_A: 250, -250, 0");
    tap_ok(sp.dark_a_uhz[0] == 1500000 && sp.dark_b_uhz[0] == 3,
           "dark rates in micro-hertz: 1.5 Hz and 2.5 uHz rounded up to 3");
    tap_ok(sp.dark_a_uhz[2] == 0 && sp.dark_b_uhz[2] == 0, "0.4 uHz rounds to 0");
    tap_ok(sp.accidental_delay == 7 && sp.use == 2, "the accidental delay and estimate stay");
    qev_coinc_stats_params_set(&sp, pairs, 1, 1000, 4, delay, dark);
    tap_is_i64(sp.resolution, 4, "a known resolution is kept");
}

static void test_delay_partners(void)
{
    static int64_t delay[65536], out[65536];
    static uint8_t takes_part[65536];
    delay[2] = 10;
    delay[5] = 20;
    delay[9] = 30;
    takes_part[5] = takes_part[9] = 1;
    qev_coinc_delay_partners(delay, takes_part, 1000, out);
    tap_is_i64(out[5], 20, "the herald, the lowest channel taking part, keeps its delay");
    tap_is_i64(out[9], -970, "a partner counts 1000 ps later: 30 - 1000");
    tap_is_i64(out[2], 10, "a channel not taking part keeps its delay");
}

int main(void)
{
    for (size_t split = 0; split <= 6; split++)
        test_series_by_hand(split);
    test_series_edges();
    test_series_disorder();
    test_stats_params();
    test_delay_partners();
    return tap_done();
}
