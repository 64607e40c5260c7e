/* qcal dark: dark count rates per channel, hot pixels of arrays (dark.h). */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "counts.h"
#include "qcal.h"

static const char help[] =
    "qcal dark: dark count rate per channel; hot pixels of array channels.\n"
    "      --duration=T       the acquisition time (default: the stream's\n"
    "                         duration_ps, else its time span)\n"
    "      --hot-sigma=Z      hot: counts above median + Z robust sd (default 10)\n";

static void hot_pixels(const struct opts *o, qev_calib *c, unsigned ch, const double *px,
                       uint32_t w, const qcal_dark_pixels *d, double T)
{
    char comment[200];
    snprintf(comment, sizeof comment,
             "hot pixels of channel %u: counts above median %.6g + %g robust sd (%.6g)", ch,
             d->median, o->hot_sigma, d->threshold);
    check_calib(c, qev_calib_comment(c, comment));
    setn(c, (double)d->hot, NAN, "", "hot.%u.count", ch);
    for (size_t i = 0; i < d->pixels; i++)
        if (px[i] > d->threshold) {
            qcal_rate r = qcal_count_rate(px[i], T);
            setn(c, r.rate, r.sigma, "Hz", "hot.%u.%zu.%zu", ch, i % w, i / w);
        }
}

static void array(const struct opts *o, qev_calib *c, const qcal_counts *k, size_t a, double T)
{
    uint32_t w, h;
    unsigned ch = qcal_counts_array_channel(k, a);
    double *px = qcal_counts_image(k, a, &w, &h);
    if (!px)
        cli_die(NULL, "out of memory");
    qcal_dark_pixels d;
    qcal_dark_pixels_measure(px, (size_t)w * h, T, o->hot_sigma, &d);
    setn(c, (double)d.pixels, NAN, "", "dark.%u.pixels", ch);
    setn(c, d.median_rate.rate, d.median_rate.sigma, "Hz", "dark.%u.pixel_median", ch);
    setn(c, d.without_hot.rate, d.without_hot.sigma, "Hz", "dark.%u.without_hot", ch);
    hot_pixels(o, c, ch, px, w, &d, T);
    free(px);
}

static void measure(const struct opts *o, const char *path)
{
    qcal_counts *k = count_stream(path, o->duration);
    double T = qcal_counts_duration(k) * 1e-12;
    qev_calib *c = new_calibration();
    section_start(c, "dark",
                  "qcal dark: rate = N / T, sigma = sqrt(N) / T, photons of each channel", path);
    setn(c, qcal_counts_duration(k), NAN, "ps", "dark.duration");
    for (size_t ch = 0; ch < 65536; ch++) {
        uint64_t n = qcal_counts_channel(k, (uint16_t)ch);
        if (wanted_channel(o, (uint16_t)ch) && (n || qev_filter_channels_listed(o->channels))) {
            qcal_rate r = qcal_count_rate((double)n, T);
            setn(c, r.rate, r.sigma, "Hz", "dark.%zu", ch);
        }
    }
    for (size_t a = 0; a < qcal_counts_arrays(k); a++)
        if (wanted_channel(o, qcal_counts_array_channel(k, a)))
            array(o, c, k, a, T);
    write_calibration(o, c);
    qev_calib_free(c);
    qcal_counts_free(k);
}

const struct qcal_command dark_command = {"dark", help, measure, NULL};
