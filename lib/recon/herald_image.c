/* The heralded image, its accidentals and its totals, from the sums. */
#include "herald_image.h"
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>

static int accidentals_of(const qev_herald_sums *s, qev_herald_image *im, char *why, size_t cap)
{
    if (s->acc == QEV_ACC_NONE)
        return QEV_OK;
    im->acc = calloc(im->npix, sizeof *im->acc);
    im->acc_var = calloc(im->npix, sizeof *im->acc_var);
    if (!im->acc || !im->acc_var)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    if (s->acc == QEV_ACC_SINGLES) {
        double cover = qev_window_cover_ps(s->window_ps, s->quantum_ps);
        return qev_accidentals_from_singles(&s->singles, cover, im->acc, im->acc_var, why, cap);
    }
    for (size_t j = 0; j < im->npix; j++)
        im->acc[j] = im->acc_var[j] = (double)s->delayed.count[j];
    return QEV_OK;
}

int qev_herald_image_init(qev_herald_image *im, const qev_herald_sums *s, char *why, size_t cap)
{
    *im = (qev_herald_image){.npix = (size_t)s->width * s->height};
    im->net = calloc(im->npix, sizeof *im->net);
    im->var = calloc(im->npix, sizeof *im->var);
    int rc = im->net && im->var ? accidentals_of(s, im, why, cap)
                                : qev_why(why, cap, QEV_ENOMEM, "out of memory");
    if (rc != QEV_OK)
        qev_herald_image_free(im);
    return rc;
}

void qev_herald_image_net(qev_herald_image *im, const qev_herald_sums *s, const double *flat)
{
    im->accidentals = 0;
    for (size_t j = 0; im->acc && j < im->npix; j++)
        im->accidentals += im->acc[j];
    qev_herald_net(im->npix, s->coinc.count, im->acc, im->acc_var, flat, im->net, im->var,
                   &im->masked);
    im->net_counts = (double)s->coinc.photons - im->accidentals;
    qev_herald_snr(im->npix, im->net, im->var, &im->snr_total, &im->snr_pixel);
}

void qev_herald_image_free(qev_herald_image *im)
{
    free(im->acc);
    free(im->acc_var);
    free(im->net);
    free(im->var);
    *im = (qev_herald_image){0};
}
