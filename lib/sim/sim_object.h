/* The object of an imaging simulation from an image file: its samples as
 * transmissions, resampled onto the simulation's grid. */
#ifndef QEV_SIM_OBJECT_H
#define QEV_SIM_OBJECT_H

#include <stdint.h>

#include "image.h"
#include "sim.h"

/* Integer samples over their full scale, floating-point samples as they are:
 * each must lie in [0, 1]. In place; QEV_EINVAL at the first that does not,
 * with why naming its value and place. */
int qev_sim_transmissions(qev_image *im, char *why, size_t cap);
/* Whether a setup can image an object of width x height: sides up to 65535,
 * and at most QEV_SIM_MAX_PIXELS pixels on ghost imaging's array or 4096 x
 * 4096 patterns of single-pixel imaging. */
int qev_sim_object_fits(enum qev_sim_setup setup, size_t width, size_t height);
/* Whether no pixel of the object lets light through. */
int qev_sim_object_dark(const float *px, size_t n);
/* Nearest-neighbour resampling of im onto width x height, row-major. */
void qev_sim_resample(const qev_image *im, uint32_t width, uint32_t height, float *out);

#endif
