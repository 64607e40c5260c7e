/* Imaging objects from image files. */
#include "sim_object.h"

#include <stdio.h>

int qev_sim_transmissions(qev_image *im, char *why, size_t cap)
{
    size_t n = im->width * im->height;
    for (size_t i = 0; i < n; i++) {
        double v = im->maxval ? im->px[i] / im->maxval : im->px[i];
        if (!(v >= 0 && v <= 1)) {
            snprintf(why, cap, "transmission value %g at x %zu, y %zu is outside [0, 1]",
                     im->px[i], i % im->width, i / im->width);
            return QEV_EINVAL;
        }
        im->px[i] = v;
    }
    return QEV_OK;
}

int qev_sim_object_fits(enum qev_sim_setup setup, size_t width, size_t height)
{
    size_t most = setup == QEV_SIM_GHOST ? QEV_SIM_MAX_PIXELS : (size_t)4096 * 4096;
    return width <= 65535 && height <= 65535 && width * height <= most;
}

int qev_sim_object_dark(const float *px, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (px[i] > 0)
            return 0;
    return 1;
}

void qev_sim_resample(const qev_image *im, uint32_t width, uint32_t height, float *out)
{
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++)
            out[(size_t)y * width + x] = (float)qev_image_at(im, (size_t)x * im->width / width,
                                                             (size_t)y * im->height / height);
}
