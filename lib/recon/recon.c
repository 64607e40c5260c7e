/* Correlation ghost imaging, the zero-filled Hadamard inverse, and the
 * dispatch to the iterative solvers of recon_solve.c. */
#include "internal.h"
#include "fwht.h"
#include "qev.h"
#include "recon.h"
#include "recon_int.h"
#include "recon_solve.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- correlation ghost imaging ---- */

struct qev_gi {
    size_t npix;
    double n, sum_b, sum_r;      /* every pattern */
    double n_q, sum_q;           /* patterns with R != 0, q = B / R */
    double *sum_p, *sum_bp, *sum_rp;
    double *sum_pq, *sum_qp;     /* over the patterns with R != 0 */
};

qev_gi *qev_gi_new(size_t npix)
{
    qev_gi *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->npix = npix;
    double **arrays[] = {&g->sum_p, &g->sum_bp, &g->sum_rp, &g->sum_pq, &g->sum_qp};
    for (size_t i = 0; i < 5; i++)
        if (!(*arrays[i] = calloc(npix ? npix : 1, sizeof(double)))) {
            qev_gi_free(g);
            return NULL;
        }
    return g;
}

void qev_gi_free(qev_gi *g)
{
    if (!g)
        return;
    free(g->sum_p);
    free(g->sum_bp);
    free(g->sum_rp);
    free(g->sum_pq);
    free(g->sum_qp);
    free(g);
}

void qev_gi_add(qev_gi *g, const double *p, double b)
{
    double r = 0;
    for (size_t i = 0; i < g->npix; i++)
        r += p[i];
    g->n++;
    g->sum_b += b;
    g->sum_r += r;
    for (size_t i = 0; i < g->npix; i++) {
        g->sum_p[i] += p[i];
        g->sum_bp[i] += b * p[i];
        g->sum_rp[i] += r * p[i];
    }
    if (r == 0)
        return;
    double q = b / r;
    g->n_q++;
    g->sum_q += q;
    for (size_t i = 0; i < g->npix; i++) {
        g->sum_pq[i] += p[i];
        g->sum_qp[i] += q * p[i];
    }
}

int qev_gi_image(const qev_gi *g, enum qev_gi_kind kind, double *out)
{
    double n = g->n, nq = g->n_q;
    if (n == 0 || (kind == QEV_GI_NGI && nq == 0) || (kind == QEV_GI_DGI && g->sum_r == 0))
        return QEV_EINVAL;
    for (size_t i = 0; i < g->npix; i++) {
        switch (kind) {
        case QEV_GI_TGI:
            out[i] = g->sum_bp[i] / n - (g->sum_b / n) * (g->sum_p[i] / n);
            break;
        case QEV_GI_DGI:
            out[i] = g->sum_bp[i] / n - (g->sum_b / g->sum_r) * (g->sum_rp[i] / n);
            break;
        case QEV_GI_NGI:
            out[i] = g->sum_qp[i] / nq - (g->sum_q / nq) * (g->sum_pq[i] / nq);
            break;
        }
    }
    return QEV_OK;
}

/* ---- names ---- */

static const char *const algo_names[] = {"tgi", "dgi", "ngi", "hadamard",
                                         "cgls", "tv", "fista", "pml"};

int qev_recon_algo_parse(const char *name, enum qev_recon_algo *algo)
{
    for (size_t i = 0; i < sizeof algo_names / sizeof *algo_names; i++)
        if (strcmp(name, algo_names[i]) == 0) {
            *algo = (enum qev_recon_algo)i;
            return QEV_OK;
        }
    return QEV_EINVAL;
}

const char *qev_recon_algo_name(enum qev_recon_algo algo)
{
    return (unsigned)algo < sizeof algo_names / sizeof *algo_names ? algo_names[algo] : NULL;
}

int qev_recon_basis_parse(const char *name, enum qev_recon_basis *basis)
{
    if (strcmp(name, "dct") == 0)
        *basis = QEV_BASIS_DCT;
    else if (strcmp(name, "haar") == 0)
        *basis = QEV_BASIS_HAAR;
    else
        return QEV_EINVAL;
    return QEV_OK;
}

int qev_recon_algo_iterative(enum qev_recon_algo algo) { return algo >= QEV_RECON_CGLS; }

enum qev_recon_algo qev_recon_default_algo(const qev_recon_op *op)
{
    return qev_op_is_hadamard(op) ? QEV_RECON_HADAMARD : QEV_RECON_DGI;
}

