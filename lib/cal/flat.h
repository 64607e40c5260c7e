/* The flat field of an array under uniform light (qcal flat). */
#ifndef QCAL_FLAT_H
#define QCAL_FLAT_H

#include <stddef.h>

/* Pixel i collects c_i counts, d_i of them expected dark (variance v_i).
 * Its efficiency relative to the array is e_i = (c_i - d_i) / m, m the mean
 * of c - d over the n pixels, with sigma_i = sqrt(c_i + v_i) / m (the
 * counts Poisson; the spread of m, over many pixels, left out). QEV_EINVAL
 * when m is not positive: no counts above the dark counts. */
int qcal_flat_field(const double *counts, const double *dark, const double *dark_var, size_t n,
                    double *eff, double *sigma, double *mean);

#endif
