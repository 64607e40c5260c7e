/* Single-pixel and computational ghost-imaging reconstruction: the forward
 * model (which patterns were shown) and the algorithms that invert it.
 *
 * Notation: x is the image (N = width x height pixels, row-major, top row
 * first), A the M x N matrix whose row m is the pattern of measurement m, and
 * b the M bucket values. Patterns and orderings are those of patterns.h; for
 * split Hadamard patterns row 2k is the positive part and row 2k + 1 the
 * negative part of the k-th pattern of the ordering.
 *
 * Every function returns QEV_OK or a negative qev_status and, where it takes
 * one, leaves a one-line reason in why. */
#ifndef QEV_RECON_H
#define QEV_RECON_H

#include <stddef.h>
#include <stdint.h>

#include "patterns.h"

/* ---- the forward model ---- */

typedef struct qev_recon_op qev_recon_op;

/* The first `patterns` Hadamard patterns of the ordering on an n x n image;
 * split: 2 rows of 0/1 per pattern (P+, P-), else one row of +-1. */
int qev_op_hadamard(uint32_t n, enum qev_order order, uint64_t seed, size_t patterns, int split,
                    qev_recon_op **op);
/* rows random binary patterns of patterns.h (seed, fill). */
int qev_op_random(size_t width, size_t height, size_t rows, uint64_t seed, double fill,
                  qev_recon_op **op);
/* rows patterns given as values, rows x width x height, copied. */
int qev_op_dense(size_t width, size_t height, size_t rows, const float *values,
                 qev_recon_op **op);
void qev_op_free(qev_recon_op *op);

size_t qev_op_rows(const qev_recon_op *op);
size_t qev_op_width(const qev_recon_op *op);
size_t qev_op_height(const qev_recon_op *op);
/* 1 for Hadamard operators, and whether they are split. */
int qev_op_is_hadamard(const qev_recon_op *op);
int qev_op_is_split(const qev_recon_op *op);
/* 1 when every pattern value is >= 0 (split, random, or non-negative files). */
int qev_op_nonnegative(const qev_recon_op *op);
/* Natural index of the k-th Hadamard pattern of the ordering (NULL otherwise). */
const uint32_t *qev_op_perm(const qev_recon_op *op);

/* y = A x (M values) and x = A^T y (N values). */
void qev_op_apply(qev_recon_op *op, const double *x, double *y);
void qev_op_adjoint(qev_recon_op *op, const double *y, double *x);
/* The pattern of measurement m, N values. */
void qev_op_row(const qev_recon_op *op, size_t m, double *row);

/* ---- correlation ghost imaging, streaming in O(N) memory ----
 * Patterns P_i with bucket values B_i and R_i = sum_x P_i(x) are added one at
 * a time; <.> is the mean over the patterns added.
 *   TGI  G = <B P> - <B><P>
 *   DGI  G = <B P> - (<B>/<R>) <R P>
 *   NGI  G = <(B/R) P> - <B/R><P>      (patterns with R = 0 are left out) */
enum qev_gi_kind { QEV_GI_TGI, QEV_GI_DGI, QEV_GI_NGI };
typedef struct qev_gi qev_gi;
qev_gi *qev_gi_new(size_t npix);
void qev_gi_free(qev_gi *g);
void qev_gi_add(qev_gi *g, const double *pattern, double bucket);
/* QEV_EINVAL when no pattern (with R != 0 for NGI, <R> != 0 for DGI) was added. */
int qev_gi_image(const qev_gi *g, enum qev_gi_kind kind, double *out);

/* ---- the algorithms ---- */

enum qev_recon_algo {
    QEV_RECON_TGI,
    QEV_RECON_DGI,
    QEV_RECON_NGI,
    QEV_RECON_HADAMARD, /* zero-filled inverse: X = H (C masked) H / N */
    QEV_RECON_CGLS,     /* least squares, conjugate gradients on A^T A x = A^T b */
    QEV_RECON_TV,       /* 1/2 |Ax - b|^2 + lambda_abs TV(x), x >= 0, by ADMM */
    QEV_RECON_FISTA,    /* 1/2 |Ax - b|^2 + lambda_abs |Psi x|_1 (DC kept), FISTA */
    QEV_RECON_PML,      /* Poisson maximum likelihood: x <- x A^T(b / Ax) / A^T 1 */
};
enum qev_recon_basis { QEV_BASIS_DCT, QEV_BASIS_HAAR };

int qev_recon_algo_parse(const char *name, enum qev_recon_algo *algo);
const char *qev_recon_algo_name(enum qev_recon_algo algo);
int qev_recon_basis_parse(const char *name, enum qev_recon_basis *basis);
/* The algorithm a reconstruction uses unless told: the exact inverse for
 * Hadamard patterns, DGI for any others. */
enum qev_recon_algo qev_recon_default_algo(const qev_recon_op *op);
/* What the image's values mean: correlation images (TGI, DGI, NGI) hold the
 * object up to an offset and a scale; the inverses hold bucket units per
 * pixel fully lit. */
const char *qev_recon_algo_units(enum qev_recon_algo algo);
/* 1 for the algorithms that iterate. */
int qev_recon_algo_iterative(enum qev_recon_algo algo);

typedef struct qev_recon_params {
    enum qev_recon_algo algo;
    unsigned iterations; /* at most this many; 0: the algorithm's default */
    double tolerance;    /* stop when the relative change falls below; 0: default */
    double lambda;       /* regularisation, relative (see lambda_abs); < 0: default */
    enum qev_recon_basis basis;
} qev_recon_params;

typedef struct qev_recon_info {
    unsigned iterations; /* done */
    int converged;       /* the tolerance was reached */
    double residual;     /* |A x - b| / |b| on the measurements; NaN for GI */
    double lambda;       /* the relative weight used */
    double lambda_abs;   /* lambda * L * c: L the largest eigenvalue of A^T A on
                            zero-mean images, c the best constant image's level */
} qev_recon_info;

/* Reconstructs x (N values) from b (M values). */
int qev_recon_run(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                  qev_recon_info *info, char *why, size_t why_cap);

#endif
