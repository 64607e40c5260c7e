/* The object of an imaging simulation from an image file: its samples as
 * transmissions, resampled onto the simulation's grid. */
#ifndef QEV_SIM_OBJECT_H
#define QEV_SIM_OBJECT_H

#include <stdint.h>

#include "image.h"

/* Integer samples over their full scale, floating-point samples as they are:
 * each must lie in [0, 1]. In place; QEV_EINVAL at the first that does not,
 * with why naming its value and place. */
int qev_sim_transmissions(qev_image *im, char *why, size_t cap);
/* Nearest-neighbour resampling of im onto width x height, row-major. */
void qev_sim_resample(const qev_image *im, uint32_t width, uint32_t height, float *out);

#endif
