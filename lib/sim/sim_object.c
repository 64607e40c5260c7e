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

void qev_sim_resample(const qev_image *im, uint32_t width, uint32_t height, float *out)
{
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++)
            out[(size_t)y * width + x] = (float)qev_image_at(im, (size_t)x * im->width / width,
                                                             (size_t)y * im->height / height);
}
