/* Image-quality metrics: SSIM in its named variants, MS-SSIM, PSNR, MSE, MAE.
 *
 * Every variant uses K1 = 0.01, K2 = 0.03, C1 = (K1 L)^2, C2 = (K2 L)^2 with
 * the data range L the caller gives, and per window
 *     SSIM = (2 ux uy + C1)(2 sxy + C2) / ((ux^2 + uy^2 + C1)(sx^2 + sy^2 + C2)).
 * The variants differ in the window, the moments and the pooling:
 *   wang     Wang et al. 2004 (ssim_index.m): 11x11 Gaussian, sigma 1.5,
 *            population moments, mean over the valid region (windows wholly
 *            inside the image). = scikit-image's structural_similarity with
 *            gaussian_weights=True, sigma=1.5, use_sample_covariance=False.
 *   matlab   the authors' ssim.m (2009): wang after an f x f box filter
 *            (MATLAB imfilter, 'symmetric' edges) and keeping every f-th
 *            sample, f = max(1, round(min(H, W) / 256)).
 *   skimage  scikit-image's defaults: 7x7 uniform window, sample covariance
 *            (moments times 49/48), mean over the valid region.
 *   ffmpeg   ffmpeg's ssim filter: 8x8 box windows every 4 pixels, sample
 *            variance, C1/64 in the luminance term, mean over the windows.
 *   msssim   Wang, Simoncelli, Bovik 2003 (msssim.m): 5 scales of wang,
 *            2x2 average downsampling between them, product of the mean
 *            contrast-structure terms of scales 1-4 and the mean SSIM of
 *            scale 5, with weights 0.0448 0.2856 0.3001 0.2363 0.1333.
 * Functions return QEV_OK or a negative qev_status with a reason in why. */
#ifndef QEV_SSIM_H
#define QEV_SSIM_H

#include <stddef.h>

#include "image.h"

enum qev_ssim_variant {
    QEV_SSIM_WANG,
    QEV_SSIM_MATLAB,
    QEV_SSIM_SKIMAGE,
    QEV_SSIM_FFMPEG,
    QEV_SSIM_MS,
};

#define QEV_SSIM_K1 0.01
#define QEV_SSIM_K2 0.03
#define QEV_SSIM_SIGMA 1.5
#define QEV_SSIM_GAUSS_RADIUS 5 /* int(3.5 sigma + 0.5): scipy's truncation at 3.5 sigma */
#define QEV_SSIM_SCALES 5

/* "wang", "matlab", "skimage", "ffmpeg", "msssim". */
const char *qev_ssim_variant_name(enum qev_ssim_variant v);
int qev_ssim_variant_parse(const char *name, enum qev_ssim_variant *v);
/* One line saying exactly what the variant computes. */
const char *qev_ssim_variant_definition(enum qev_ssim_variant v);

typedef struct qev_ssim_opts {
    enum qev_ssim_variant variant;
    double range; /* L > 0 */
    /* Integer samples at a full scale of L = 2^bits - 1: the ffmpeg variant
     * then rounds its constants to integers, as ffmpeg does. */
    int ffmpeg_integer;
} qev_ssim_opts;

typedef struct qev_ssim_result {
    double ssim;     /* the variant's score; MS-SSIM for msssim */
    double mse, mae; /* mean squared and absolute difference, in sample units */
    double psnr;     /* 10 log10(L^2 / MSE) in dB; +inf when MSE is 0 */
    int downsample;  /* matlab's f; 1 for the other variants */
    double scale_ssim[QEV_SSIM_SCALES], scale_cs[QEV_SSIM_SCALES]; /* msssim only */
} qev_ssim_result;

/* The data range L the inputs imply: 255 when both hold 8-bit samples of
 * full scale 255. Any other input leaves L open: QEV_EINVAL, with *open the
 * first of a and b that does. */
int qev_ssim_implied_range(const qev_image *a, const qev_image *b, double *range,
                           const qev_image **open);
/* Whether both inputs hold integers at a full scale of L = 255 or 65535, the
 * case where the ffmpeg variant rounds its constants (ffmpeg_integer). */
int qev_ssim_integer_inputs(const qev_image *a, const qev_image *b, double range);

/* Scores image a against reference b (same size). With map non-NULL it is
 * given the SSIM of each window (not for msssim), allocated here: the valid
 * region for wang, skimage and matlab (at the downsampled size), one sample
 * per 8x8 window for ffmpeg. */
int qev_ssim_compare(const qev_image *a, const qev_image *b, const qev_ssim_opts *o,
                     qev_ssim_result *r, qev_image *map, char *why, size_t why_cap);

/* ---- the pieces, for tests and other tools ---- */

/* Normalised Gaussian weights w[0..2 radius], w[k] ~ exp(-(k-radius)^2 / (2 sigma^2)). */
void qev_ssim_gaussian_weights(double sigma, int radius, double *w);

/* A separable, symmetric window of 2 radius + 1 taps, and the factor that
 * turns its weighted moments into the (co)variances used. */
typedef struct qev_ssim_window {
    int radius;
    const double *w;
    double cov_norm; /* 1 for population moments, N/(N-1) for sample */
} qev_ssim_window;

typedef struct qev_ssim_means {
    double ssim, cs; /* mean SSIM and mean contrast-structure (2 sxy + C2)/(sx^2 + sy^2 + C2) */
} qev_ssim_means;

/* SSIM of every window wholly inside the width x height images x and y;
 * map, if non-NULL, holds (height - 2 radius) x (width - 2 radius) values.
 * out->cs is computed only with with_cs (it costs a division per window). */
int qev_ssim_windowed(const double *x, const double *y, size_t width, size_t height,
                      const qev_ssim_window *win, double c1, double c2, double *map,
                      qev_ssim_means *out, int with_cs);
/* ffmpeg's form; c1 and c2 in the units of 64-sample sums: (K1 L)^2 64 and
 * (K2 L)^2 64 63. map, if non-NULL, holds (height/4 - 1) x (width/4 - 1). */
int qev_ssim_blocks(const double *x, const double *y, size_t width, size_t height, double c1,
                    double c2, double *map, double *mean);
/* MATLAB's imfilter(img, ones(f)/f^2, 'symmetric', 'same') followed by
 * img(1:f:end, 1:f:end): out holds ceil(height/f) x ceil(width/f) samples. */
void qev_ssim_box_downsample(const double *in, size_t width, size_t height, int f, double *out);
/* round(min(height, width) / 256), at least 1: ssim.m's downsampling factor. */
int qev_ssim_matlab_factor(size_t width, size_t height);
void qev_image_errors(const double *x, const double *y, size_t n, double *mse, double *mae);
double qev_psnr(double mse, double range);

#endif
