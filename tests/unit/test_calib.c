/* Unit tests of the calibration file and of qcal's estimators, against values
 * worked out by hand in the comments. */
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "qcal_fit.h"
#include "qcal_peak.h"
#include "qcal_shift.h"
#include "rng.h"
#include "tap.h"

static qev_calib *parse(const char *text, int *rc)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    qev_calib *c = qev_calib_new();
    *rc = qev_calib_read(c, f, "test");
    fclose(f);
    return c;
}

static char *render(const qev_calib *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qev_calib_write(c, f);
    fclose(f);
    return buf;
}

static void test_read_write(void)
{
    const char *text = "qpipe-calibration 1\n"
                       "@qcal\t0.1.0\t2026-01-02T03:04:05Z\tqcal delays --ref 1 x.qev\n"
                       "# delays\n"
                       "created = 2026-01-02T03:04:05Z\n"
                       "delay.reference = 1\n"
                       "  delay.2   =  1234.5 ps +- 0.25 ps  \n"
                       "\n"
                       "dark.3 = 1.5 kHz +- 20 Hz\n";
    int rc;
    qev_calib *c = parse(text, &rc);
    tap_is_i64(rc, QEV_OK, "a calibration file reads");
    tap_is_i64((int64_t)qev_calib_count(c), 4, "four entries");
    tap_ok(strcmp(qev_calib_get(c, "delay.2"), "1234.5 ps +- 0.25 ps") == 0,
           "values are trimmed");
    tap_is_i64((int64_t)qev_calib_provenance_count(c), 1, "one provenance line");
    qev_calib_num n;
    tap_is_i64(qev_calib_number(c, "dark.3", &n), QEV_OK, "a rate parses");
    tap_near(n.value, 1500, 0, "1.5 kHz is 1500 Hz");
    tap_near(n.sigma, 20, 0, "its sigma in Hz");
    tap_is_i64(n.dim, QEV_DIM_RATE, "a rate");
    char *out = render(c);
    const char *want = "qpipe-calibration 1\n"
                       "@qcal\t0.1.0\t2026-01-02T03:04:05Z\tqcal delays --ref 1 x.qev\n"
                       "# delays\n"
                       "created = 2026-01-02T03:04:05Z\n"
                       "delay.reference = 1\n"
                       "delay.2 = 1234.5 ps +- 0.25 ps\n"
                       "dark.3 = 1.5 kHz +- 20 Hz\n";
    tap_ok(strcmp(out, want) == 0, "written back in order, comments kept");
    free(out);
    qev_calib_free(c);
}

