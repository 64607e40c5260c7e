/* Fast orthogonal transforms for image reconstruction: the Walsh-Hadamard
 * transform in natural (Sylvester) order, the orthonormal DCT-II and the
 * orthonormal Haar wavelet transform, all on row-major images of doubles.
 *
 * With H the Sylvester matrix of patterns.h, qev_fwht2 replaces X (n x n) by
 * H X H, so C[u][v] = <P_(u,v), X> for the pattern (u, v) of patterns.h, and
 * applying it twice multiplies by n^2: the inverse is qev_fwht2 / n^2. */
#ifndef QEV_FWHT_H
#define QEV_FWHT_H

#include <stddef.h>

/* In place: a <- H_n a, n a power of two, elements stride apart. */
void qev_fwht(double *a, size_t n, size_t stride);
/* In place: X <- H_n X H_n for an n x n image. */
void qev_fwht2(double *x, size_t n);

/* The orthonormal 2-D DCT-II of a w x h image and its inverse (the
 * transpose). A plan holds the cosine tables; NULL without memory. */
typedef struct qev_dct_plan qev_dct_plan;
qev_dct_plan *qev_dct_plan_new(size_t width, size_t height);
void qev_dct_plan_free(qev_dct_plan *p);
void qev_dct2(qev_dct_plan *p, const double *in, double *out);
void qev_idct2(qev_dct_plan *p, const double *in, double *out);

/* The orthonormal 2-D Haar transform, in place: at each level the current
 * low-pass block (halved each time, starting from the whole image) is split
 * along rows and then columns into averages (a + b) / sqrt 2 in its first
 * half and differences (a - b) / sqrt 2 in its second, for as long as both of
 * its sides are even and at least 2. scratch holds max(w, h) doubles. */
void qev_haar2(double *x, size_t width, size_t height, double *scratch);
void qev_ihaar2(double *x, size_t width, size_t height, double *scratch);

#endif
