/* Iterative reconstruction: CGLS, total variation by ADMM, FISTA in a DCT or
 * Haar basis, and Poisson maximum likelihood by EM. */
#include "internal.h"
#include "fwht.h"
#include "qev.h"
#include "recon_int.h"
#include "recon_solve.h"
#include "rng.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POWER_ITERATIONS 60
/* Power iteration approaches the largest eigenvalue from below. */
#define POWER_MARGIN 1.02

static int out_of_memory(char *why, size_t cap)
{
    return qev_why(why, cap, QEV_ENOMEM, "out of memory");
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double norm(const double *a, size_t n) { return sqrt(dot(a, a, n)); }

static void remove_mean(double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += a[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        a[i] -= m;
}

/* Frees n buffers and clears their pointers. */
static void free_all(double **bufs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(*bufs[i]);
        *bufs[i] = NULL;
    }
}

/* Allocates n buffers of the given lengths; 0 when any fails (all freed). */
static int alloc_all(double **bufs[], const size_t *len, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *bufs[i] = NULL;
    for (size_t i = 0; i < n; i++)
        if (!(*bufs[i] = calloc(len[i] ? len[i] : 1, sizeof(double)))) {
            free_all(bufs, n);
            return 0;
        }
    return 1;
}

/* A^T A v into out, through tmp (M values). */
static void normal_apply(qev_recon_op *op, const double *v, double *tmp, double *out)
{
    qev_op_apply(op, v, tmp);
    qev_op_adjoint(op, tmp, out);
}

/* ---- the scale of a problem ---- */

static int hadamard_measures(const qev_recon_op *op, uint32_t idx)
{
    for (size_t k = 0; k < op->patterns; k++)
        if (op->perm[k] == idx)
            return (int)k;
    return -1;
}

static void hadamard_scale(const qev_recon_op *op, const double *b, qev_recon_scale *s)
{
    double N = (double)op->npix;
    int dc = hadamard_measures(op, 0);
    s->l_dc = dc >= 0 ? N : 0;
    s->l_perp = op->patterns > (size_t)(dc >= 0) ? N : 0;
    s->coupling = 0;
    s->level = dc >= 0 ? b[dc] / N : 0;
}

static double largest_perp_eigenvalue(qev_recon_op *op, double *v, double *w, double *tmp)
{
    size_t n = op->npix;
    qev_rng r;
    qev_rng_seed(&r, 12345);
    for (size_t i = 0; i < n; i++)
        v[i] = qev_rng_open01(&r) - 0.5;
    remove_mean(v, n);
    double l = 0, nv = norm(v, n);
    for (int it = 0; it < POWER_ITERATIONS && nv > 0; it++) {
        for (size_t i = 0; i < n; i++)
            v[i] /= nv;
        normal_apply(op, v, tmp, w);
        remove_mean(w, n);
        l = nv = norm(w, n);
        memcpy(v, w, n * sizeof *v);
    }
    return l;
}

static void general_scale(qev_recon_op *op, const double *b, double *v, double *w, double *tmp,
                          qev_recon_scale *s)
{
    size_t n = op->npix;
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0;
    qev_op_apply(op, v, tmp);              /* A 1 */
    double a1 = dot(tmp, tmp, op->rows);   /* |A 1|^2 */
    s->level = a1 > 0 ? dot(tmp, b, op->rows) / a1 : 0;
    s->l_dc = a1 / (double)n;
    qev_op_adjoint(op, tmp, w);            /* A^T A 1 */
    remove_mean(w, n);
    s->coupling = norm(w, n) / sqrt((double)n);
    s->l_perp = largest_perp_eigenvalue(op, v, w, tmp) * POWER_MARGIN;
}

/* Without a usable constant fit, the level is the peak of A^T b / |A|^2. */
static void fallback_level(qev_recon_op *op, const double *b, double *w, qev_recon_scale *s)
{
    if (s->level > 0)
        return;
    qev_op_adjoint(op, b, w);
    double peak = 0, l = s->l_perp > s->l_dc ? s->l_perp : s->l_dc;
    for (size_t i = 0; i < op->npix; i++)
        peak = fmax(peak, fabs(w[i]));
    s->level = l > 0 && peak > 0 ? peak / l : 1;
}

int qev_recon_scale_of(qev_recon_op *op, const double *b, qev_recon_scale *s)
{
    double *v, *w, *tmp;
    double **bufs[] = {&v, &w, &tmp};
    size_t len[] = {op->npix, op->npix, op->rows};
    if (!alloc_all(bufs, len, 3))
        return QEV_ENOMEM;
    if (op->kind == OP_HADAMARD && !op->split)
        hadamard_scale(op, b, s);
    else
        general_scale(op, b, v, w, tmp, s);
    fallback_level(op, b, w, s);
    free_all(bufs, 3);
    return QEV_OK;
}

static unsigned iterations_or(const qev_recon_params *p, unsigned dflt)
{
    return p->iterations ? p->iterations : dflt;
}

static double tolerance_or(const qev_recon_params *p, double dflt)
{
    return p->tolerance > 0 ? p->tolerance : dflt;
}

/* ---- CGLS ---- */

/* Conjugate gradients on A^T A x = A^T b from x = 0, which converges to the
 * minimum-norm least-squares solution; stops when |A^T r| <= tol |A^T b|. */
int qev_solve_cgls(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                   qev_recon_info *info, char *why, size_t cap)
{
    size_t n = op->npix, m = op->rows;
    double *r, *s, *d, *q;
    double **bufs[] = {&r, &s, &d, &q};
    size_t len[] = {m, n, n, m};
    if (!alloc_all(bufs, len, 4))
        return out_of_memory(why, cap);
    unsigned maxit = iterations_or(p, 100);
    double tol = tolerance_or(p, 1e-6);
    memset(x, 0, n * sizeof *x);
    memcpy(r, b, m * sizeof *r);
    qev_op_adjoint(op, r, s);
    memcpy(d, s, n * sizeof *d);
    double gamma = dot(s, s, n), gamma0 = gamma;
    info->converged = gamma0 == 0;
    while (!info->converged && info->iterations < maxit) {
        qev_op_apply(op, d, q);
        double qq = dot(q, q, m);
        if (qq == 0)
            break;
        double alpha = gamma / qq;
        for (size_t i = 0; i < n; i++)
            x[i] += alpha * d[i];
        for (size_t i = 0; i < m; i++)
            r[i] -= alpha * q[i];
        qev_op_adjoint(op, r, s);
        double g = dot(s, s, n);
        info->iterations++;
        info->converged = g <= tol * tol * gamma0;
        for (size_t i = 0; i < n; i++)
            d[i] = s[i] + g / gamma * d[i];
        gamma = g;
    }
    free_all(bufs, 4);
    return QEV_OK;
}

/* ---- total variation: ADMM ----
 * min 1/2 |Ax - b|^2 + lambda_abs sum_i |(Dx)_i| subject to x >= 0, with D
 * the forward differences (zero across the last row and column) and |.| the
 * Euclidean norm of each pixel's pair. Splitting z = Dx and v = x:
 *   x = (A^T A + rho (D^T D + I))^-1 (A^T b + rho D^T (z - u) + rho (v - w))
 *       (conjugate gradients, warm-started)
 *   z = shrink(Dx + u, lambda_abs / rho), v = max(0, x + w)
 *   u += Dx - z, w += x - v
 * rho follows the primal and dual residuals (Boyd et al. 2011, 3.4.1). */

struct tv {
    qev_recon_op *op;
    size_t w, h, n, m;
    double rho, lambda;
    double *x, *v, *wd, *z, *u, *dx, *atb, *rhs, *tmp, *r, *d, *q, *zold, *vold, *dtd, *gtmp;
};

static void grad(const double *x, size_t w, size_t h, double *g)
{
    size_t n = w * h;
    for (size_t y = 0; y < h; y++)
        for (size_t c = 0; c < w; c++) {
            size_t i = y * w + c;
            g[i] = c + 1 < w ? x[i + 1] - x[i] : 0;
            g[n + i] = y + 1 < h ? x[i + w] - x[i] : 0;
        }
}

/* D^T g: minus the divergence. */
static void grad_adjoint(const double *g, size_t w, size_t h, double *out)
{
    size_t n = w * h;
    for (size_t y = 0; y < h; y++)
        for (size_t c = 0; c < w; c++) {
            size_t i = y * w + c;
            double s = 0;
            if (c + 1 < w)
                s -= g[i];
            if (c > 0)
                s += g[i - 1];
            if (y + 1 < h)
                s -= g[n + i];
            if (y > 0)
                s += g[n + i - w];
            out[i] = s;
        }
}

/* (A^T A + rho (D^T D + I)) v */
static void tv_system(struct tv *t, const double *v, double *out)
{
    normal_apply(t->op, v, t->tmp, out);
    grad(v, t->w, t->h, t->gtmp);
    grad_adjoint(t->gtmp, t->w, t->h, t->dtd);
    for (size_t i = 0; i < t->n; i++)
        out[i] += t->rho * (t->dtd[i] + v[i]);
}

static void tv_rhs(struct tv *t)
{
    size_t n = t->n;
    for (size_t i = 0; i < 2 * n; i++)
        t->dx[i] = t->z[i] - t->u[i];
    grad_adjoint(t->dx, t->w, t->h, t->rhs);
    for (size_t i = 0; i < n; i++)
        t->rhs[i] = t->atb[i] + t->rho * (t->rhs[i] + t->v[i] - t->wd[i]);
}

/* Conjugate gradients for the x-update, from the current x. */
static void tv_solve_x(struct tv *t)
{
    size_t n = t->n;
    double *r = t->r, *d = t->d, *q = t->q;
    tv_system(t, t->x, q);
    for (size_t i = 0; i < n; i++)
        d[i] = r[i] = t->rhs[i] - q[i];
    double rr = dot(r, r, n), stop = 1e-12 * dot(t->rhs, t->rhs, n);
    for (int it = 0; it < 50 && rr > stop; it++) {
        tv_system(t, d, q);
        double alpha = rr / dot(d, q, n);
        for (size_t i = 0; i < n; i++) {
            t->x[i] += alpha * d[i];
            r[i] -= alpha * q[i];
        }
        double rr2 = dot(r, r, n);
        for (size_t i = 0; i < n; i++)
            d[i] = r[i] + rr2 / rr * d[i];
        rr = rr2;
    }
}

static void shrink_pairs(const double *in, size_t n, double kappa, double *out)
{
    for (size_t i = 0; i < n; i++) {
        double a = in[i], b = in[n + i], mag = sqrt(a * a + b * b);
        double f = mag > kappa ? 1 - kappa / mag : 0;
        out[i] = f * a;
        out[n + i] = f * b;
    }
}

/* Scaled dual updates and rho balancing (Boyd et al. 2011, 3.4.1): rho
 * doubles when the primal residual is ten times the dual one, and halves in
 * the opposite case. */
static void tv_balance(struct tv *t, double rp, double sp)
{
    size_t n = t->n;
    double f = rp > 10 * sp ? 2 : sp > 10 * rp ? 0.5 : 1;
    if (f == 1)
        return;
    t->rho *= f;
    for (size_t i = 0; i < 2 * n; i++)
        t->u[i] /= f;
    for (size_t i = 0; i < n; i++)
        t->wd[i] /= f;
}

/* One ADMM step; returns the relative change of the non-negative iterate v. */
static double tv_step(struct tv *t)
{
    size_t n = t->n;
    tv_rhs(t);
    tv_solve_x(t);
    memcpy(t->zold, t->z, 2 * n * sizeof *t->z);
    memcpy(t->vold, t->v, n * sizeof *t->v);
    grad(t->x, t->w, t->h, t->dx);
    for (size_t i = 0; i < 2 * n; i++)
        t->tmp[i] = t->dx[i] + t->u[i];
    shrink_pairs(t->tmp, n, t->lambda / t->rho, t->z);
    double rp = 0, sp = 0, change = 0, size = 0;
    for (size_t i = 0; i < n; i++) {
        t->v[i] = fmax(0, t->x[i] + t->wd[i]);
        t->wd[i] += t->x[i] - t->v[i];
        rp += (t->x[i] - t->v[i]) * (t->x[i] - t->v[i]);
        change += (t->v[i] - t->vold[i]) * (t->v[i] - t->vold[i]);
        size += t->v[i] * t->v[i];
    }
    for (size_t i = 0; i < 2 * n; i++) {
        t->u[i] += t->dx[i] - t->z[i];
        rp += (t->dx[i] - t->z[i]) * (t->dx[i] - t->z[i]);
        t->zold[i] = t->z[i] - t->zold[i];
    }
    grad_adjoint(t->zold, t->w, t->h, t->r);
    for (size_t i = 0; i < n; i++) {
        double ds = t->r[i] + t->v[i] - t->vold[i];
        sp += ds * ds;
    }
    tv_balance(t, sqrt(rp), t->rho * sqrt(sp));
    return size > 0 ? sqrt(change / size) : sqrt(change);
}

static int tv_alloc(struct tv *t)
{
    size_t n = t->n, m = t->m, big = m > 2 * n ? m : 2 * n;
    double **bufs[] = {&t->x, &t->v, &t->wd, &t->z, &t->u, &t->dx, &t->atb, &t->rhs,
                       &t->tmp, &t->r, &t->d, &t->q, &t->zold, &t->vold, &t->dtd, &t->gtmp};
    size_t len[] = {n, n, n, 2 * n, 2 * n, 2 * n, n, n, big, n, n, n, 2 * n, n, n, 2 * n};
    return alloc_all(bufs, len, 16);
}

static void tv_free(struct tv *t)
{
    double **bufs[] = {&t->x, &t->v, &t->wd, &t->z, &t->u, &t->dx, &t->atb, &t->rhs,
                       &t->tmp, &t->r, &t->d, &t->q, &t->zold, &t->vold, &t->dtd, &t->gtmp};
    free_all(bufs, 16);
}

int qev_solve_tv(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                 qev_recon_info *info, char *why, size_t cap)
{
    struct tv t = {.op = op, .w = op->w, .h = op->h, .n = op->npix, .m = op->rows};
    qev_recon_scale s;
    if (qev_recon_scale_of(op, b, &s) != QEV_OK || !tv_alloc(&t))
        return out_of_memory(why, cap);
    info->lambda = p->lambda >= 0 ? p->lambda : 0.05;
    t.lambda = info->lambda_abs = info->lambda * s.l_perp * s.level;
    t.rho = 0.1 * (s.l_perp > 0 ? s.l_perp : 1);
    qev_op_adjoint(op, b, t.atb);
    for (size_t i = 0; i < t.n; i++)
        t.x[i] = t.v[i] = fmax(0, s.level);
    unsigned maxit = iterations_or(p, 300);
    double tol = tolerance_or(p, 1e-4);
    while (!info->converged && info->iterations < maxit) {
        info->converged = tv_step(&t) <= tol;
        info->iterations++;
    }
    memcpy(x, t.v, t.n * sizeof *x);
    tv_free(&t);
    return QEV_OK;
}

/* ---- FISTA ----
 * min 1/2 |Ax - b|^2 + lambda_abs |S Psi x|_1, Psi the orthonormal DCT or
 * Haar transform and S leaving out the coefficients that carry the mean (the
 * DCT's first, Haar's last low-pass block). The gradient step is taken in the
 * metric a' P_u + b' P_perp, which bounds A^T A from above (see the scale),
 * so the constant image, on which A^T A is often far larger, does not set the
 * step for every other direction. In Psi's domain the metric is b' outside
 * the mean's coefficients, so the proximal step there is a soft threshold at
 * lambda_abs / b'. */

struct fista {
    qev_recon_op *op;
    size_t n, m;
    enum qev_recon_basis basis;
    qev_dct_plan *dct;
    double a, bperp, thresh;
    size_t keep_w, keep_h; /* the block of coefficients left unshrunk */
    double *xk, *z, *g, *tmp, *coef, *scratch;
};

static void haar_lowpass(size_t w, size_t h, size_t *kw, size_t *kh)
{
    while (w >= 2 && h >= 2 && w % 2 == 0 && h % 2 == 0) {
        w /= 2;
        h /= 2;
    }
    *kw = w;
    *kh = h;
}

static void fista_forward(struct fista *f, const double *in, double *out)
{
    if (f->basis == QEV_BASIS_DCT) {
        qev_dct2(f->dct, in, out);
        return;
    }
    memcpy(out, in, f->n * sizeof *out);
    qev_haar2(out, f->op->w, f->op->h, f->scratch);
}

static void fista_inverse(struct fista *f, const double *in, double *out)
{
    if (f->basis == QEV_BASIS_DCT) {
        qev_idct2(f->dct, in, out);
        return;
    }
    memcpy(out, in, f->n * sizeof *out);
    qev_ihaar2(out, f->op->w, f->op->h, f->scratch);
}

static void soft_threshold(struct fista *f, double *c)
{
    size_t w = f->op->w;
    for (size_t i = 0; i < f->n; i++) {
        if (i / w < f->keep_h && i % w < f->keep_w)
            continue;
        double a = fabs(c[i]) - f->thresh;
        c[i] = a > 0 ? copysign(a, c[i]) : 0;
    }
}

/* x_{k+1} = prox(z - M^-1 A^T (A z - b)) into out. */
static void fista_prox_grad(struct fista *f, const double *b, double *out)
{
    size_t n = f->n;
    qev_op_apply(f->op, f->z, f->tmp);
    for (size_t i = 0; i < f->m; i++)
        f->tmp[i] -= b[i];
    qev_op_adjoint(f->op, f->tmp, f->g);
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += f->g[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        f->g[i] = f->z[i] - mean / f->a - (f->g[i] - mean) / f->bperp;
    fista_forward(f, f->g, f->coef);
    soft_threshold(f, f->coef);
    fista_inverse(f, f->coef, out);
}

/* The metric: b' = l_perp and a' = l_dc when A^T A keeps the mean apart;
 * otherwise b' = 2 l_perp and a' = l_dc + coupling^2 / l_perp, which makes
 * (a' - l_dc)(b' - l_perp) = coupling^2, enough for the metric to bound
 * A^T A from above. */
static void fista_metric(struct fista *f, const qev_recon_scale *s)
{
    double lp = s->l_perp > 0 ? s->l_perp : s->l_dc;
    f->bperp = s->coupling > 0 ? 2 * lp : lp;
    f->a = s->coupling > 0 ? s->l_dc + s->coupling * s->coupling / lp : s->l_dc;
    if (!(f->a > 0))
        f->a = f->bperp;
    if (!(f->bperp > 0))
        f->bperp = f->a = 1;
}

static int fista_alloc(struct fista *f)
{
    size_t n = f->n, big = f->m > n ? f->m : n;
    double **bufs[] = {&f->xk, &f->z, &f->g, &f->tmp, &f->coef, &f->scratch};
    size_t len[] = {n, n, n, big, n, n};
    if (!alloc_all(bufs, len, 6))
        return 0;
    if (f->basis == QEV_BASIS_DCT && !(f->dct = qev_dct_plan_new(f->op->w, f->op->h))) {
        free_all(bufs, 6);
        return 0;
    }
    return 1;
}

static void fista_free(struct fista *f)
{
    double **bufs[] = {&f->xk, &f->z, &f->g, &f->tmp, &f->coef, &f->scratch};
    free_all(bufs, 6);
    qev_dct_plan_free(f->dct);
}

static int fista_iterate(struct fista *f, const double *b, double *x, unsigned maxit, double tol,
                         qev_recon_info *info)
{
    size_t n = f->n;
    double t = 1;
    while (!info->converged && info->iterations < maxit) {
        fista_prox_grad(f, b, x);
        double t1 = (1 + sqrt(1 + 4 * t * t)) / 2, change = 0, size = 0;
        for (size_t i = 0; i < n; i++) {
            double d = x[i] - f->xk[i];
            f->z[i] = x[i] + (t - 1) / t1 * d;
            change += d * d;
            size += x[i] * x[i];
        }
        memcpy(f->xk, x, n * sizeof *x);
        t = t1;
        info->iterations++;
        info->converged = change <= tol * tol * size;
    }
    return QEV_OK;
}

int qev_solve_fista(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                    qev_recon_info *info, char *why, size_t cap)
{
    struct fista f = {.op = op, .n = op->npix, .m = op->rows, .basis = p->basis};
    qev_recon_scale s;
    if (qev_recon_scale_of(op, b, &s) != QEV_OK || !fista_alloc(&f))
        return out_of_memory(why, cap);
    fista_metric(&f, &s);
    info->lambda = p->lambda >= 0 ? p->lambda : 0.02;
    info->lambda_abs = info->lambda * s.l_perp * s.level;
    f.thresh = info->lambda_abs / f.bperp;
    if (f.basis == QEV_BASIS_DCT)
        f.keep_w = f.keep_h = 1;
    else
        haar_lowpass(op->w, op->h, &f.keep_w, &f.keep_h);
    for (size_t i = 0; i < f.n; i++)
        f.xk[i] = f.z[i] = s.level;
    int rc = fista_iterate(&f, b, x, iterations_or(p, 500), tolerance_or(p, 1e-5), info);
    fista_free(&f);
    return rc;
}

/* ---- Poisson maximum likelihood: EM ----
 * x <- x . A^T(b / Ax) / A^T 1, from the constant image with the measured
 * total; it keeps x >= 0 and the total of Ax equal to that of b. */

static int pml_check(const qev_recon_op *op, const double *b, char *why, size_t cap)
{
    if (!qev_op_nonnegative(op))
        return qev_why(why, cap, QEV_EINVAL,
                    "pml needs non-negative patterns (split Hadamard, random or a 0..1 file)");
    for (size_t m = 0; m < op->rows; m++)
        if (b[m] < 0)
            return qev_why(why, cap, QEV_EINVAL, "pml needs counts, but bucket value %zu is %g",
                        m, b[m]);
    return QEV_OK;
}

static void pml_update(qev_recon_op *op, const double *b, const double *sens, double *x,
                       double *ax, double *back)
{
    qev_op_apply(op, x, ax);
    for (size_t m = 0; m < op->rows; m++)
        ax[m] = ax[m] > 0 ? b[m] / ax[m] : 0;
    qev_op_adjoint(op, ax, back);
    for (size_t i = 0; i < op->npix; i++)
        x[i] = sens[i] > 0 ? x[i] * back[i] / sens[i] : 0;
}

int qev_solve_pml(qev_recon_op *op, const double *b, const qev_recon_params *p, double *x,
                  qev_recon_info *info, char *why, size_t cap)
{
    int rc = pml_check(op, b, why, cap);
    if (rc != QEV_OK)
        return rc;
    size_t n = op->npix, m = op->rows;
    double *sens, *ax, *back, *prev;
    double **bufs[] = {&sens, &ax, &back, &prev};
    size_t len[] = {n, m, n, n};
    if (!alloc_all(bufs, len, 4))
        return out_of_memory(why, cap);
    for (size_t i = 0; i < m; i++)
        ax[i] = 1;
    qev_op_adjoint(op, ax, sens);
    double total_b = 0, total_s = 0;
    for (size_t i = 0; i < m; i++)
        total_b += b[i];
    for (size_t i = 0; i < n; i++)
        total_s += sens[i];
    if (!(total_b > 0 && total_s > 0)) {
        free_all(bufs, 4);
        return qev_why(why, cap, QEV_EINVAL, "pml: no counts in any bucket");
    }
    for (size_t i = 0; i < n; i++)
        x[i] = total_b / total_s;
    unsigned maxit = iterations_or(p, 200);
    double tol = tolerance_or(p, 1e-6);
    while (!info->converged && info->iterations < maxit) {
        memcpy(prev, x, n * sizeof *x);
        pml_update(op, b, sens, x, ax, back);
        double change = 0, size = 0;
        for (size_t i = 0; i < n; i++) {
            change += (x[i] - prev[i]) * (x[i] - prev[i]);
            size += x[i] * x[i];
        }
        info->iterations++;
        info->converged = change <= tol * tol * size;
    }
    free_all(bufs, 4);
    return QEV_OK;
}
