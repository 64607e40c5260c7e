/* The measurements qcal delays, efficiency, diff and apply make from a
 * stream or a calibration (lib/cal), on inputs whose answer is known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib_apply.h"
#include "calib_diff.h"
#include "delays.h"
#include "efficiency.h"
#include "tap.h"

static qev_event photon(int64_t t, uint16_t ch) { return (qev_event){t, ch, QEV_PHOTON, 0, 0}; }

static int by_time(const void *a, const void *b)
{
    const qev_event *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

/* 2000 pairs 1 us apart: channel 2 at t + 1234 and channel 3 at t - 7000,
 * each with jitter -20, -10, 0, +10, +20 ps in turn, so that each peak is
 * centred on its delay exactly. */
static size_t pairs_stream(qev_event *ev)
{
    size_t n = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t t = 1000000 + 1000000 * (int64_t)i, j = 10 * (i % 5 - 2);
        ev[n++] = photon(t, 1);
        ev[n++] = photon(t + 1234 + j, 2);
        ev[n++] = photon(t - 7000 - j, 3);
    }
    qsort(ev, n, sizeof *ev, by_time);
    return n;
}

static void test_delay_channels(void)
{
    qev_event ev[] = {photon(0, 5), photon(1, 1), photon(2, 3), {3, 7, QEV_MARKER, 0, 0}};
    uint16_t ch[QCAL_DELAYS_MAX];
    size_t n;
    qev_filter *f = qev_filter_new();
    qcal_delays_channels(ev, 4, 1, f, ch, &n);
    tap_ok(n == 2 && ch[0] == 3 && ch[1] == 5, "the photon channels but the reference");
    qev_filter_add_channels(f, "1,2,9");
    qcal_delays_channels(ev, 4, 1, f, ch, &n);
    tap_ok(n == 2 && ch[0] == 2 && ch[1] == 9, "or those of -C");
    qev_filter_free(f);
    f = qev_filter_new();
    qev_filter_add_channels(f, "0-32");
    tap_is_i64(qcal_delays_channels(ev, 4, 1, f, ch, &n), QEV_EINVAL, "at most 31 channels");
    qev_filter_free(f);
}

static qcal_delays *delays_of(const qev_event *ev, size_t n, int64_t range)
{
    uint16_t ch[] = {2, 3};
    qcal_delays_opts o = {1, ch, 2, range, 0, 3, 5, 1};
    qcal_delays *d = qcal_delays_new(&o);
    qcal_delays_add(d, ev, n);
    qcal_delays_finish(d);
    return d;
}

static void test_delays(void)
{
    qev_event *ev = malloc(6000 * sizeof *ev);
    size_t n = pairs_stream(ev), k;
    qcal_delays *d = delays_of(ev, n, 20000);
    const qcal_delay *r = qcal_delays_result(d, &k);
    tap_is_i64(qcal_delays_bin(d), 1, "+-20 ns fits 1 ps bins");
    tap_ok(k == 2 && r[0].significant && r[1].significant, "two significant peaks");
    tap_near(r[0].pk.delay, 1234, 1e-9, "channel 2 at +1234 ps");
    tap_near(r[1].pk.delay, -7000, 1e-9, "channel 3 at -7000 ps");
    /* sd sqrt(200) ps of 2000 pairs: sigma sqrt(200 / 2000) */
    tap_near(r[0].pk.sigma_delay, sqrt(0.1), 1e-6, "sigma = sd / sqrt(counts)");
    qcal_delays_free(d);

    /* +-10 ms needs coarse bins; the second pass at 1 ps finds the same. */
    d = delays_of(ev, n, 10000000000);
    tap_ok(qcal_delays_bin(d) > 1000, "+-10 ms is searched at coarse bins first");
    tap_is_i64(qcal_delays_refine_start(d), QEV_OK, "a second pass");
    qcal_delays_refine_add(d, ev, n);
    tap_is_i64(qcal_delays_refine_finish(d), QEV_OK, "refined");
    r = qcal_delays_result(d, &k);
    tap_ok(fabs(r[0].pk.delay - 1234) < 1e-6 && fabs(r[1].pk.delay + 7000) < 1e-6,
           "the refined delays are exact");
    tap_ok(r[0].significant && r[1].significant, "and significant");
    qcal_delays_free(d);

    qev_event back[] = {photon(10, 1), photon(5, 2)};
    d = delays_of(back, 0, 20000);
    tap_is_i64(qcal_delays_add(d, back, 2), QEV_EINVAL, "time going back is refused");
    qcal_delays_free(d);
    free(ev);
}

/* 1000 heralds on channel 1, 1 us apart; channel 2 sees the partners of 600
 * of them 3 ns later, and 200 lone clicks half way between heralds. */
static size_t herald_stream(qev_event *ev)
{
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t t = 1000000 * (int64_t)(i + 1);
        ev[n++] = photon(t, 1);
        if (i % 5 < 3)
            ev[n++] = photon(t + 3000, 2);
        if (i % 5 == 3)
            ev[n++] = photon(t + 500000, 2);
    }
    return n;
}

