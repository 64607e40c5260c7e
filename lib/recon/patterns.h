/* Illumination patterns for computational ghost imaging and single-pixel
 * imaging, shared by the simulator (qsim spi) and the reconstruction (qrecon).
 *
 * Hadamard patterns come from the Sylvester matrix H_n (n a power of two):
 * H_1 = [1], H_2k = [[H_k, H_k], [H_k, -H_k]], so H[i][j] = (-1)^popcount(i & j).
 * The 2-D pattern (u, v) is the outer product of rows u and v of H_n:
 * P[y][x] = H[u][y] * H[v][x], row-major, y the row. Its natural index is
 * u * n + v, which is also its row in H_{n^2} = H_n (x) H_n.
 * s_u is the number of sign changes along row u of H_n.
 *
 * Orderings list the n^2 natural indices in the order they are measured:
 *   natural  row-major (u, v);
 *   zigzag   by d = s_u + s_v; within one d by s_u ascending when d is odd,
 *            descending when d is even (the JPEG zigzag);
 *   cake     by (s_u + 1)(s_v + 1), the number of constant blocks; ties by
 *            natural index;
 *   rd       (Russian dolls) by the level max(ceil(log2(s_u + 1)),
 *            ceil(log2(s_v + 1))); ties by zigzag rank;
 *   walsh    sequency order in one dimension: by the number of sign changes
 *            of the flattened pattern (row-major, length n^2), which is the
 *            Walsh order of the rows of H_{n^2};
 *   random   a Fisher-Yates shuffle of the natural order with the generator of
 *            rng.h seeded by the seed: for i = N-1 down to 1,
 *            j = (qev_rng_u64() * (i + 1)) >> 64 (128-bit product), swap i, j.
 *
 * DMDs show 0/1 patterns, so a signed pattern is split into a positive part
 * P+ = (1 + P) / 2 and a negative part P- = (1 - P) / 2: measurement 2k is the
 * positive part and measurement 2k + 1 the negative part of the k-th pattern of
 * the ordering, and the coefficient is y(2k) - y(2k+1).
 *
 * Random binary patterns: pattern k has pixel i (row-major) on when the i-th
 * draw u of a generator seeded with seed ^ ((k + 1) * 0xD1B54A32D192ED03)
 * satisfies (u >> 11) * 2^-53 < fill. Each pattern is generated on its own, so
 * any one of them can be made without the ones before it. */
#ifndef QEV_PATTERNS_H
#define QEV_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#define QEV_HADAMARD_MAX_N 4096u

enum qev_order {
    QEV_ORDER_NATURAL,
    QEV_ORDER_ZIGZAG,
    QEV_ORDER_CAKE,
    QEV_ORDER_RD,
    QEV_ORDER_WALSH,
    QEV_ORDER_RANDOM,
};

/* The patterns a sampling of share P (0 to 1) of npix pixels shows: the
 * first ceil(P npix) of the ordering. */
uint64_t qev_patterns_of_sampling(double share, uint64_t npix);

/* QEV_OK and *order, or QEV_EINVAL for an unknown name. */
int qev_order_parse(const char *name, enum qev_order *order);
const char *qev_order_name(enum qev_order order);

/* H_n[row][col], +1 or -1. */
static inline int qev_hadamard_entry(uint32_t row, uint32_t col)
{
    return __builtin_parity(row & col) ? -1 : 1;
}
/* s_u: sign changes along row u of H_n. */
uint32_t qev_hadamard_sign_changes(uint32_t n, uint32_t u);
/* True when n is a power of two from 1 to QEV_HADAMARD_MAX_N. */
int qev_hadamard_size_valid(uint32_t n);

/* perm[k] = natural index of the k-th pattern of the ordering, for the n * n
 * patterns. QEV_EINVAL for a bad n, QEV_ENOMEM without memory. */
int qev_hadamard_order(uint32_t n, enum qev_order order, uint64_t seed, uint32_t *perm);

/* The +-1 pattern with natural index idx, n * n values row-major. */
void qev_hadamard_pattern(uint32_t n, uint32_t idx, int8_t *out);
/* The part (0 positive, 1 negative) of the pattern idx as 0/1 values. */
void qev_hadamard_part(uint32_t n, uint32_t idx, int part, uint8_t *out);

/* Random binary pattern k, npix values of 0 or 1 (see above). */
void qev_random_pattern(uint64_t seed, uint64_t k, double fill, size_t npix, uint8_t *out);

#endif