const char *qev_recon_algo_units(enum qev_recon_algo algo)
{
    if (algo <= QEV_RECON_NGI)
        return "correlation image (defined up to an offset and a scale)";
    return "bucket units per pixel fully lit";
}

/* ---- the direct methods ---- */

static int run_gi(qev_recon_op *op, const double *b, enum qev_gi_kind kind, double *x,
                  char *why, size_t cap)
{
    size_t npix = op->npix;
    qev_gi *g = qev_gi_new(npix);
    double *row = malloc(npix * sizeof *row);
    int rc = g && row ? QEV_OK : QEV_ENOMEM;
    for (size_t m = 0; rc == QEV_OK && m < op->rows; m++) {
        qev_op_row(op, m, row);
        qev_gi_add(g, row, b[m]);
    }
    if (rc == QEV_OK && qev_gi_image(g, kind, x) != QEV_OK)
        rc = qev_why(why, cap, QEV_EINVAL, "%s: no pattern lets any light through",
                  algo_names[kind]);
    free(row);
    qev_gi_free(g);
    return rc == QEV_ENOMEM ? qev_why(why, cap, rc, "out of memory") : rc;
}

/* X = H (C masked) H / N, C holding the measured coefficients. */
static int run_hadamard(qev_recon_op *op, const double *b, double *x, char *why, size_t cap)
{
    if (op->kind != OP_HADAMARD)
        return qev_why(why, cap, QEV_EINVAL, "hadamard needs Hadamard patterns");
    memset(x, 0, op->npix * sizeof *x);
    for (size_t k = 0; k < op->patterns; k++)
        x[op->perm[k]] = op->split ? b[2 * k] - b[2 * k + 1] : b[k];
    qev_fwht2(x, op->n);
    for (size_t i = 0; i < op->npix; i++)
        x[i] /= (double)op->npix;
    return QEV_OK;
}

static double data_residual(qev_recon_op *op, const double *x, const double *b)
{
    double *ax = malloc(op->rows * sizeof *ax), num = 0, den = 0;
    if (!ax)
        return NAN;
    qev_op_apply(op, x, ax);
    for (size_t m = 0; m < op->rows; m++) {
        num += (ax[m] - b[m]) * (ax[m] - b[m]);
        den += b[m] * b[m];
    }
    free(ax);
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* Least-squares methods see split Hadamard data as the differences of the
 * two parts, one +-1 row per pattern, whose normal matrix is N times a
 * projection; the sums of the parts only repeat the total. */
static int least_squares_form(qev_recon_op *op, const double *b, qev_recon_op **ls, double **y)
{
    *ls = op;
    *y = (double *)b;
    if (!qev_op_is_split(op))
        return QEV_OK;
    *y = malloc(op->patterns * sizeof **y);
    if (!*y)
        return QEV_ENOMEM;
    int rc = qev_op_signed(op, b, ls, *y);
    if (rc != QEV_OK) {
        free(*y);
        *y = NULL;
    }
    return rc;
}

static int run_iterative(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                         qev_recon_info *info, char *why, size_t cap)
{
    if (p->algo == QEV_RECON_PML)
        return qev_solve_pml(op, b, p, x, info, why, cap);
    qev_recon_op *ls;
    double *y;
    if (least_squares_form(op, b, &ls, &y) != QEV_OK)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    int rc;
    if (p->algo == QEV_RECON_CGLS)
        rc = qev_solve_cgls(ls, y, p, x, info, why, cap);
    else if (p->algo == QEV_RECON_TV)
        rc = qev_solve_tv(ls, y, p, x, info, why, cap);
    else
        rc = qev_solve_fista(ls, y, p, x, info, why, cap);
    if (ls != op) {
        qev_op_free(ls);
        free(y);
    }
    return rc;
}

int qev_recon_run(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                  qev_recon_info *info, char *why, size_t cap)
{
    *info = (qev_recon_info){.residual = NAN, .lambda = NAN, .lambda_abs = NAN};
    for (size_t m = 0; m < op->rows; m++)
        if (!isfinite(b[m]))
            return qev_why(why, cap, QEV_EINVAL, "bucket value %zu is not a finite number", m);
    int rc;
    switch (p->algo) {
    case QEV_RECON_TGI:
    case QEV_RECON_DGI:
    case QEV_RECON_NGI:
        return run_gi(op, b, (enum qev_gi_kind)p->algo, x, why, cap);
    case QEV_RECON_HADAMARD:
        rc = run_hadamard(op, b, x, why, cap);
        break;
    default:
        rc = run_iterative(op, b, p, x, info, why, cap);
    }
    if (rc == QEV_OK)
        info->residual = data_residual(op, x, b);
    return rc;
}