static void test_bad_files(void)
{
    static const struct {
        const char *text, *what;
        int rc;
    } cases[] = {
        {"", "an empty file", QEV_EFORMAT},
        {"qpipe-partial 1 hist\n", "another kind of file", QEV_EFORMAT},
        {"qpipe-calibration 2\n", "a later version", QEV_EVERSION},
        {"qpipe-calibration\n", "no version", QEV_EFORMAT},
        {"qpipe-calibration 1\ndelay.2 1234\n", "a line without =", QEV_EFORMAT},
        {"qpipe-calibration 1\na b = 1\n", "a key with a space", QEV_EFORMAT},
        {"qpipe-calibration 1\nx = 1\nx = 2\n", "a key set twice", QEV_EFORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc;
        qev_calib *c = parse(cases[i].text, &rc);
        char name[96];
        snprintf(name, sizeof name, "refused: %s", cases[i].what);
        tap_is_i64(rc, cases[i].rc, name);
        qev_calib_free(c);
    }
}

static void test_numbers(void)
{
    qev_calib_num n;
    tap_is_i64(qev_calib_parse_number("-20 ns +- 3 ps", &n), QEV_OK, "ns with a ps sigma");
    tap_near(n.value, -20000, 0, "-20 ns is -20000 ps");
    tap_near(n.sigma, 3, 0, "sigma 3 ps");
    tap_is_i64(qev_calib_parse_number("2 +- 0.5 ppm", &n), QEV_OK, "a unit after the sigma");
    tap_ok(n.dim == QEV_DIM_RATIO && n.value == 2 && n.sigma == 0.5, "applies to both");
    tap_is_i64(qev_calib_parse_number("500 ppb", &n), QEV_OK, "ppb");
    tap_near(n.value, 0.5, 1e-15, "500 ppb is 0.5 ppm");
    tap_ok(isnan(n.sigma), "no sigma given");
    tap_is_i64(qev_calib_parse_number("1 ps +- 2 Hz", &n), QEV_EFORMAT, "units must agree");
    tap_is_i64(qev_calib_parse_number("12 parsecs", &n), QEV_EFORMAT, "unknown unit");
    tap_is_i64(qev_calib_parse_number("yes", &n), QEV_EFORMAT, "not a number");
    qev_calib *c = qev_calib_new();
    qev_calib_set_number(c, "a", 1234.51234, 0.31, "ps");
    qev_calib_set_number(c, "b", 5000.04, 42, "ps");
    qev_calib_set_number(c, "c", 1995005798226.0, NAN, "ps");
    /* two significant digits of sigma and one more: 0.31 -> 3 decimals, 42 -> 1 */
    tap_ok(strcmp(qev_calib_get(c, "a"), "1234.512 ps +- 0.310 ps") == 0, "digits from sigma");
    tap_ok(strcmp(qev_calib_get(c, "b"), "5000.0 ps +- 42.0 ps") == 0, "digits from sigma 42");
    tap_ok(strcmp(qev_calib_get(c, "c"), "1995005798226 ps") == 0, "whole numbers exactly");
    int64_t s;
    tap_is_i64(qev_calib_parse_utc("2023-11-14T22:13:20Z", &s), QEV_OK, "a UTC time");
    tap_is_i64(s, 1700000000, "as seconds since 1970");
    qev_calib_free(c);
}

static void test_sections_and_merge(void)
{
    char buf[64];
    qev_calib_section("delay.2", buf, sizeof buf);
    tap_ok(strcmp(buf, "delay") == 0, "delay.2 is in section delay");
    qev_calib_section("clock.5.knot.3.time", buf, sizeof buf);
    tap_ok(strcmp(buf, "clock.5") == 0, "a clock's section is per channel");
    qev_calib_section("created", buf, sizeof buf);
    tap_ok(strcmp(buf, "") == 0, "created belongs to the file");
    int rc;
    qev_calib *a = parse("qpipe-calibration 1\ndelay.reference = 1\ndelay.2 = 5 ps\n"
                         "delay.3 = 7 ps\ndark.1 = 10 Hz\nclock.2.offset = 1 ps\n",
                         &rc);
    qev_calib *b = parse("qpipe-calibration 1\ndelay.reference = 3\ndelay.4 = 9 ps\n"
                         "clock.4.offset = 2 ps\n",
                         &rc);
    qev_calib_merge(a, b);
    tap_ok(strcmp(qev_calib_get(a, "delay.reference"), "3") == 0, "the later reference");
    tap_ok(!qev_calib_get(a, "delay.2") && !qev_calib_get(a, "delay.3"),
           "delays against the old reference are gone");
    tap_ok(qev_calib_get(a, "delay.4") && qev_calib_get(a, "dark.1") &&
               qev_calib_get(a, "clock.2.offset") && qev_calib_get(a, "clock.4.offset"),
           "other sections are kept");
    tap_is_i64((int64_t)qev_calib_count(a), 5, "five entries");
    qev_calib_free(a);
    qev_calib_free(b);
}

static void test_identity(void)
{
    int rc;
    qev_calib *a = parse("qpipe-calibration 1\n# one\ndelay.2 = 5 ps\n", &rc);
    qev_calib *b = parse("qpipe-calibration 1\n@other\ndelay.2 = 5 ps\n", &rc);
    qev_calib *c = parse("qpipe-calibration 1\ndelay.2 = 6 ps\n", &rc);
    uint64_t fa = qev_calib_fingerprint(a);
    tap_ok(fa == qev_calib_fingerprint(b), "comments and provenance do not count");
    tap_ok(fa != qev_calib_fingerprint(c), "another value is another calibration");
    qev_meta *m = qev_meta_new();
    int any;
    tap_ok(!qev_calib_applied(m, fa, &any) && !any, "nothing applied yet");
    qev_calib_mark_applied(m, qev_calib_fingerprint(c));
    qev_calib_mark_applied(m, fa);
    tap_ok(qev_calib_applied(m, fa, &any) && any, "recorded as applied");
    tap_ok(qev_calib_applied(m, qev_calib_fingerprint(c), &any), "both are recorded");
    tap_ok(!qev_calib_applied(m, fa ^ 1, &any) && any, "another one is not");
    qev_meta_free(m);
    qev_calib_free(a);
    qev_calib_free(b);
    qev_calib_free(c);
}

static void test_clock(void)
{
    int rc;
    qev_calib *c = parse("qpipe-calibration 1\nclock.2.offset = 5 ns +- 1 ps\n"
                         "clock.2.drift = 2 ppm\n",
                         &rc);
    qev_calib_clock k;
    tap_is_i64(qev_calib_get_clock(c, 2, &k), QEV_OK, "a clock from offset and drift");
    /* 5000 ps at 0; 5000 + 2e-6 * 1e15 = 2000005000 ps at 1e15 ps */
    tap_ok(k.n == 2 && k.time[0] == 0 && k.delay[0] == 5000, "offset at time 0");
    tap_near(k.delay[1], 2000005000, 1e-3, "the delay 1000 s later");
    qev_calib_clock_free(&k);
    tap_is_i64(qev_calib_get_clock(c, 3, &k), QEV_END, "channel 3 has no clock");
    qev_calib_free(c);
    c = parse("qpipe-calibration 1\nclock.2.knots = 2\nclock.2.knot.0.time = 10 ps\n"
              "clock.2.knot.0.delay = 1 ps\nclock.2.knot.1.time = 5 ps\n"
              "clock.2.knot.1.delay = 1 ps\n",
              &rc);
    tap_is_i64(qev_calib_get_clock(c, 2, &k), QEV_EFORMAT, "knot times must increase");
    qev_calib_free(c);
    int64_t delay[65536] = {0};
    uint8_t set[65536] = {0};
    c = parse("qpipe-calibration 1\ndelay.2 = 1234.5 ps\ndelay.7 = -20 ns\ndelay.x = 3 ps\n"
              "delay.2.snr = 40\n",
              &rc);
    tap_is_i64(qev_calib_delays(c, delay, set), 2, "two delays");
    tap_ok(delay[2] == 1235 && delay[7] == -20000 && set[2] && set[7] && !set[3],
           "rounded to whole ps (1234.5 rounds away from zero)");
    qev_calib_free(c);
}

/* ---- estimators ---- */

static void test_centroid(void)
{
    /* counts 1 at 100 ps and 3 at 101 ps: mean (100 + 303) / 4 = 100.75; the
     * spread 0.1875 ps^2 is below the 1 ps quantum, so sigma is 1/sqrt(12). */
    uint64_t h[201] = {0};
    h[100] = 1;
    h[101] = 3;
    qcal_peak_opts o = {1, 10, 3, 1};
    qcal_peak p;
    qcal_centroid(h, 201, 0, 100.5, 1, 0, &o, &p);
    tap_ok(p.found, "a centroid");
    tap_near(p.delay, 100.75, 1e-12, "centroid of two bins");
    tap_near(p.sigma_delay, 1 / sqrt(12), 1e-12, "quantisation floor");
    tap_near(p.counts, 4, 1e-12, "net counts");
    for (size_t i = 0; i < 201; i++)
        h[i] += 2;
    qcal_centroid(h, 201, 0, 100.5, 1, 2, &o, &p);
    tap_near(p.delay, 100.75, 1e-12, "the same above a flat background of 2");
    /* bins of 4 ps centred on first + 4i hold delays c-2 .. c+1: mean c - 0.5 */
    uint64_t g[11] = {0};
    g[5] = 10;
    qcal_peak_opts o4 = {4, 8, 3, 4};
    qcal_centroid(g, 11, -20, 0, 4, 0, &o4, &p);
    tap_near(p.delay, -0.5, 1e-12, "a 4 ps bin stands at the mean of its delays");
}

static void test_find_peak(void)
{
    /* A Gaussian of sd 40 ps at 1234.5 ps, rounded symmetrically, on 5 per
     * bin, over +-30 ns: the centroid is 1234.5 to rounding. */
    enum { HALF = 30000, N = 2 * HALF + 1 };
    uint64_t *h = malloc(N * sizeof *h);
    for (int i = 0; i < N; i++) {
        double t = i - HALF - 1234.5;
        h[i] = 5 + (uint64_t)floor(1000 * exp(-t * t / (2 * 40.0 * 40.0)) + 0.5);
    }
    qcal_peak_opts o = {1, 40, 3, 1};
    qcal_peak p;
    tap_is_i64(qcal_find_peak(h, N, -HALF, &o, &p), QEV_OK, "find the peak");
    tap_ok(p.found && !p.at_edge && p.snr > 50, "found, significant");
    tap_near(p.delay, 1234.5, 0.01, "at 1234.5 ps");
    tap_near(p.width, 40, 1, "sd about 40 ps");
    /* pulsed: side peaks of 200 every 12.5 ns, the true one of 600 at -3 ns */
    memset(h, 0, N * sizeof *h);
    for (int k = -2; k <= 2; k++)
        for (int d = -50; d <= 50; d++)
            h[HALF - 3000 + k * 12500 + d] += k == 0 ? 6 : 2;
    tap_is_i64(qcal_find_peak(h, N, -HALF, &o, &p), QEV_OK, "a comb of replicas");
    tap_near(p.delay, -3000, 1e-9, "the peak that stands out, not a replica");
    tap_ok(p.replicas >= 2, "the replicas were seen");
    free(h);
}

static void test_deadtime(void)
{
    /* d(i) = 1000 + 5 (i - 1): k = 10 gives 2 d(10) - d(20) = 2*1045 - 1095 =
     * 995; 200 intervals of mean 1995 give g = (1995 - 995)/200 = 5, sigma =
     * sqrt(2 * 10 * 25); a 4 ps quantum adds 16/12 */
    int64_t d[20];
    for (int i = 0; i < 20; i++)
        d[i] = 1000 + 5 * i;
    double tau, sigma;
    tap_is_i64(qcal_deadtime(d, 20, 10, 1, 200, 1995, &tau, &sigma), QEV_OK, "dead time");
    tap_near(tau, 995, 1e-12, "2 d(k) - d(2k)");
    tap_near(sigma, sqrt(500), 1e-12, "sigma sqrt(2k) g");
    qcal_deadtime(d, 20, 10, 4, 200, 1995, &tau, &sigma);
    tap_near(sigma, sqrt(500 + 16.0 / 12), 1e-12, "the quantum's share");
    tap_is_i64(qcal_deadtime(d, 19, 10, 1, 200, 1995, &tau, &sigma), QEV_EINVAL,
               "too few intervals");
    qcal_smallest s;
    qcal_smallest_init(&s, 4);
    int64_t in[] = {50, 7, 9, 100, 3, 8, 2, 60};
    for (size_t i = 0; i < 8; i++)
        if (qcal_smallest_wants(&s, in[i]))
            qcal_smallest_add(&s, in[i]);
    size_t n;
    const int64_t *v = qcal_smallest_sorted(&s, &n);
    tap_ok(n == 4 && v[0] == 2 && v[1] == 3 && v[2] == 7 && v[3] == 8, "the four smallest");
    qcal_smallest_free(&s);
}

static void test_spline(void)
{
    /* y = 3 + 2e-6 t exactly: a two-knot fit has zero chi-square */
    double t[5], y[5], s[5] = {1, 1, 1, 1, 1}, knots[3] = {0, 2e6, 4e6};
    for (int i = 0; i < 5; i++) {
        t[i] = 1e6 * i;
        y[i] = 3 + 2e-6 * t[i];
    }
    qcal_spline f;
    double k2[2] = {0, 4e6}, down[2] = {4e6, 0};
    tap_is_i64(qcal_spline_fit(t, y, s, 5, down, 2, &f), QEV_EINVAL, "knots must increase");
    tap_is_i64(qcal_spline_fit(t, y, s, 5, k2, 2, &f), QEV_OK, "a line");
    tap_near(f.beta[0], 3, 1e-9, "value at the first knot");
    tap_near(f.beta[1], 11, 1e-9, "value at the last knot");
    tap_near(f.chi2, 0, 1e-12, "exact data, no chi-square");
    /* the mean of 5 points of sd 1 at the middle has variance 1/5 */
    tap_near(qcal_spline_sigma(&f, 2e6), sqrt(0.2), 1e-9, "sigma at the middle");
    qcal_spline_free(&f);
    /* a kink at 2e6: y = t/1e6 up to 2, then flat at 2 */
    for (int i = 0; i < 5; i++)
        y[i] = t[i] < 2e6 ? t[i] / 1e6 : 2;
    tap_is_i64(qcal_spline_fit(t, y, s, 5, knots, 3, &f), QEV_OK, "three knots");
    tap_ok(fabs(f.beta[0]) < 1e-9 && fabs(f.beta[1] - 2) < 1e-9 && fabs(f.beta[2] - 2) < 1e-9,
           "the kink is followed exactly");
    qcal_spline_free(&f);
    tap_near(qcal_chi2_pvalue(10, 10), 0.44, 0.01, "p of chi2 10 with 10 dof");
}

static int by_time(const void *a, const void *b)
{
    const qev_event *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

static void test_shift(void)
{
    enum { N = 20000 };
    qev_event *in = malloc(N * sizeof *in), *want = malloc(N * sizeof *want);
    qev_event *got = malloc(N * sizeof *got);
    qev_rng r;
    qev_rng_seed(&r, 7);
    int64_t t = 0;
    for (int i = 0; i < N; i++) {
        uint64_t u = qev_rng_u64(&r);
        t += (int64_t)(u % 900);
        in[i] = (qev_event){t, (uint16_t)(1 + (u >> 40) % 3), 0, QEV_F_PIXEL,
                            qev_pixel_aux((uint16_t)(u >> 50 & 3), 0)};
    }
    /* channel 2 shifted by +20000 ps (earlier), 3 by -1234 (later) and
     * renamed 9; pixel (1, 0) of channel 1 masked */
    qcal_shift *s = qcal_shift_new();
    qcal_shift_set_delay(s, 2, 20000);
    qcal_shift_set_delay(s, 3, -1234);
    qcal_shift_rename(s, 3, 9);
    qcal_shift_mask_pixel(s, 1, qev_pixel_aux(1, 0));
    size_t nw = 0;
    for (int i = 0; i < N; i++) {
        qev_event e = in[i];
        if (e.channel == 1 && e.aux == qev_pixel_aux(1, 0))
            continue;
        e.t -= e.channel == 2 ? 20000 : e.channel == 3 ? -1234 : 0;
        e.channel = e.channel == 3 ? 9 : e.channel;
        want[nw++] = e;
    }
    qsort(want, nw, sizeof *want, by_time);
    size_t ng = 0;
    const qev_event *out;
    int ordered = 1;
    for (int i = 0; i < N; i += 997) {
        size_t n = i + 997 > N ? N - (size_t)i : 997;
        qcal_shift_add(s, in + i, n);
        size_t k = qcal_shift_ready(s, &out);
        memcpy(got + ng, out, k * sizeof *out);
        ng += k;
    }
    qcal_shift_finish(s);
    size_t k = qcal_shift_ready(s, &out);
    memcpy(got + ng, out, k * sizeof *out);
    ng += k;
    for (size_t i = 1; i < ng; i++)
        ordered &= got[i].t >= got[i - 1].t;
    tap_ok(ordered, "output in time order");
    tap_is_i64((int64_t)ng, (int64_t)nw, "every event but the masked ones");
    tap_is_i64((int64_t)qcal_shift_masked(s), (int64_t)(N - nw), "masked counted");
    int same = ng == nw;
    for (size_t i = 0; same && i < ng; i++)
        same = got[i].t == want[i].t;
    tap_ok(same, "the times a sort of the shifted events gives");
    tap_ok(qcal_shift_add(s, in + 5, 1) == QEV_OK && qcal_shift_add(s, in, 1) == QEV_EINVAL,
           "input that goes back is refused");
    qcal_shift_free(s);
    /* a clock through (R, T) = (1000, 0) and (1000 + 2e6 + 2, 2e6): slope
     * 2e6 / (2e6 + 2); t = 1001001 maps to (1000001) * 2e6 / 2000002 =
     * 1000000.0 to the nearest ps */
    s = qcal_shift_new();
    int64_t rec[2] = {1000, 2001002}, ref[2] = {0, 2000000};
    tap_is_i64(qcal_shift_set_clock(s, 4, rec, ref, 2), QEV_OK, "a clock");
    tap_is_i64(qcal_shift_map(s, 4, 1001001), 1000000, "mapped through the clock");
    tap_near(qcal_shift_inverse(s, 4, 1000000), 1001001, 1e-6, "and back");
    tap_is_i64(qcal_shift_map(s, 4, 1000), 0, "the first point");
    int64_t bad[2] = {5, 5};
    tap_is_i64(qcal_shift_set_clock(s, 4, bad, ref, 2), QEV_EINVAL, "points must increase");
    qcal_shift_free(s);
    free(in);
    free(want);
    free(got);
}

/* Feeds in through the shift in chunks of `chunk`, the output's aux
 * fields into got; returns how many came out. */
static size_t shift_through(qcal_shift *s, const qev_event *in, size_t n, size_t chunk,
                            uint32_t *got)
{
    size_t ng = 0, k;
    const qev_event *out;
    for (size_t i = 0; i < n; i += chunk) {
        qcal_shift_add(s, in + i, i + chunk > n ? n - i : chunk);
        k = qcal_shift_ready(s, &out);
        for (size_t j = 0; j < k; j++)
            got[ng++] = out[j].aux;
    }
    qcal_shift_finish(s);
    k = qcal_shift_ready(s, &out);
    for (size_t j = 0; j < k; j++)
        got[ng++] = out[j].aux;
    return ng;
}

static int same_order(const uint32_t *got, size_t ng, const uint32_t *want, size_t nw)
{
    if (ng != nw)
        return 0;
    for (size_t i = 0; i < nw; i++)
        if (got[i] != want[i])
            return 0;
    return 1;
}

static void test_shift_ties(void)
{
    /* ch2 t' = t - 10, ch3 t' = t + 100: aux numbers the input. 1 (-5) goes
     * before 0 (0); 3 and 4 both land on 10, and 2, 5 and 6 on 110: equal
     * times leave in the order they came in. */
    qev_event in[8] = {{0, 1, 0, 0, 0},   {5, 2, 0, 0, 1},   {10, 3, 0, 0, 2},
                       {10, 1, 0, 0, 3},  {20, 2, 0, 0, 4},  {110, 1, 0, 0, 5},
                       {120, 2, 0, 0, 6}, {130, 1, 0, 0, 7}};
    uint32_t want[8] = {1, 0, 3, 4, 2, 5, 6, 7}, got[8];
    for (size_t chunk = 1; chunk <= 8; chunk++)
        for (size_t batch = 1; batch <= 5; batch += 2) {
            qcal_shift *s = qcal_shift_new();
            qcal_shift_set_delay(s, 2, 10);
            qcal_shift_set_delay(s, 3, -100);
            qcal_shift_set_batch(s, batch);
            size_t ng = shift_through(s, in, 8, chunk, got);
            if (!tap_ok(same_order(got, ng, want, 8), "ties keep their order of arrival"))
                printf("# chunk %zu batch %zu\n", chunk, batch);
            qcal_shift_free(s);
        }
}

static void test_shift_far(void)
{
    /* ch1 every 10 ps (aux k = 0..299); ch4, 1000 ps late (t' = t + 1000),
     * at 5 (aux 1000, lands at 1005, 100 events on) and at 1000 after ch1's
     * event there (aux 1001, lands at 2000 beside ch1's k = 200, which came
     * later). Events that go back 100 places wait beside lane 0, and the
     * later of a tie still leaves last: k = 0..100, 1000, k = 101..199, 1001,
     * k = 200..299. */
    qev_event in[302];
    uint32_t want[302], got[302];
    size_t n = 0, nw = 0;
    for (uint32_t k = 0; k < 300; k++) {
        in[n++] = (qev_event){10 * (int64_t)k, 1, 0, 0, k};
        if (k == 0 || k == 100)
            in[n++] = (qev_event){k == 0 ? 5 : 1000, 4, 0, 0, k == 0 ? 1000 : 1001};
    }
    for (uint32_t k = 0; k < 300; k++) {
        want[nw++] = k;
        if (k == 100 || k == 199)
            want[nw++] = k == 100 ? 1000 : 1001;
    }
    size_t chunks[3] = {1, 7, 302}, batches[3] = {1, 64, 1000};
    for (size_t c = 0; c < 3; c++)
        for (size_t b = 0; b < 3; b++) {
            qcal_shift *s = qcal_shift_new();
            qcal_shift_set_delay(s, 4, -1000);
            qcal_shift_set_batch(s, batches[b]);
            size_t ng = shift_through(s, in, n, chunks[c], got);
            if (!tap_ok(same_order(got, ng, want, nw), "a channel far behind merges back in order"))
                printf("# chunk %zu batch %zu\n", chunks[c], batches[b]);
            qcal_shift_free(s);
        }
}

static int64_t shifted_time(const qev_event *e)
{
    return e->t - (e->channel == 2 ? -3000000 : e->channel == 3 ? 700 : 0);
}

static int by_shifted_time(const void *a, const void *b)
{
    const qev_event *x = a, *y = b;
    int64_t tx = shifted_time(x), ty = shifted_time(y);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return x->aux < y->aux ? -1 : x->aux > y->aux;
}

static void test_shift_batches(void)
{
    /* 300000 events 0..19 ps apart (ties within and across channels); ch2
     * 3 us late, about 300000 events on, beyond a block of 65536; ch3 700
     * ps early. Against a sort by corrected time, ties by arrival. */
    enum { N = 300000 };
    qev_event *in = malloc(N * sizeof *in), *want = malloc(N * sizeof *want);
    uint32_t *got = malloc(N * sizeof *got), *order = malloc(N * sizeof *order);
    qev_rng r;
    qev_rng_seed(&r, 11);
    int64_t t = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint64_t u = qev_rng_u64(&r);
        t += (int64_t)(u % 20);
        in[i] = (qev_event){t, (uint16_t)(1 + (u >> 40) % 3), 0, 0, i};
    }
    memcpy(want, in, N * sizeof *in);
    qsort(want, N, sizeof *want, by_shifted_time);
    for (size_t i = 0; i < N; i++)
        order[i] = want[i].aux;
    size_t batches[2] = {1, 65536};
    for (size_t b = 0; b < 2; b++) {
        qcal_shift *s = qcal_shift_new();
        qcal_shift_set_delay(s, 2, -3000000);
        qcal_shift_set_delay(s, 3, 700);
        qcal_shift_set_batch(s, batches[b]);
        size_t ng = shift_through(s, in, N, 65536, got);
        tap_ok(same_order(got, ng, order, N), "blocks of events in order, ties by arrival");
        qcal_shift_free(s);
    }
    free(in);
    free(want);
    free(got);
    free(order);
}

static void test_hot(void)
{
    /* 9 pixels with 10..18 counts and one of 1000: median 14.5, MAD 2.5 ->
     * robust sd 3.7065 < sqrt(14.5) = 3.808; threshold 14.5 + 10 * 3.808 */
    double c[10] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 1000}, m;
    double thr = qcal_hot_threshold(c, 10, 10, &m);
    tap_near(m, 14.5, 1e-12, "median pixel");
    tap_near(thr, 14.5 + 10 * sqrt(14.5), 1e-9, "Poisson spread wins over a small MAD");
}

int main(void)
{
    test_read_write();
    test_bad_files();
    test_numbers();
    test_sections_and_merge();
    test_identity();
    test_clock();
    test_centroid();
    test_find_peak();
    test_deadtime();
    test_spline();
    test_shift();
    test_shift_ties();
    test_shift_far();
    test_shift_batches();
    test_hot();
    return tap_done();
}