static void test_efficiency(void)
{
    qev_event ev[2000];
    size_t n = herald_stream(ev);
    qcal_efficiency_opts o = {1, 2, 100000, 0, 3, 5, 1};
    qcal_efficiency *e = qcal_efficiency_new(&o);
    qcal_efficiency_add(e, ev, n);
    qcal_peak pk;
    tap_is_i64(qcal_efficiency_peak(e, &pk), QEV_OK, "the coincidence peak");
    tap_near(pk.delay, 3000, 1e-9, "at 3 ns");
    tap_is_i64(qcal_efficiency_window(0), 11, "a window of +-5 ps for a sharp peak");
    tap_is_i64(qcal_efficiency_window(40.3), 2 * 202 + 1, "+-5 sd, rounded up");
    qcal_efficiency_params p = {pk.delay, 11, 20000, 0, -1, {{0, 0}, {0, 0}}};
    qcal_efficiency_result r;
    tap_is_i64(qcal_efficiency_measure(e, &p, &r), QEV_OK, "measured");
    /* Accidentals: 1000 x 800 x 11 ps / T, T = 999 us from the first
     * herald to the last. */
    double T = 999000000, A = 1000.0 * 800 * 11 / T;
    tap_near(r.st.coincidences, 600, 0, "600 coincidences");
    tap_near(r.st.accidentals, A, 1e-9, "the accidentals from the singles");
    tap_near(r.arm[1].eta, (600 - A) / 1000, 1e-12, "arm 2, heralded by 1's 1000 singles");
    tap_near(r.arm[0].eta, (600 - A) / 800, 1e-12, "arm 1, heralded by 2's 800 singles");
    /* 100 kHz of dark counts on 1 remove 99.9 of the 1000 heralds. */
    p.dark[0] = (qcal_rate){100000, 0};
    qcal_efficiency_measure(e, &p, &r);
    tap_near(r.arm[1].eta, (600 - A) / (1000 - 100000 * T * 1e-12), 1e-12,
             "dark counts of the heralding arm leave the heralds");
    p.accidental_delay = 200000;
    tap_is_i64(qcal_efficiency_measure(e, &p, &r), QEV_EINVAL, "a delayed window beyond range");
    tap_ok(qcal_efficiency_reach(&p) > 100000, "and the reach it needs");
    qcal_efficiency_free(e);
}

static qev_calib *calib_of(const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    qev_calib *c = qev_calib_new();
    qev_calib_read(c, f, "test");
    fclose(f);
    return c;
}

static void test_diff(void)
{
    qev_calib *a = calib_of("qpipe-calibration 1\ncreated = 2026-01-01T00:00:00Z\n"
                            "delay.2 = 1000.0 ps +- 0.3 ps\nnote = x\ndark.1 = 5 Hz\n");
    qev_calib *b = calib_of("qpipe-calibration 1\ncreated = 2026-01-11T00:00:00Z\n"
                            "delay.2 = 1002.0 ps +- 0.4 ps\nnote = y\ndark.1 = 5 ps\n");
    qev_calib_change c;
    qev_calib_compare(a, b, "delay.2", &c);
    tap_ok(c.numeric && c.dim == QEV_DIM_TIME, "a time that changed");
    tap_near(c.change, 2, 1e-9, "+2 ps");
    tap_near(c.per_day, 0.2, 1e-9, "over 10 days: 0.2 ps a day");
    tap_near(c.sigmas, 4, 1e-9, "2 / sqrt(0.3^2 + 0.4^2) = 4 sigma");
    qev_calib_compare(a, b, "note", &c);
    tap_ok(!c.numeric && !strcmp(c.old_text, "x") && !strcmp(c.new_text, "y"), "a text change");
    qev_calib_compare(a, b, "dark.1", &c);
    tap_ok(!c.numeric && isnan(c.change), "a rate and a time do not compare");
    qev_calib_compare(a, b, "delay.9", &c);
    tap_ok(!c.old_text && !c.new_text && isnan(c.sigmas), "an absent key");
    tap_ok(qev_calib_bookkeeping("created") && qev_calib_bookkeeping("delay.measured") &&
               qev_calib_bookkeeping("flat.2.source") && !qev_calib_bookkeeping("delay.2"),
           "bookkeeping keys");
    qev_calib_free(a);
    qev_calib_free(b);
}

static void test_apply(void)
{
    qev_calib *c = calib_of("qpipe-calibration 1\ndelay.2 = 4.6 ps\ndelay.5 = -3 ps\n"
                            "rename.3 = 9\nmask.1.2.3 = 1\nhot.1.4.0 = 2 Hz\n"
                            "clock.5.offset = 1000 ps\nclock.5.drift = 0 ppm\n");
    qcal_shift *s = qcal_shift_new();
    qcal_corrections n;
    char why[200];
    tap_is_i64(qcal_shift_from_calib(s, c, &n, why, sizeof why), QEV_OK, "corrections set");
    tap_ok(n.delays == 2 && n.clocks == 1 && n.renames == 1 && n.masks == 2, "counted");
    tap_is_i64(qcal_shift_map(s, 2, 100000), 100000 - 5, "t - round(4.6 ps)");
    tap_is_i64(qcal_shift_map(s, 5, 100000), 100000 - 1000, "the clock wins over the delay");
    qcal_shift_free(s);
    qev_calib_free(c);
    c = calib_of("qpipe-calibration 1\nrename.2 = x\n");
    s = qcal_shift_new();
    tap_is_i64(qcal_shift_from_calib(s, c, &n, why, sizeof why), QEV_EFORMAT, "a bad rename");
    tap_ok(strcmp(why, "rename.2 = x is not a channel number") == 0, "says why");
    qcal_shift_free(s);
    qev_calib_free(c);
}

int main(void)
{
    test_delay_channels();
    test_delays();
    test_efficiency();
    test_diff();
    test_apply();
    return tap_done();
}
