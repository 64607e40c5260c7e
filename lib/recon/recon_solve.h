/* The iterative solvers behind qev_recon_run (see recon.h for the problems
 * they solve). Least-squares solvers receive split Hadamard data already in
 * its signed form. */
#ifndef QEV_RECON_SOLVE_H
#define QEV_RECON_SOLVE_H

#include "recon.h"

int qev_solve_cgls(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                   qev_recon_info *info, char *why, size_t cap);
int qev_solve_tv(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                 qev_recon_info *info, char *why, size_t cap);
int qev_solve_fista(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                    qev_recon_info *info, char *why, size_t cap);
int qev_solve_pml(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                  qev_recon_info *info, char *why, size_t cap);

/* The scale of a problem, which makes lambda independent of units and
 * sampling: the curvature of |Ax - b|^2 / 2 along the constant image u =
 * 1/sqrt(N) (l_dc = |Au|^2) and across zero-mean images (l_perp, the largest
 * eigenvalue of A^T A there), their coupling |P_perp A^T A u|, and the level
 * c of the constant image that best fits b. */
typedef struct qev_recon_scale {
    double l_dc, l_perp, coupling, level;
} qev_recon_scale;
int qev_recon_scale_of(qev_recon_op *op, const double *b, qev_recon_scale *s);

#endif
