/* The estimators behind qcal dark, flat, deadtime and drift (lib/cal)
 * against values worked out by hand, closed forms, and simulations whose
 * truth is known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "dark.h"
#include "deadtime.h"
#include "flat.h"
#include "qcal_drift.h"
#include "rng.h"
#include "tap.h"

static qev_event photon(int64_t t, uint16_t ch) { return (qev_event){t, ch, QEV_PHOTON, 0, 0}; }

static qev_event pixel(int64_t t, uint16_t ch, uint16_t x, uint16_t y)
{
    return (qev_event){t, ch, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(x, y)};
}

static void test_rates(void)
{
    qcal_rate r = qcal_count_rate(400, 2);
    tap_near(r.rate, 200, 1e-12, "400 counts in 2 s: 200 Hz");
    tap_near(r.sigma, 10, 1e-12, "with sigma sqrt(400) / 2");
    r = qcal_count_rate(0, 4);
    tap_ok(r.rate == 0 && r.sigma == 0.25, "0 counts in 4 s: 0 +- 1/4 Hz, one count's sigma");
    double var, n = qcal_rate_counts((qcal_rate){50, 3}, 2, &var);
    tap_ok(n == 100 && var == 36, "50 +- 3 Hz over 2 s: 100 counts, variance 6^2");

    /* Poisson clicks at 2 kHz for 1 s, 50 runs: the rates scatter by sigma. */
    qev_rng g;
    qev_rng_seed(&g, 11);
    double sum = 0, sum2 = 0, s2 = 0;
    for (int run = 0; run < 50; run++) {
        double clicks = 0;
        for (double t = qev_rng_exp(&g) / 2000; t < 1; t += qev_rng_exp(&g) / 2000)
            clicks++;
        r = qcal_count_rate(clicks, 1);
        sum += r.rate;
        sum2 += r.rate * r.rate;
        s2 += r.sigma * r.sigma;
    }
    double mean = sum / 50, sd = sqrt((sum2 - 50 * mean * mean) / 49), sigma = sqrt(s2 / 50);
    tap_near(mean, 2000, 3 * sigma / sqrt(50), "a known 2 kHz rate recovered");
    /* 50 runs: the sd of a sample sd is about 10 %; 0.6 to 1.4 is 4 of those. */
    tap_near(sd / sigma, 1, 0.4, "and its spread is the reported sigma");
}

static void test_counts(void)
{
    qev_event ev[] = {photon(1000, 1), pixel(1500, 2, 3, 1), photon(2000, 1),
                      (qev_event){2200, 1, QEV_MARKER, 0, 0}, pixel(2500, 2, 3, 1),
                      pixel(3000, 2, 0, 2), photon(9000, 4)};
    qcal_counts *k = qcal_counts_new();
    tap_is_i64(qcal_counts_add(k, ev, 7), QEV_OK, "counting");
    qev_meta *m = qev_meta_new();
    tap_is_i64(qcal_counts_finish(k, m, -1), QEV_OK, "a duration from the photons");
    tap_near(qcal_counts_duration(k), 8000, 0, "the span of the photons, markers aside");
    tap_ok(qcal_counts_channel(k, 1) == 2 && qcal_counts_channel(k, 2) == 3 &&
               qcal_counts_channel(k, 4) == 1,
           "photons per channel");
    tap_ok(qcal_counts_arrays(k) == 1 && qcal_counts_array_channel(k, 0) == 2, "one array, 2");
    uint32_t w, h;
    double *img = qcal_counts_image(k, 0, &w, &h);
    tap_ok(w == 4 && h == 3 && img[1 * 4 + 3] == 2 && img[2 * 4 + 0] == 1 && img[0] == 0,
           "the pixels seen make a 4 x 3 image");
    free(img);
    qev_meta_set(m, "image_width", "8");
    qev_meta_set(m, "image_height", "2");
    qev_meta_set(m, "duration_ps", "1e6");
    qcal_counts_finish(k, m, -1);
    img = qcal_counts_image(k, 0, &w, &h);
    tap_ok(w == 8 && h == 3, "the metadata's geometry, grown to the pixels seen");
    free(img);
    tap_near(qcal_counts_duration(k), 1e6, 0, "the metadata's duration_ps");
    qcal_counts_finish(k, m, 5e5);
    tap_near(qcal_counts_duration(k), 5e5, 0, "a given duration wins");
    int is_array;
    tap_ok(qcal_counts_pixel(k, 2, 3, 1, &is_array) == 2 && is_array, "one pixel's count");
    tap_ok(qcal_counts_pixel(k, 1, 3, 1, &is_array) == 0 && !is_array, "no array on 1");
    qev_event far = pixel(9500, 2, 4096, 0);
    tap_is_i64(qcal_counts_add(k, &far, 1), QEV_EINVAL, "a pixel beyond 4096 is refused");
    tap_ok(strstr(qcal_counts_error(k), "(4096, 0) of channel 2") != NULL, "and named");
    qcal_counts_free(k);

    k = qcal_counts_new();
    for (uint16_t ch = 1; ch <= 9; ch++) {
        qev_event e = pixel(ch, ch, 0, 0);
        int rc = qcal_counts_add(k, &e, 1);
        if (ch == 9)
            tap_is_i64(rc, QEV_EINVAL, "a ninth array channel is refused");
    }
    qcal_counts_free(k);
    k = qcal_counts_new();
    qcal_counts_add(k, ev, 1);
    qev_meta_free(m);
    m = qev_meta_new();
    tap_is_i64(qcal_counts_finish(k, m, -1), QEV_EINVAL, "one photon has no duration");
    qcal_counts_free(k);
    qev_meta_free(m);
}

