/* Unit tests of a histogram's half range and its normalisation into g2,
 * against values worked out by hand. */
#include <math.h>

#include "corrhist.h"
#include "tap.h"

static void test_half_bins(void)
{
    tap_is_i64(qev_hist_half_bins(10000, 100), 100, "+-10 ns in 100 ps bins: 100 a side");
    tap_is_i64(qev_hist_half_bins(249, 100), 2, "249 ps in 100 ps bins rounds down to 2");
    tap_is_i64(qev_hist_half_bins(250, 100), 3, "250 ps in 100 ps bins rounds half up to 3");
    tap_is_i64(qev_hist_half_bins(4, 3), 1, "4 ps in 3 ps bins: 1 (4/3 = 1.33)");
    tap_is_i64(qev_hist_half_bins(5, 3), 2, "5 ps in 3 ps bins: 2 (5/3 = 1.67)");
    tap_is_i64(qev_hist_half_bins(0, 100), 0, "no range: the zero bin alone");
}

/* Pair 1:2 in 100 ps bins over +-2 bins, normalised over 1 us: A at 0 and
 * 1000 ps, B at 150, 1010 and 1e6 ps. Only (0, 150) at +150 ps (bin +2, which
 * holds [150, 250)) and (1000, 1010) at +10 ps (bin 0) fall in the range. */
static void test_normalisation(void)
{
    const qev_event ev[] = {{0, 1, 0, 0, 0},    {150, 2, 0, 0, 0}, {1000, 1, 0, 0, 0},
                            {1010, 2, 0, 0, 0}, {1000000, 2, 0, 0, 0}};
    const qev_corr_pair pair = {1, 2};
    qev_correlator *c = qev_correlator_new(&pair, 1, 100, 2, QEV_CORR_ALL, INT64_MIN, INT64_MAX);
    qev_correlator_add(c, ev, 5);
    qev_partial *p = qev_hist_partial(c, &pair, 1, 100, 2, QEV_CORR_ALL, 1000000);
    qev_hist_view v = qev_hist_view_of(p);
    tap_ok(v.npairs == 1 && v.nbins == 5 && v.bin == 100 && v.duration == 1e6,
           "one pair, 5 bins of 100 ps, over 1 us");
    tap_ok(v.na[0] == 2 && v.nb[0] == 3, "2 singles of A, 3 of B");
    const int64_t *k = qev_hist_pair_counts(p, 0);
    tap_ok(k[0] == 0 && k[1] == 0 && k[2] == 1 && k[3] == 0 && k[4] == 1,
           "one pair at 0 and one at +200 ps");
    tap_ok(qev_hist_tau(&v, 0) == -200 && qev_hist_tau(&v, 2) == 0 && qev_hist_tau(&v, 4) == 200,
           "bins centred on -200, 0 and +200 ps");
    double e = qev_hist_expected(&v, 0, 0, 0);
    tap_near(e, 2.0 * 3 * 100 / 1e6, 1e-18, "expected per bin: N_A N_B b / T = 6e-4");
    tap_near(qev_hist_g2(k[2], e), 1 / 6e-4, 1e-9, "g2 at 0: 1 / 6e-4");
    tap_ok(qev_hist_g2(k[0], e) == 0, "g2 of an empty bin: 0");
    tap_near(qev_hist_expected(&v, 0, -200, 1), 6e-4 * (1e6 - 200) / 1e6, 1e-18,
             "at the edge correction, -200 ps: 6e-4 (T - 200 ps) / T");
    tap_ok(qev_hist_expected(&v, 0, 2e6, 1) == 0, "a delay beyond the record expects nothing");
    tap_ok(isnan(qev_hist_g2(1, 0)), "g2 where nothing is expected is NaN");
    qev_partial_free(p);
    qev_correlator_free(c);
}

int main(void)
{
    test_half_bins();
    test_normalisation();
    return tap_done();
}
