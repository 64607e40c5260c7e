/* The forward model of single-pixel imaging: Hadamard patterns through the
 * fast transform, other patterns as a stored matrix. */
#include "fwht.h"
#include "qev.h"
#include "recon.h"
#include "recon_int.h"

#include <stdlib.h>
#include <string.h>

/* Dense patterns above this many bytes are refused rather than allocated. */
#define DENSE_MAX_BYTES ((size_t)1 << 31)

static qev_recon_op *op_alloc(size_t width, size_t height, size_t rows)
{
    qev_recon_op *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->w = width;
    op->h = height;
    op->npix = width * height;
    op->rows = rows;
    op->scratch = malloc(op->npix * sizeof *op->scratch);
    if (!op->scratch) {
        free(op);
        return NULL;
    }
    return op;
}

int qev_op_hadamard(uint32_t n, enum qev_order order, uint64_t seed, size_t patterns, int split,
                    qev_recon_op **out)
{
    *out = NULL;
    if (!qev_hadamard_size_valid(n) || patterns < 1 || patterns > (size_t)n * n)
        return QEV_EINVAL;
    qev_recon_op *op = op_alloc(n, n, split ? 2 * patterns : patterns);
    if (!op)
        return QEV_ENOMEM;
    op->kind = OP_HADAMARD;
    op->n = n;
    op->patterns = patterns;
    op->split = split;
    op->perm = malloc(op->npix * sizeof *op->perm);
    int rc = op->perm ? qev_hadamard_order(n, order, seed, op->perm) : QEV_ENOMEM;
    if (rc != QEV_OK) {
        qev_op_free(op);
        return rc;
    }
    *out = op;
    return QEV_OK;
}

static int dense_fits(size_t npix, size_t rows, size_t bytes_per_value)
{
    return npix && rows && rows <= DENSE_MAX_BYTES / npix / bytes_per_value;
}

int qev_op_random(size_t width, size_t height, size_t rows, uint64_t seed, double fill,
                  qev_recon_op **out)
{
    *out = NULL;
    size_t npix = width * height;
    if (!dense_fits(npix, rows, 1) || !(fill >= 0 && fill <= 1))
        return QEV_EINVAL;
    qev_recon_op *op = op_alloc(width, height, rows);
    if (!op)
        return QEV_ENOMEM;
    op->kind = OP_BINARY;
    op->bin = malloc(rows * npix);
    if (!op->bin) {
        qev_op_free(op);
        return QEV_ENOMEM;
    }
    for (size_t m = 0; m < rows; m++)
        qev_random_pattern(seed, m, fill, npix, op->bin + m * npix);
    *out = op;
    return QEV_OK;
}

int qev_op_dense(size_t width, size_t height, size_t rows, const float *values,
                 qev_recon_op **out)
{
    *out = NULL;
    size_t npix = width * height;
    if (!dense_fits(npix, rows, sizeof(float)))
        return QEV_EINVAL;
    qev_recon_op *op = op_alloc(width, height, rows);
    if (!op)
        return QEV_ENOMEM;
    op->kind = OP_FLOAT;
    op->val = malloc(rows * npix * sizeof *op->val);
    if (!op->val) {
        qev_op_free(op);
        return QEV_ENOMEM;
    }
    memcpy(op->val, values, rows * npix * sizeof *op->val);
    op->nonneg = 1;
    for (size_t i = 0; i < rows * npix; i++)
        if (!(values[i] >= 0))
            op->nonneg = 0;
    *out = op;
    return QEV_OK;
}

void qev_op_free(qev_recon_op *op)
{
    if (!op)
        return;
    free(op->perm);
    free(op->bin);
    free(op->val);
    free(op->scratch);
    free(op);
}

size_t qev_op_rows(const qev_recon_op *op) { return op->rows; }
size_t qev_op_width(const qev_recon_op *op) { return op->w; }
size_t qev_op_height(const qev_recon_op *op) { return op->h; }
int qev_op_is_hadamard(const qev_recon_op *op) { return op->kind == OP_HADAMARD; }
int qev_op_is_split(const qev_recon_op *op) { return op->kind == OP_HADAMARD && op->split; }
const uint32_t *qev_op_perm(const qev_recon_op *op) { return op->perm; }

int qev_op_nonnegative(const qev_recon_op *op)
{
    switch (op->kind) {
    case OP_HADAMARD: return op->split;
    case OP_BINARY: return 1;
    default: return op->nonneg;
    }
}

/* ---- A x ---- */

static void hadamard_apply(qev_recon_op *op, const double *x, double *y)
{
    double *c = op->scratch, sum = 0;
    memcpy(c, x, op->npix * sizeof *c);
    for (size_t i = 0; i < op->npix; i++)
        sum += x[i];
    qev_fwht2(c, op->n);
    for (size_t k = 0; k < op->patterns; k++) {
        double ck = c[op->perm[k]];
        if (op->split) {
            y[2 * k] = (sum + ck) / 2;
            y[2 * k + 1] = (sum - ck) / 2;
        } else {
            y[k] = ck;
        }
    }
}

/* Dot products in eight independent lanes, an order of additions the
 * compiler may vectorise; the sum is the same on every run. */
#define LANES 8

/* One dot product per pattern element type: the patterns stay in their
 * stored width, and the loop is the same. */
