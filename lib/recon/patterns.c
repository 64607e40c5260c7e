/* Hadamard patterns, their orderings, and random binary patterns. */
#include "patterns.h"
#include "qev.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const order_names[] = {"natural", "zigzag", "cake", "rd", "walsh", "random"};

int qev_order_parse(const char *name, enum qev_order *order)
{
    for (size_t i = 0; i < sizeof order_names / sizeof *order_names; i++) {
        if (strcmp(name, order_names[i]) == 0) {
            *order = (enum qev_order)i;
            return QEV_OK;
        }
    }
    return QEV_EINVAL;
}

const char *qev_order_name(enum qev_order order)
{
    return (unsigned)order < sizeof order_names / sizeof *order_names ? order_names[order] : NULL;
}

uint64_t qev_patterns_of_sampling(double share, uint64_t npix)
{
    return (uint64_t)ceil(share * (double)npix);
}

int qev_hadamard_size_valid(uint32_t n)
{
    return n >= 1 && n <= QEV_HADAMARD_MAX_N && (n & (n - 1)) == 0;
}

uint32_t qev_hadamard_sign_changes(uint32_t n, uint32_t u)
{
    uint32_t s = 0;
    for (uint32_t j = 1; j < n; j++)
        s += qev_hadamard_entry(u, j) != qev_hadamard_entry(u, j - 1);
    return s;
}

struct keyed {
    uint64_t key;
    uint32_t idx;
};

static int by_key(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* 0 for 0, else ceil(log2(s + 1)). */
static uint64_t ceil_log2_plus1(uint32_t s)
{
    uint64_t l = 0;
    while ((1ull << l) < (uint64_t)s + 1)
        l++;
    return l;
}

static uint64_t zigzag_key(uint32_t n, uint32_t su, uint32_t sv)
{
    uint64_t d = (uint64_t)su + sv;
    return d * n + (d & 1 ? su : n - 1 - su);
}

/* Sign changes of the flattened pattern (u, v): n s_v within the rows, and at
 * each of the n - 1 row ends a change where H[u][y] H[v][n-1] != H[u][y+1]. */
static uint64_t walsh_key(uint32_t n, uint32_t v, uint32_t su, uint32_t sv)
{
    int last = qev_hadamard_entry(v, n - 1);
    return (uint64_t)n * sv + (last > 0 ? su : n - 1 - su);
}

static uint64_t order_key(enum qev_order order, uint32_t n, uint32_t u, uint32_t v,
                          const uint32_t *s, const uint32_t *zigzag_rank)
{
    uint64_t N = (uint64_t)n * n, idx = (uint64_t)u * n + v;
    switch (order) {
    case QEV_ORDER_ZIGZAG:
        return zigzag_key(n, s[u], s[v]);
    case QEV_ORDER_CAKE:
        return ((uint64_t)s[u] + 1) * ((uint64_t)s[v] + 1) * N + idx;
    case QEV_ORDER_RD: {
        uint64_t lu = ceil_log2_plus1(s[u]), lv = ceil_log2_plus1(s[v]);
        return (lu > lv ? lu : lv) * N + zigzag_rank[idx];
    }
    case QEV_ORDER_WALSH:
        return walsh_key(n, v, s[u], s[v]);
    default:
        return idx;
    }
}

static int sort_by_keys(uint32_t n, enum qev_order order, const uint32_t *s,
                        const uint32_t *zigzag_rank, uint32_t *perm)
{
    size_t N = (size_t)n * n;
    struct keyed *k = malloc(N * sizeof *k);
    if (!k)
        return QEV_ENOMEM;
    for (uint32_t u = 0; u < n; u++)
        for (uint32_t v = 0; v < n; v++)
            k[(size_t)u * n + v] =
                (struct keyed){order_key(order, n, u, v, s, zigzag_rank), u * n + v};
    qsort(k, N, sizeof *k, by_key);
    for (size_t i = 0; i < N; i++)
        perm[i] = k[i].idx;
    free(k);
    return QEV_OK;
}

static void shuffle(uint32_t *perm, size_t N, uint64_t seed)
{
    qev_rng r;
    qev_rng_seed(&r, seed);
    for (size_t i = N - 1; i >= 1; i--) {
        size_t j = (size_t)(((unsigned __int128)qev_rng_u64(&r) * (i + 1)) >> 64);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

int qev_hadamard_order(uint32_t n, enum qev_order order, uint64_t seed, uint32_t *perm)
{
    if (!qev_hadamard_size_valid(n) || !qev_order_name(order))
        return QEV_EINVAL;
    size_t N = (size_t)n * n;
    for (size_t i = 0; i < N; i++)
        perm[i] = (uint32_t)i;
    if (order == QEV_ORDER_NATURAL)
        return QEV_OK;
    if (order == QEV_ORDER_RANDOM) {
        if (N > 1)
            shuffle(perm, N, seed);
        return QEV_OK;
    }
    uint32_t *s = malloc(n * sizeof *s), *rank = NULL;
    int rc = s ? QEV_OK : QEV_ENOMEM;
    for (uint32_t u = 0; rc == QEV_OK && u < n; u++)
        s[u] = qev_hadamard_sign_changes(n, u);
    if (rc == QEV_OK && order == QEV_ORDER_RD) {
        /* Russian dolls break ties by zigzag rank: rank[idx] = position. */
        rank = malloc(N * sizeof *rank);
        rc = rank ? sort_by_keys(n, QEV_ORDER_ZIGZAG, s, NULL, perm) : QEV_ENOMEM;
        for (size_t i = 0; rc == QEV_OK && i < N; i++)
            rank[perm[i]] = (uint32_t)i;
    }
    if (rc == QEV_OK)
        rc = sort_by_keys(n, order, s, rank, perm);
    free(rank);
    free(s);
    return rc;
}

void qev_hadamard_pattern(uint32_t n, uint32_t idx, int8_t *out)
{
    uint32_t u = idx / n, v = idx % n;
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++)
            out[(size_t)y * n + x] = (int8_t)(qev_hadamard_entry(u, y) * qev_hadamard_entry(v, x));
}

void qev_hadamard_part(uint32_t n, uint32_t idx, int part, uint8_t *out)
{
    uint32_t u = idx / n, v = idx % n;
    int want = part ? -1 : 1;
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++)
            out[(size_t)y * n + x] =
                qev_hadamard_entry(u, y) * qev_hadamard_entry(v, x) == want;
}

void qev_random_pattern(uint64_t seed, uint64_t k, double fill, size_t npix, uint8_t *out)
{
    qev_rng r;
    qev_rng_seed(&r, seed ^ ((k + 1) * 0xD1B54A32D192ED03u));
    for (size_t i = 0; i < npix; i++)
        out[i] = (double)(qev_rng_u64(&r) >> 11) * 0x1.0p-53 < fill;
}
