/* Count rates and the dark counts of detectors and arrays (qcal dark, and
 * the dark counts qcal efficiency and qcal flat subtract). */
#ifndef QCAL_DARK_H
#define QCAL_DARK_H

#include <stddef.h>

typedef struct qcal_rate {
    double rate, sigma; /* Hz */
} qcal_rate;

/* The rate of n Poisson counts in T seconds: n / T, with sigma
 * sqrt(max(n, 1)) / T, so that a count of 0 still carries the uncertainty
 * of one count rather than none. */
qcal_rate qcal_count_rate(double n, double seconds);
/* The counts a rate gives in T seconds, and their variance (sigma T)^2. */
double qcal_rate_counts(qcal_rate r, double seconds, double *var);

/* The pixels of a dark array: a pixel is hot when its count exceeds the
 * threshold of qcal_hot_threshold (qcal_fit.h); the others make up the
 * array's rate without hot pixels. */
typedef struct qcal_dark_pixels {
    size_t pixels, hot;
    double median, threshold; /* counts */
    qcal_rate median_rate, without_hot;
} qcal_dark_pixels;

void qcal_dark_pixels_measure(const double *counts, size_t n, double seconds, double z,
                              qcal_dark_pixels *out);

#endif
