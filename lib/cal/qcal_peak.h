/* The coincidence peak of a correlation histogram and its position to
 * sub-bin precision (qcal delays, qcal drift, qcal efficiency).
 *
 * 1. Coarse: the 1 ps histogram is summed into coarse bins (centred on
 *    multiples of the coarse width, like qcorr's bins). The floor F is the
 *    median coarse bin. Candidates are the highest coarse bins, each with its
 *    area over three coarse bins, taken greedily so that they do not overlap.
 *    The peak is the candidate of largest area. Its background B is the
 *    median area of the other candidates when at least two of them stand out
 *    above the floor (the replicas of a pulsed source), else 3F. Its
 *    signal-to-noise ratio is (A - B) / sqrt(s_B^2 + A - B), where s_B is the
 *    spread of the background areas (the larger of sqrt(B) and the robust
 *    spread, 1.4826 MAD, of the three-bin sums or of the replica areas).
 * 2. Fine: the centroid of the background-subtracted 1 ps bins within
 *    mu +- k s, iterated until the window stops moving; s is the second
 *    moment in the window, corrected for the truncation of a Gaussian at
 *    +-k. The background per bin is F over the bins of a coarse bin. A bin
 *    stands at the mean of the integer delays it holds.
 * 3. Uncertainty: var(mu) = sum_i h_i (tau_i - mu)^2 / S^2 over the window,
 *    S the net counts (each bin Poisson: this is sigma/sqrt(S) without
 *    background, and grows with it). When the peak is narrower than the
 *    stream's time quantum or the bin (r), the floor r/sqrt(12) is used. */
#ifndef QCAL_PEAK_H
#define QCAL_PEAK_H

#include <stddef.h>
#include <stdint.h>

typedef struct qcal_peak_opts {
    int64_t bin;        /* width of the histogram's bins, ps (1 for the finest) */
    int64_t coarse_bin; /* ps, >= bin */
    double k;           /* centroid half-window in peak sds (3) */
    int64_t resolution; /* the stream's time quantum, ps (1 when unknown) */
} qcal_peak_opts;

typedef struct qcal_peak {
    int found;           /* a centroid with positive net counts */
    int at_edge;         /* the peak or its window touches the end of the range */
    double delay;        /* ps */
    double sigma_delay;  /* ps */
    double width;        /* sd of the peak, ps */
    double counts;       /* net counts in the centroid window */
    double background;   /* background counts in that window */
    double snr;          /* contrast of the coarse peak, see above */
    double coarse_delay; /* centre of the coarse peak, ps */
    double floor_per_bin; /* background per histogram bin */
    int replicas;        /* side peaks that stood out (pulsed sources) */
    int64_t lo, hi;      /* the centroid window, ps, both included */
} qcal_peak;

/* h[i] counts the pairs in bin i, centred on first + i * bin like qcorr's
 * bins (holding delays from centre - bin/2, bin/2 rounded down, to
 * centre - bin/2 + bin - 1). QEV_EINVAL for bad arguments, QEV_ENOMEM;
 * otherwise QEV_OK with out->found telling whether a peak was found. */
int qcal_find_peak(const uint64_t *h, size_t n, int64_t first, const qcal_peak_opts *o,
                   qcal_peak *out);

/* The same with coarse bins of 1, 4, 16, ... times o->coarse_bin until the
 * peak's signal-to-noise ratio reaches min_snr or fewer than 16 coarse bins
 * remain: a peak smeared over many coarse bins (a drifting clock within a
 * window) still stands out at a coarser scale. The result of the most
 * significant scale is kept. */
int qcal_find_peak_ladder(const uint64_t *h, size_t n, int64_t first, const qcal_peak_opts *o,
                          double min_snr, qcal_peak *out);

/* The centroid step alone, from a start (mu and s in ps) and a background
 * per bin. */
int qcal_centroid(const uint64_t *h, size_t n, int64_t first, double mu, double s, double bg,
                  const qcal_peak_opts *o, qcal_peak *out);

/* The coarse bin of a search over +-range in bins of bin ps: the one given,
 * or range / 1000 when 0, and never below bin. */
int64_t qcal_coarse_bin(int64_t given, int64_t range, int64_t bin);

/* Median of n values (sorts a copy); NAN for n = 0. */
double qcal_median(const double *v, size_t n);
/* 1.4826 times the median absolute deviation from the median. */
double qcal_robust_sd(const double *v, size_t n);

#endif
