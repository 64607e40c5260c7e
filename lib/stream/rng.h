/* A seeded pseudo-random generator (xoshiro256**, seeded by splitmix64), so
 * that every simulation is reproducible from its seed. */
#ifndef QEV_RNG_H
#define QEV_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct qev_rng {
    uint64_t s[4];
} qev_rng;

void qev_rng_seed(qev_rng *r, uint64_t seed);

static inline uint64_t qev_rng_rotl(uint64_t x, int k) { return x << k | x >> (64 - k); }

static inline uint64_t qev_rng_u64(qev_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = qev_rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = qev_rng_rotl(s[3], 45);
    return out;
}

/* Uniform on (0, 1]: never 0, so its logarithm is finite. */
static inline double qev_rng_open01(qev_rng *r)
{
    return (double)((qev_rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

/* Exponential with mean 1. */
static inline double qev_rng_exp(qev_rng *r) { return -log(qev_rng_open01(r)); }

#endif
