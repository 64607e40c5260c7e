/* Heralded quantum ghost imaging with a pixelated detector: coincidences per
 * pixel, their accidentals, the flat field, and Poisson deconvolution.
 *
 * Per pixel j: C_j coincidence groups counted, A_j the accidentals expected
 * among them, F_j the relative efficiency (flat field, 1 without one). The
 * net image is I_j = (C_j - A_j) / F_j, with variance (C_j + Var A_j) / F_j^2.
 * Accidentals come either from a delayed-window coincidence stream of the
 * same width (A_j = D_j, Var A_j = D_j), or from the singles: N_h heralds and
 * S_j clicks of pixel j in a time T give A_j = N_h S_j W / T for a window
 * covering W of delays, Var A_j = A_j^2 (1/N_h + 1/S_j). */
#ifndef QEV_RECON_HERALD_H
#define QEV_RECON_HERALD_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

/* Counts per pixel from a stream, keeping only what lies in [own_from,
 * own_to), so that time shards of one acquisition add up to the whole. */
typedef struct qev_tally {
    uint32_t width, height;
    int64_t own_from, own_to;
    uint64_t *count;       /* width * height */
    uint64_t groups;       /* coincidence groups counted */
    uint64_t photons;      /* pixel photons counted */
    uint64_t heralds;      /* herald photons counted (singles) */
    int64_t first, last;   /* times of the first and last event counted (singles) */
    int owned;             /* the current group is counted */
    uint64_t events;       /* events seen */
} qev_tally;

int qev_tally_init(qev_tally *t, uint32_t width, uint32_t height, int64_t own_from,
                   int64_t own_to);
void qev_tally_free(qev_tally *t);
/* Coincidence groups (QEV_F_GROUP marks the first event of each): a group
 * whose first event lies in the owned interval adds one count to the pixel
 * of each of its photons that carries one. QEV_EINVAL for a pixel outside
 * the image. */
int qev_tally_groups(qev_tally *t, const qev_event *ev, size_t n, char *why, size_t cap);
/* Singles: photons of the herald channel, and pixel photons per pixel, each
 * counted when its own time is owned. */
int qev_tally_singles(qev_tally *t, const qev_event *ev, size_t n, uint16_t herald, char *why,
                      size_t cap);

/* The width of delays a window covers: the full width w with both ends
 * included, on a time grid of quantum q, holds 2 floor(w / 2q) + 1 delays. */
double qev_window_cover_ps(int64_t window_ps, int64_t quantum_ps);

/* A_j and Var A_j from the singles (see above); T = last - first. */
int qev_accidentals_from_singles(const qev_tally *singles, double cover_ps, double *acc,
                                 double *acc_var, char *why, size_t cap);

/* The net image and its variance; flat may be NULL. Pixels whose flat value
 * is not a positive finite number are set to 0 with variance 0 and counted
 * in *masked. */
void qev_herald_net(size_t npix, const uint64_t *coinc, const double *acc, const double *acc_var,
                    const double *flat, double *net, double *var, size_t *masked);

/* Richardson-Lucy (Poisson maximum likelihood) with a Gaussian point-spread
 * function of sd sigma pixels (truncated at 4 sd, normalised; zero outside
 * the image): C_j ~ Poisson(F_j (K x)_j + A_j), and
 *   x <- x . K^T(F C / (F K x + A)) / K^T F,
 * from a constant image holding the net total. acc and flat may be NULL.
 * Stops after `iterations` or when |dx| <= tol |x|; QEV_RL_ITERATIONS and
 * QEV_RL_TOLERANCE are the defaults qrecon(1) states. */
#define QEV_RL_ITERATIONS 50
#define QEV_RL_TOLERANCE 1e-4
typedef struct qev_rl_result {
    unsigned iterations;
    int converged;
} qev_rl_result;
int qev_richardson_lucy(size_t width, size_t height, const uint64_t *coinc, const double *acc,
                        const double *flat, double sigma, unsigned iterations, double tol,
                        double *x, qev_rl_result *res, char *why, size_t cap);

/* SNR estimates of a net image: the total, sum I / sqrt(sum Var), and the
 * mean pixel, mean I / sqrt(mean Var). */
void qev_herald_snr(size_t npix, const double *net, const double *var, double *snr_total,
                    double *snr_pixel);

#endif
