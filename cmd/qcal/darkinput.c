/* --dark of qcal efficiency and qcal flat: the dark counts to subtract, from
 * a calibration (qcal dark's) or from a dark acquisition. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "counts.h"
#include "qcal.h"

struct dark_input {
    qcal_rate rate[65536];
    qcal_counts *k; /* a dark stream's counts, or NULL */
    qev_calib *cal; /* a calibration's median and hot pixels, or NULL */
};

static void rates_of_calibration(struct dark_input *d, const char *path)
{
    d->cal = load_calibration(path);
    for (size_t i = 0; i < qev_calib_count(d->cal); i++) {
        unsigned ch;
        qev_calib_num v;
        if (!qev_calib_key_channel(qev_calib_key(d->cal, i), "dark", &ch))
            continue;
        if (qev_calib_parse_number(qev_calib_value(d->cal, i), &v) != QEV_OK ||
            v.dim != QEV_DIM_RATE)
            cli_die(path, "%s is not a rate", qev_calib_key(d->cal, i));
        d->rate[ch] = (qcal_rate){v.value, isfinite(v.sigma) ? v.sigma : 0};
    }
}

struct dark_input *load_dark(const char *path)
{
    struct dark_input *d = calloc(1, sizeof *d);
    if (!d)
        cli_die(NULL, "out of memory");
    if (looks_like_calibration(path)) {
        rates_of_calibration(d, path);
        return d;
    }
    d->k = count_stream(path, -1);
    double T = qcal_counts_duration(d->k) * 1e-12;
    for (size_t ch = 0; ch < 65536; ch++)
        d->rate[ch] = qcal_count_rate((double)qcal_counts_channel(d->k, (uint16_t)ch), T);
    return d;
}

void free_dark(struct dark_input *d)
{
    if (!d)
        return;
    qcal_counts_free(d->k);
    qev_calib_free(d->cal);
    free(d);
}

qcal_rate dark_rate(const struct dark_input *d, uint16_t ch)
{
    qcal_rate none = {0, 0};
    return d ? d->rate[ch] : none;
}

/* A calibration's rate for the pixel: its own when hot, else the median's. */
static qcal_rate calibrated_pixel(const qev_calib *cal, uint16_t ch, uint32_t x, uint32_t y)
{
    char key[96];
    qev_calib_num v;
    qcal_rate none = {0, 0};
    snprintf(key, sizeof key, "hot.%u.%u.%u", ch, x, y);
    if (qev_calib_number(cal, key, &v) != QEV_OK) {
        snprintf(key, sizeof key, "dark.%u.pixel_median", ch);
        if (qev_calib_number(cal, key, &v) != QEV_OK)
            return none;
    }
    return (qcal_rate){v.value, isfinite(v.sigma) ? v.sigma : 0};
}

double pixel_dark(const struct dark_input *d, uint16_t ch, uint32_t x, uint32_t y, double T,
                  double *var)
{
    *var = 0;
    if (!d)
        return 0;
    if (d->cal)
        return qcal_rate_counts(calibrated_pixel(d->cal, ch, x, y), T, var);
    int is_array;
    double n = qcal_counts_pixel(d->k, ch, x, y, &is_array);
    if (!is_array)
        return 0;
    double dark_s = qcal_counts_duration(d->k) * 1e-12;
    return qcal_rate_counts(qcal_count_rate(n, dark_s), T, var);
}
