/* qcal flat: per-pixel efficiency of an array under uniform light (flat.h). */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_image.h"
#include "counts.h"
#include "flat.h"
#include "image.h"
#include "qcal.h"

static const char help[] =
    "qcal flat: per-pixel efficiency of an array under uniform light, mean 1.\n"
    "  -C, --channels=CH      the array channel (default: the first with pixels)\n"
    "      --dark=FILE        dark counts to subtract (as for efficiency)\n"
    "      --pfm=FILE         also write the map as a PFM image\n"
    "\n";

static size_t array_channel(const struct opts *o, const qcal_counts *k)
{
    for (size_t a = 0; a < qcal_counts_arrays(k); a++)
        if (wanted_channel(o, qcal_counts_array_channel(k, a)))
            return a;
    cli_die(NULL, "no channel with pixel events%s",
            qev_filter_channels_listed(o->channels) ? " among --channels" : "");
}

/* The map as a PFM image, written beside and renamed into place. */
static void image(const char *path, const double *eff, uint32_t w, uint32_t h)
{
    qev_image im;
    cli_image_alloc(&im, w, h, path);
    for (size_t i = 0; i < (size_t)w * h; i++)
        im.px[i] = eff[i];
    cli_image_save(path, &im, QEV_IMAGE_PFM, 0, (qev_image_scale){0, 0});
    qev_image_free(&im);
}

struct map {
    uint32_t w, h;
    double *counts, *dark, *var, *eff, *sigma, mean;
};

static void flat_field(const struct dark_input *dk, const char *path, unsigned ch, double T,
                       struct map *m)
{
    size_t n = (size_t)m->w * m->h;
    m->dark = malloc(n * sizeof *m->dark);
    m->var = malloc(n * sizeof *m->var);
    m->eff = malloc(n * sizeof *m->eff);
    m->sigma = malloc(n * sizeof *m->sigma);
    if (!m->dark || !m->var || !m->eff || !m->sigma)
        cli_die(NULL, "out of memory");
    for (uint32_t y = 0; y < m->h; y++)
        for (uint32_t x = 0; x < m->w; x++) {
            size_t i = (size_t)y * m->w + x;
            m->dark[i] = pixel_dark(dk, (uint16_t)ch, x, y, T, &m->var[i]);
        }
    if (qcal_flat_field(m->counts, m->dark, m->var, n, m->eff, m->sigma, &m->mean) != QEV_OK)
        cli_die(path, "channel %u: no counts above the dark counts", ch);
}

static void calibration(const struct opts *o, const char *path, unsigned ch, const struct map *m)
{
    qev_calib *c = new_calibration();
    char section[32];
    snprintf(section, sizeof section, "flat.%u", ch);
    section_start(c, section,
                  "qcal flat: per-pixel efficiency (counts - dark) / mean over the array, "
                  "sigma = sqrt(counts + var dark) / mean",
                  path);
    setn(c, m->w, NAN, "", "flat.%u.width", ch);
    setn(c, m->h, NAN, "", "flat.%u.height", ch);
    setn(c, m->mean, NAN, "", "flat.%u.mean_counts", ch);
    for (uint32_t y = 0; y < m->h; y++)
        for (uint32_t x = 0; x < m->w; x++) {
            size_t i = (size_t)y * m->w + x;
            setn(c, m->eff[i], m->sigma[i], "", "flat.%u.%u.%u", ch, x, y);
        }
    write_calibration(o, c);
    qev_calib_free(c);
}

static void measure(const struct opts *o, const char *path)
{
    struct dark_input *dk = o->dark ? load_dark(o->dark) : NULL;
    qcal_counts *k = count_stream(path, o->duration);
    size_t a = array_channel(o, k);
    unsigned ch = qcal_counts_array_channel(k, a);
    struct map m = {0};
    m.counts = qcal_counts_image(k, a, &m.w, &m.h);
    if (!m.counts)
        cli_die(NULL, "out of memory");
    flat_field(dk, path, ch, qcal_counts_duration(k) * 1e-12, &m);
    if (o->pfm)
        image(o->pfm, m.eff, m.w, m.h);
    calibration(o, path, ch, &m);
    free(m.counts);
    free(m.dark);
    free(m.var);
    free(m.eff);
    free(m.sigma);
    qcal_counts_free(k);
    free_dark(dk);
}

const struct qcal_command flat_command = {"flat", help, measure, NULL};
