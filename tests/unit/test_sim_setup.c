/* Unit tests of the simulation's set-up: channel roles, the common quantum of
 * the taggers (against the times a simulation records), a Poisson process
 * that ends (against theory), single-pixel pattern counts and durations, and
 * objects from image files, each against values worked out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_object.h"
#include "tap.h"

static void test_roles(void)
{
    tap_ok(strcmp(qev_sim_channel_role(QEV_SIM_SPDC, 0), "sync") == 0 &&
               strcmp(qev_sim_channel_role(QEV_SIM_SPDC, 1), "signal") == 0 &&
               strcmp(qev_sim_channel_role(QEV_SIM_SPDC, 2), "idler") == 0,
           "spdc: sync, signal, idler");
    tap_ok(strcmp(qev_sim_channel_role(QEV_SIM_THERMAL, 1), "transmitted") == 0 &&
               strcmp(qev_sim_channel_role(QEV_SIM_EMITTER, 2), "reflected") == 0,
           "the splitter's ports: transmitted on 1, reflected on 2");
    tap_ok(strcmp(qev_sim_channel_role(QEV_SIM_GHOST, 2), "spad_array") == 0 &&
               strcmp(qev_sim_channel_role(QEV_SIM_SPI, 0), "pattern_marker") == 0,
           "ghost's array on 2, spi's markers on 0");
    tap_ok(strcmp(qev_sim_channel_role(QEV_SIM_SPI, 2), "") == 0 &&
               strcmp(qev_sim_channel_role(QEV_SIM_GHOST, 5), "") == 0,
           "channels a setup does not use have no role");
}

/* The gcd of the quanta in use, and no larger: every recorded time is a
 * multiple of it, and not every one of a multiple of twice it. */
static void test_common_quantum(void)
{
    qev_sim_config c;
    qev_sim_config_default(&c, QEV_SIM_SPDC);
    c.duration_ps = 2000000000;
    c.tagger[1].res_ps = 4;
    c.tagger[2].res_ps = 6;
    c.det[2].tagger = 2;
    tap_is_i64(qev_sim_common_quantum(&c), 2, "4 ps and 6 ps taggers: 2 ps");
    qev_sim *s = qev_sim_new(&c);
    const qev_event *ev;
    size_t n, total = 0, odd_half = 0, off = 0;
    while ((n = qev_sim_next(s, &ev, 4096)) > 0) {
        for (size_t i = 0; i < n; i++) {
            off += ev[i].t % 2 != 0;
            odd_half += ev[i].t % 4 != 0;
        }
        total += n;
    }
    qev_sim_free(s);
    tap_ok(total > 100 && off == 0, "every recorded time is a multiple of 2 ps");
    tap_ok(odd_half > 0, "and some are not of 4 ps");

    c.det[1].tagger = 2;
    tap_is_i64(qev_sim_common_quantum(&c), 6, "both channels on the 6 ps tagger: 6 ps");
    c.sync = 1;
    tap_is_i64(qev_sim_common_quantum(&c), 2, "a sync recorded by the 4 ps tagger: 2 ps");
    qev_sim_config_default(&c, QEV_SIM_SPI);
    c.tagger[1].res_ps = 10;
    c.tagger[3].res_ps = 15;
    c.det[1].tagger = 3;
    tap_is_i64(qev_sim_common_quantum(&c), 5, "spi: markers at 10 ps, bucket at 15 ps: 5 ps");
}

/* 1 MHz for 20 ms: 20000 events on average, sd 141; the same events as the
 * process without an end, up to it. */
static void test_poisson_before(void)
{
    enum { N = 40000 };
    const int64_t end = 20000000000;
    qev_event *ev = malloc(N * sizeof *ev), *all = malloc(N * sizeof *all);
    double rate = 1e6;
    uint16_t ch = 1;
    qev_poisson p;
    qev_poisson_init(&p, &rate, &ch, 1, 1, 3);
    size_t n = qev_poisson_fill_before(&p, ev, N, end);
    tap_near((double)n, 20000, 5 * sqrt(20000), "the count within 5 sigma of R T");
    tap_ok(n < N && ev[n - 1].t < end, "every event lies before the end");
    qev_poisson_init(&p, &rate, &ch, 1, 1, 3);
    qev_poisson_fill(&p, all, N);
    tap_ok(memcmp(ev, all, n * sizeof *ev) == 0 && all[n].t >= end,
           "the events of the endless process, up to its first at or after the end");
    qev_poisson_init(&p, &rate, &ch, 1, 1, 3);
    tap_is_i64((int64_t)qev_poisson_fill_before(&p, ev, 100, INT64_MAX), 100,
               "without an end, as many as asked");
    free(ev);
    free(all);
}

static void test_pattern_count(void)
{
    uint64_t k, ten = 10, zero = 0, big = 65;
    tap_ok(qev_spi_pattern_count(QEV_SPI_HADAMARD, 64, 0, NULL, 0, &k) == QEV_OK && k == 64,
           "all 64 patterns of an 8x8 basis");
    tap_ok(qev_spi_pattern_count(QEV_SPI_HADAMARD, 64, 0, &ten, 0, &k) == QEV_OK && k == 10,
           "--count 10");
    tap_ok(qev_spi_pattern_count(QEV_SPI_HADAMARD, 64, 0, NULL, 0.1, &k) == QEV_OK && k == 7,
           "a share of 0.1 of 64: 6.4 rounded up to 7");
    tap_ok(qev_spi_pattern_count(QEV_SPI_HADAMARD, 64, 0, &big, 0, &k) == QEV_EINVAL && k == 65,
           "65 patterns of a 64-pattern basis are refused");
    tap_ok(qev_spi_pattern_count(QEV_SPI_RANDOM, 64, 0, &big, 0, &k) == QEV_OK && k == 65,
           "65 random patterns of 64 pixels are fine");
    tap_ok(qev_spi_pattern_count(QEV_SPI_RANDOM, 64, 0, &zero, 0, &k) == QEV_EINVAL,
           "no pattern is refused");
    tap_ok(qev_spi_pattern_count(QEV_SPI_FILE, 4, 8, NULL, 0, &k) == QEV_OK && k == 8,
           "a file's 8 patterns of 4 pixels");
    tap_ok(qev_spi_pattern_count(QEV_SPI_FILE, 4, 8, NULL, 0.5, &k) == QEV_OK && k == 2,
           "a share of 0.5 of a file's patterns of 4 pixels: 2");
    tap_ok(qev_spi_pattern_count(QEV_SPI_FILE, 4, 8, &ten, 0, &k) == QEV_EINVAL,
           "more than the file holds is refused");
}