static void test_dark_pixels(void)
{
    /* 16 pixels over 2 s: 10 of 4 counts, 4 of 6, hot ones of 50 and 80.
     * Median 4, MAD 0: the spread is sqrt(4) = 2, so with z = 10 the
     * threshold is 4 + 10 x 2 = 24; the cold sum 10 x 4 + 4 x 6 = 64. */
    double px[16];
    for (int i = 0; i < 10; i++)
        px[i] = 4;
    for (int i = 10; i < 14; i++)
        px[i] = 6;
    px[14] = 50;
    px[15] = 80;
    qcal_dark_pixels d;
    qcal_dark_pixels_measure(px, 16, 2, 10, &d);
    tap_ok(d.pixels == 16 && d.hot == 2, "two hot pixels of 16");
    tap_near(d.median, 4, 0, "the median pixel");
    tap_near(d.threshold, 24, 1e-12, "threshold median + z sqrt(median)");
    tap_near(d.median_rate.rate, 2, 1e-12, "median rate 4 / 2 s");
    tap_near(d.median_rate.sigma, 1, 1e-12, "and its sigma sqrt(4) / 2 s");
    tap_near(d.without_hot.rate, 32, 1e-12, "the array without hot pixels: 64 / 2 s");
    tap_near(d.without_hot.sigma, 4, 1e-12, "sigma sqrt(64) / 2 s");
}

static void test_flat(void)
{
    /* Counts 100 and 300, dark 0 and 100 (variance 0 and 25): net 100 and
     * 200, mean 150. */
    double c[] = {100, 300}, d[] = {0, 100}, v[] = {0, 25}, e[2], s[2], mean;
    tap_is_i64(qcal_flat_field(c, d, v, 2, e, s, &mean), QEV_OK, "a flat field");
    tap_near(mean, 150, 1e-12, "the mean net count");
    tap_ok(fabs(e[0] - 2.0 / 3) < 1e-15 && fabs(e[1] - 4.0 / 3) < 1e-15, "efficiencies 2/3, 4/3");
    tap_ok(fabs(s[0] - 10.0 / 150) < 1e-15 && fabs(s[1] - sqrt(325) / 150) < 1e-15,
           "sigma sqrt(counts + var dark) / mean");
    double dd[] = {100, 300};
    tap_is_i64(qcal_flat_field(c, dd, v, 2, e, s, &mean), QEV_EINVAL, "nothing above the dark");
}

/* Poisson photons at rate (per ps) through a non-paralysable dead time. */
static size_t dead_stream(qev_rng *g, double rate, int64_t dead, size_t n, uint16_t ch,
                          qev_event *out)
{
    double t = 0;
    int64_t last = INT64_MIN / 2;
    size_t k = 0;
    while (k < n) {
        t += qev_rng_exp(g) / rate;
        int64_t ti = (int64_t)t;
        if (ti - last >= dead)
            out[k++] = photon(last = ti, ch);
    }
    return k;
}

