/* The heralded image from its sums (recon_data.h): the accidentals the sums
 * chose, with their variance, the net image of recon_herald.h, and the totals
 * a report states.
 *
 * Accidentals of a delayed window are its counts, A_j = D_j, and Poisson, so
 * Var A_j = D_j; accidentals from the singles are N_h S_j W / T with the
 * variance of recon_herald.h; with neither, A_j = 0 and no array is kept. */
#ifndef QEV_HERALD_IMAGE_H
#define QEV_HERALD_IMAGE_H

#include <stddef.h>

#include "recon_data.h"

typedef struct qev_herald_image {
    size_t npix;
    double *acc, *acc_var; /* A_j and Var A_j; both NULL without accidentals */
    double *net, *var;     /* I_j and Var I_j */
    size_t masked;         /* pixels the flat field masks */
    double accidentals;    /* sum of A_j */
    double net_counts;     /* photons counted in coincidence groups, less sum A_j */
    double snr_total, snr_pixel; /* qev_herald_snr of the net image */
} qev_herald_image;

/* Allocates the image and fills in the accidentals: QEV_ENOMEM, or the
 * error of qev_accidentals_from_singles, with its reason in why. */
int qev_herald_image_init(qev_herald_image *im, const qev_herald_sums *s, char *why, size_t cap);
/* The net image, its variance and the totals; flat may be NULL. */
void qev_herald_image_net(qev_herald_image *im, const qev_herald_sums *s, const double *flat);
void qev_herald_image_free(qev_herald_image *im);

#endif