static void test_spi_duration(void)
{
    int64_t d = 0;
    tap_ok(qev_spi_duration(128, 1000000000, &d) == QEV_OK && d == 128000000000,
           "128 measurements of 1 ms: 128 ms");
    tap_ok(qev_spi_duration(4, QEV_SIM_MAX_DURATION_PS / 4, &d) == QEV_OK &&
               d == QEV_SIM_MAX_DURATION_PS / 4 * 4,
           "up to the longest simulation");
    tap_ok(qev_spi_duration(5, QEV_SIM_MAX_DURATION_PS / 4, &d) == QEV_EINVAL,
           "longer is refused");
}

static void test_transmissions(void)
{
    qev_image im;
    char why[128];
    qev_image_alloc(&im, 3, 1, why, sizeof why);
    im.maxval = 255;
    im.px[0] = 0, im.px[1] = 51, im.px[2] = 255;
    tap_ok(qev_sim_transmissions(&im, why, sizeof why) == QEV_OK && im.px[0] == 0 &&
               fabs(im.px[1] - 0.2) < 1e-15 && im.px[2] == 1,
           "8-bit samples over 255: 0, 0.2, 1");
    im.px[1] = 300;
    tap_ok(qev_sim_transmissions(&im, why, sizeof why) == QEV_EINVAL &&
               strcmp(why, "transmission value 300 at x 1, y 0 is outside [0, 1]") == 0,
           "a sample above the full scale is refused, by value and place");
    im.maxval = 0;
    im.px[0] = 0.5, im.px[1] = 1, im.px[2] = -0.25;
    tap_ok(qev_sim_transmissions(&im, why, sizeof why) == QEV_EINVAL && im.px[0] == 0.5 &&
               strcmp(why, "transmission value -0.25 at x 2, y 0 is outside [0, 1]") == 0,
           "floating-point samples are kept as they are, a negative one refused");
    im.px[2] = NAN;
    tap_ok(qev_sim_transmissions(&im, why, sizeof why) == QEV_EINVAL, "NaN is refused");
    qev_image_free(&im);
}

static void test_resample(void)
{
    qev_image im;
    char why[128];
    qev_image_alloc(&im, 2, 2, why, sizeof why);
    for (int i = 0; i < 4; i++)
        im.px[i] = i;
    float up[16], down[1];
    qev_sim_resample(&im, 4, 4, up);
    const float want[16] = {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3};
    tap_ok(memcmp(up, want, sizeof want) == 0, "2x2 onto 4x4: each sample covers 2x2");
    qev_sim_resample(&im, 1, 1, down);
    tap_ok(down[0] == 0, "2x2 onto 1x1: the top-left sample");
    qev_image_free(&im);
}

static void test_object_limits(void)
{
    tap_ok(qev_sim_object_fits(QEV_SIM_GHOST, 2048, 2048) &&
               !qev_sim_object_fits(QEV_SIM_GHOST, 2048, 2049),
           "ghost imaging: an array of up to 2^22 pixels");
    tap_ok(qev_sim_object_fits(QEV_SIM_SPI, 4096, 4096) &&
               !qev_sim_object_fits(QEV_SIM_SPI, 4096, 4097),
           "single-pixel imaging: up to 4096 x 4096 pixels");
    tap_ok(qev_sim_object_fits(QEV_SIM_SPI, 65535, 1) && !qev_sim_object_fits(QEV_SIM_SPI, 65536, 1),
           "sides of up to 65535 pixels");
    const float lit[3] = {0, 0, 0.01f}, dark[3] = {0, 0, 0};
    tap_ok(!qev_sim_object_dark(lit, 3) && qev_sim_object_dark(dark, 3),
           "one pixel that transmits makes an object lit");
}

static void test_g2_formula(void)
{
    tap_ok(strcmp(qev_sim_g2_formula(QEV_SIM_THERMAL), "1 + exp(-rate |tau|)") == 0 &&
               strcmp(qev_sim_g2_formula(QEV_SIM_EMITTER), "1 - exp(-rate |tau|)") == 0 &&
               strcmp(qev_sim_g2_formula(QEV_SIM_COHERENT), "1") == 0,
           "bunched, antibunched and flat g2");
    tap_ok(strcmp(qev_sim_g2_formula(QEV_SIM_SPDC), qev_sim_g2_formula(QEV_SIM_GHOST)) == 0 &&
               strcmp(qev_sim_g2_formula(QEV_SIM_SPI), "") == 0,
           "pairs share the peak's formula; single-pixel imaging has none");
}

int main(void)
{
    test_roles();
    test_common_quantum();
    test_poisson_before();
    test_pattern_count();
    test_spi_duration();
    test_transmissions();
    test_resample();
    test_object_limits();
    test_g2_formula();
    return tap_done();
}
