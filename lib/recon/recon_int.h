/* Inside the reconstruction code: the operator's layout and helpers shared by
 * recon_op.c and recon.c. */
#ifndef QEV_RECON_INT_H
#define QEV_RECON_INT_H

#include "recon.h"

enum op_kind { OP_HADAMARD, OP_BINARY, OP_FLOAT };

struct qev_recon_op {
    enum op_kind kind;
    size_t w, h, npix, rows;
    /* Hadamard */
    uint32_t n;
    size_t patterns;
    int split;
    uint32_t *perm;
    /* stored patterns */
    uint8_t *bin;
    float *val;
    int nonneg;
    double *scratch; /* npix */
};

/* A signed Hadamard operator over the first `patterns` of perm. */
int qev_op_hadamard_perm(uint32_t n, const uint32_t *perm, size_t patterns, qev_recon_op **out);
/* The signed form of split Hadamard op, and y[k] = b[2k] - b[2k+1]. */
int qev_op_signed(const qev_recon_op *op, const double *b, qev_recon_op **out, double *y);

#endif