static void test_deadtime(void)
{
    enum { RUNS = 100, N = 20000 };
    qev_event *ev = malloc(N * sizeof *ev);
    qev_rng g;
    qev_rng_seed(&g, 5);
    qev_filter *all = qev_filter_new();
    double sum = 0, sum2 = 0, s2 = 0;
    for (int run = 0; run < RUNS; run++) {
        dead_stream(&g, 1e-6, 50000, N, 3, ev); /* 1 MHz through 50 ns */
        qcal_deadtimes *d = qcal_deadtimes_new(10);
        qcal_deadtimes_add(d, ev, N, all);
        qcal_deadtime_result r;
        qcal_deadtimes_result(d, 3, 1, &r);
        sum += r.tau;
        sum2 += r.tau * r.tau;
        s2 += r.sigma * r.sigma;
        if (run == 0)
            tap_ok(r.intervals == N - 1 && qcal_deadtimes_seen(d, 3) && !qcal_deadtimes_seen(d, 2),
                   "N photons, N - 1 intervals, one channel seen");
        qcal_deadtimes_free(d);
    }
    double mean = sum / RUNS, sd = sqrt((sum2 - RUNS * mean * mean) / (RUNS - 1));
    double sigma = sqrt(s2 / RUNS);
    tap_near(mean, 50000, 3 * sigma / sqrt(RUNS), "a simulated 50 ns dead time recovered");
    tap_near(sd / sigma, 1, 0.25, "the estimates scatter by the reported sigma");

    qev_event two[] = {photon(0, 1), photon(20, 2), photon(30, 1), photon(10, 2)};
    qev_filter *only1 = qev_filter_new();
    qev_filter_add_channels(only1, "1");
    qcal_deadtimes *d = qcal_deadtimes_new(1);
    tap_is_i64(qcal_deadtimes_add(d, two, 4, only1), QEV_OK, "channel 2 is not selected");
    qcal_deadtime_result r;
    tap_is_i64(qcal_deadtimes_result(d, 1, 1, &r), QEV_EINVAL, "one interval is too few for k 1");
    tap_is_i64(qcal_deadtimes_result(d, 2, 1, &r), QEV_END, "channel 2 had no photon");
    qcal_deadtimes_free(d);
    d = qcal_deadtimes_new(1);
    tap_ok(qcal_deadtimes_add(d, two, 4, all) == QEV_EINVAL &&
               qcal_deadtimes_disorder_channel(d) == 2,
           "channel 2 going back in time is named");
    qcal_deadtimes_free(d);
    qev_filter_free(all);
    qev_filter_free(only1);
    free(ev);
}

/* Points on tau(t) = 4000 ps + 2 ppm t, every 10 ms for 1 s, with noise sd s. */
static void line_points(qcal_drift_point *p, size_t n, double s, qev_rng *g)
{
    for (size_t i = 0; i < n; i++) {
        double t = 5e9 + 1e10 * (double)i;
        double u1 = qev_rng_open01(g), u2 = qev_rng_open01(g);
        double noise = s * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        p[i] = (qcal_drift_point){0, 0, t, 4000 + 2e-6 * t + noise, s, 100, 1000, 1};
    }
}

static void test_drift_line(void)
{
    enum { N = 100 };
    qcal_drift_point p[N];
    qev_rng g;
    qev_rng_seed(&g, 3);
    line_points(p, N, 5, &g);
    /* Ordinary least squares, all weights equal: slope Sxy / Sxx, sd
     * s / sqrt(Sxx); the value at 0, ybar - slope tbar, sd
     * s sqrt(1/N + tbar^2 / Sxx). */
    double tbar = 0, ybar = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < N; i++) {
        tbar += p[i].time / N;
        ybar += p[i].delay / N;
    }
    for (int i = 0; i < N; i++) {
        sxx += (p[i].time - tbar) * (p[i].time - tbar);
        sxy += (p[i].time - tbar) * (p[i].delay - ybar);
    }
    double slope = sxy / sxx;
    qcal_line l = qcal_drift_line(p, N);
    tap_near(l.drift, slope * 1e6, 1e-9, "drift: the least-squares slope, in ppm");
    tap_near(l.sigma_drift, 5 / sqrt(sxx) * 1e6, 1e-9, "sigma of the slope s / sqrt(Sxx)");
    tap_near(l.offset, ybar - slope * tbar, 1e-6, "offset: the line at t = 0");
    tap_near(l.sigma_offset, 5 * sqrt(1.0 / N + tbar * tbar / sxx), 1e-9,
             "sigma of the offset s sqrt(1/N + tbar^2/Sxx)");
    tap_ok(fabs(l.offset - 4000) < 3 * l.sigma_offset && fabs(l.drift - 2) < 3 * l.sigma_drift,
           "the truth within 3 sigma");

    /* Residuals +d, -d, -d, +d about a flat line: the fit is flat at 0 and
     * the weighted rms is d. */
    qcal_drift_point q[4];
    double y[] = {3, -3, -3, 3};
    for (int i = 0; i < 4; i++)
        q[i] = (qcal_drift_point){0, 0, 1e10 * i, y[i], 1, 100, 100, 1};
    qcal_spline fit;
    qcal_drift_fit(q, 4, 2, 2, &fit);
    tap_near(qcal_drift_residual_rms(q, 4, &fit), 3, 1e-9, "residual rms of +-3 about 0");
    qcal_spline_free(&fit);
    q[1].used = q[2].used = 0;
    qcal_line none = qcal_drift_line(q, 1);
    tap_ok(isnan(none.offset) && isnan(none.sigma_drift), "no line through one point");
}

int main(void)
{
    test_rates();
    test_counts();
    test_dark_pixels();
    test_flat();
    test_deadtime();
    test_drift_line();
    return tap_done();
}