#define DEFINE_DOT(name, type)                                                              \
    static double name(const type *p, const double *x, size_t n)                            \
    {                                                                                       \
        double acc[LANES] = {0};                                                            \
        size_t i = 0;                                                                       \
        for (; i + LANES <= n; i += LANES)                                                  \
            for (size_t k = 0; k < LANES; k++)                                              \
                acc[k] += (double)p[i + k] * x[i + k];                                      \
        double s = 0;                                                                       \
        for (; i < n; i++)                                                                  \
            s += (double)p[i] * x[i];                                                       \
        for (size_t k = 0; k < LANES; k++)                                                  \
            s += acc[k];                                                                    \
        return s;                                                                           \
    }

DEFINE_DOT(dot_bytes, uint8_t)
DEFINE_DOT(dot_floats, float)

static void binary_apply(const qev_recon_op *op, const double *x, double *y)
{
    for (size_t m = 0; m < op->rows; m++)
        y[m] = dot_bytes(op->bin + m * op->npix, x, op->npix);
}

static void float_apply(const qev_recon_op *op, const double *x, double *y)
{
    for (size_t m = 0; m < op->rows; m++)
        y[m] = dot_floats(op->val + m * op->npix, x, op->npix);
}

void qev_op_apply(qev_recon_op *op, const double *x, double *y)
{
    switch (op->kind) {
    case OP_HADAMARD: hadamard_apply(op, x, y); break;
    case OP_BINARY: binary_apply(op, x, y); break;
    default: float_apply(op, x, y);
    }
}

/* ---- A^T y ---- */

/* The negative part of pattern k is 1 - P+, so sum_k (y+ P+ + y- P-) is
 * sum_k (y+ - y-)/2 H_k plus sum_k (y+ + y-)/2 everywhere: the constant
 * enters as the coefficient of H_0, which is all ones. */
static void hadamard_adjoint(qev_recon_op *op, const double *y, double *x)
{
    memset(x, 0, op->npix * sizeof *x);
    double dc = 0;
    for (size_t k = 0; k < op->patterns; k++) {
        if (op->split) {
            x[op->perm[k]] = (y[2 * k] - y[2 * k + 1]) / 2;
            dc += (y[2 * k] + y[2 * k + 1]) / 2;
        } else {
            x[op->perm[k]] = y[k];
        }
    }
    x[0] += dc;
    qev_fwht2(x, op->n);
}

static void binary_adjoint(const qev_recon_op *op, const double *y, double *x)
{
    memset(x, 0, op->npix * sizeof *x);
    for (size_t m = 0; m < op->rows; m++) {
        const uint8_t *p = op->bin + m * op->npix;
        double ym = y[m];
        for (size_t i = 0; i < op->npix; i++)
            x[i] += ym * (double)p[i];
    }
}

static void float_adjoint(const qev_recon_op *op, const double *y, double *x)
{
    memset(x, 0, op->npix * sizeof *x);
    for (size_t m = 0; m < op->rows; m++) {
        const float *p = op->val + m * op->npix;
        double ym = y[m];
        for (size_t i = 0; i < op->npix; i++)
            x[i] += ym * p[i];
    }
}

void qev_op_adjoint(qev_recon_op *op, const double *y, double *x)
{
    switch (op->kind) {
    case OP_HADAMARD: hadamard_adjoint(op, y, x); break;
    case OP_BINARY: binary_adjoint(op, y, x); break;
    default: float_adjoint(op, y, x);
    }
}

void qev_op_row(const qev_recon_op *op, size_t m, double *row)
{
    size_t n = op->n;
    switch (op->kind) {
    case OP_HADAMARD: {
        uint32_t idx = op->perm[op->split ? m / 2 : m];
        uint32_t u = idx / (uint32_t)n, v = idx % (uint32_t)n;
        double sign = op->split && m % 2 ? -1 : 1;
        for (size_t y = 0; y < n; y++)
            for (size_t x = 0; x < n; x++) {
                double h = qev_hadamard_entry(u, (uint32_t)y) * qev_hadamard_entry(v, (uint32_t)x);
                row[y * n + x] = op->split ? (h * sign > 0) : h;
            }
        break;
    }
    case OP_BINARY:
        for (size_t i = 0; i < op->npix; i++)
            row[i] = op->bin[m * op->npix + i];
        break;
    default:
        for (size_t i = 0; i < op->npix; i++)
            row[i] = op->val[m * op->npix + i];
    }
}

/* The signed form of a split Hadamard operator: one +-1 row per pattern,
 * whose measurement is the difference of the two parts. */
int qev_op_signed(const qev_recon_op *op, const double *b, qev_recon_op **out, double *y)
{
    int rc = qev_op_hadamard_perm(op->n, op->perm, op->patterns, out);
    if (rc != QEV_OK)
        return rc;
    for (size_t k = 0; k < op->patterns; k++)
        y[k] = b[2 * k] - b[2 * k + 1];
    return QEV_OK;
}

int qev_op_hadamard_perm(uint32_t n, const uint32_t *perm, size_t patterns, qev_recon_op **out)
{
    qev_recon_op *op = op_alloc(n, n, patterns);
    if (!op)
        return QEV_ENOMEM;
    op->kind = OP_HADAMARD;
    op->n = n;
    op->patterns = patterns;
    op->perm = malloc(op->npix * sizeof *op->perm);
    if (!op->perm) {
        qev_op_free(op);
        return QEV_ENOMEM;
    }
    memcpy(op->perm, perm, op->npix * sizeof *op->perm);
    *out = op;
    return QEV_OK;
}
