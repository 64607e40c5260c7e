/* Unit tests of the simulator's building blocks against theory, and of the
 * pattern orderings against slow, direct computations of their definitions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patterns.h"
#include "phantom.h"
#include "qev.h"
#include "rng.h"
#include "sim.h"
#include "sim_int.h"
#include "tap.h"

/* ---- Hadamard patterns, built the slow way ---- */

/* H_n by the Sylvester recursion, n x n row-major. */
static int *sylvester(int n)
{
    int *h = malloc(sizeof *h * (size_t)n * (size_t)n);
    h[0] = 1;
    for (int k = 1; k < n; k *= 2)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                int a = h[i * n + j];
                h[i * n + j + k] = a;
                h[(i + k) * n + j] = a;
                h[(i + k) * n + j + k] = -a;
            }
    return h;
}

static int row_changes(const int *h, int n, int u)
{
    int s = 0;
    for (int j = 1; j < n; j++)
        s += h[u * n + j] != h[u * n + j - 1];
    return s;
}

/* The pattern (u, v) from the matrix: P[y][x] = H[u][y] H[v][x]. */
static void slow_pattern(const int *h, int n, int u, int v, int *p)
{
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            p[y * n + x] = h[u * n + y] * h[v * n + x];
}

/* Number of 4-connected regions of equal value, by flood fill. */
static int count_regions(const int *p, int n)
{
    int *seen = calloc((size_t)n * n, sizeof *seen), *stack = malloc(sizeof *stack * (size_t)n * n);
    int regions = 0;
    for (int start = 0; start < n * n; start++) {
        if (seen[start])
            continue;
        regions++;
        int top = 0;
        stack[top++] = start;
        seen[start] = 1;
        while (top) {
            int c = stack[--top], y = c / n, x = c % n;
            int nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
            for (int k = 0; k < 4; k++) {
                int yy = nb[k][0], xx = nb[k][1];
                if (yy < 0 || yy >= n || xx < 0 || xx >= n)
                    continue;
                int d = yy * n + xx;
                if (!seen[d] && p[d] == p[c]) {
                    seen[d] = 1;
                    stack[top++] = d;
                }
            }
        }
    }
    free(seen);
    free(stack);
    return regions;
}

static void test_hadamard_matrix(int n)
{
    int *h = sylvester(n);
    int entries = 1, changes = 1;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            entries &= qev_hadamard_entry((uint32_t)i, (uint32_t)j) == h[i * n + j];
        changes &= (int)qev_hadamard_sign_changes((uint32_t)n, (uint32_t)i) == row_changes(h, n, i);
    }
    char name[96];
    snprintf(name, sizeof name, "H_%d entries match the Sylvester recursion", n);
    tap_ok(entries, name);
    snprintf(name, sizeof name, "H_%d sign changes counted directly", n);
    tap_ok(changes, name);
    /* 2-D patterns: library against the outer product, and orthogonality:
     * <P_a, P_b> = n^2 delta_ab. */
    int N = n * n, same = 1, orth = 1;
    int *p = malloc(sizeof *p * (size_t)N * N);
    int8_t *q = malloc((size_t)N);
    for (int a = 0; a < N; a++) {
        slow_pattern(h, n, a / n, a % n, p + (size_t)a * N);
        qev_hadamard_pattern((uint32_t)n, (uint32_t)a, q);
        for (int i = 0; i < N; i++)
            same &= q[i] == p[(size_t)a * N + i];
    }
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++) {
            long dot = 0;
            for (int i = 0; i < N; i++)
                dot += p[(size_t)a * N + i] * p[(size_t)b * N + i];
            orth &= dot == (a == b ? N : 0);
        }
    snprintf(name, sizeof name, "%dx%d patterns are outer products of rows of H_%d", n, n, n);
    tap_ok(same, name);
    snprintf(name, sizeof name, "%dx%d Hadamard patterns are orthogonal", n, n);
    tap_ok(orth, name);
    /* Split parts: P+ = (1 + P)/2, P- = (1 - P)/2. */
    uint8_t *pos = malloc((size_t)N), *neg = malloc((size_t)N);
    int split = 1;
    for (int a = 0; a < N; a++) {
        qev_hadamard_part((uint32_t)n, (uint32_t)a, 0, pos);
        qev_hadamard_part((uint32_t)n, (uint32_t)a, 1, neg);
        for (int i = 0; i < N; i++)
            split &= 2 * pos[i] == 1 + p[(size_t)a * N + i] && 2 * neg[i] == 1 - p[(size_t)a * N + i];
    }
    snprintf(name, sizeof name, "%dx%d split parts are (1 + P)/2 and (1 - P)/2", n, n);
    tap_ok(split, name);
    free(pos);
    free(neg);
    free(p);
    free(q);
    free(h);
}

static int is_permutation(const uint32_t *perm, int N)
{
    char *seen = calloc((size_t)N, 1);
    int ok = 1;
    for (int i = 0; i < N; i++) {
        if (perm[i] >= (uint32_t)N || seen[perm[i]])
            ok = 0;
        else
            seen[perm[i]] = 1;
    }
    free(seen);
    return ok;
}

/* The orderings by their definitions, each built independently of the
 * library's keys. */
static void slow_zigzag(const int *u_of_s, int n, uint32_t *out)
{
    int k = 0;
    for (int d = 0; d <= 2 * n - 2; d++) {
        for (int i = 0; i < n; i++) {
            int su = d % 2 ? i : n - 1 - i, sv = d - su;
            if (sv < 0 || sv >= n)
                continue;
            out[k++] = (uint32_t)(u_of_s[su] * n + u_of_s[sv]);
        }
    }
}

static void slow_cake(const int *h, int n, uint32_t *out)
{
    int N = n * n, k = 0;
    int *regions = malloc(sizeof *regions * (size_t)N), *p = malloc(sizeof *p * (size_t)N);
    for (int a = 0; a < N; a++) {
        slow_pattern(h, n, a / n, a % n, p);
        regions[a] = count_regions(p, n);
    }
    for (int c = 1; c <= N; c++)
        for (int a = 0; a < N; a++)
            if (regions[a] == c)
                out[k++] = (uint32_t)a;
    free(regions);
    free(p);
}

static void slow_rd(const int *s_of, int n, const uint32_t *zigzag, uint32_t *out)
{
    int N = n * n, k = 0;
    for (int level = 0; (1 << level) <= n; level++)
        for (int r = 0; r < N; r++) {
            int u = (int)zigzag[r] / n, v = (int)zigzag[r] % n;
            int lu = (int)ceil(log2(s_of[u] + 1.0)), lv = (int)ceil(log2(s_of[v] + 1.0));
            if ((lu > lv ? lu : lv) == level)
                out[k++] = zigzag[r];
        }
}

static void slow_walsh(const int *h, int n, uint32_t *out)
{
    int N = n * n;
    int *p = malloc(sizeof *p * (size_t)N), *changes = malloc(sizeof *changes * (size_t)N);
    for (int a = 0; a < N; a++) {
        slow_pattern(h, n, a / n, a % n, p);
        changes[a] = 0;
        for (int i = 1; i < N; i++)
            changes[a] += p[i] != p[i - 1];
    }
    int k = 0;
    for (int c = 0; c < N; c++)
        for (int a = 0; a < N; a++)
            if (changes[a] == c)
                out[k++] = (uint32_t)a;
    free(p);
    free(changes);
}

static void slow_random(int N, uint64_t seed, uint32_t *out)
{
    for (int i = 0; i < N; i++)
        out[i] = (uint32_t)i;
    qev_rng r;
    qev_rng_seed(&r, seed);
    for (int i = N - 1; i >= 1; i--) {
        unsigned __int128 prod = (unsigned __int128)qev_rng_u64(&r) * (unsigned)(i + 1);
        int j = (int)(prod >> 64);
        uint32_t t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
}

static void check_order(int n, enum qev_order order, const uint32_t *want, uint64_t seed)
{
    int N = n * n;
    uint32_t *got = malloc(sizeof *got * (size_t)N);
    int rc = qev_hadamard_order((uint32_t)n, order, seed, got);
    char name[96];
    snprintf(name, sizeof name, "%s order of %dx%d is a permutation", qev_order_name(order), n, n);
    tap_ok(rc == QEV_OK && is_permutation(got, N), name);
    snprintf(name, sizeof name, "%s order of %dx%d matches its definition", qev_order_name(order),
             n, n);
    tap_ok(rc == QEV_OK && memcmp(got, want, sizeof *got * (size_t)N) == 0, name);
    free(got);
}

static void test_orderings(int n)
{
    int N = n * n;
    int *h = sylvester(n), *s_of = malloc(sizeof *s_of * (size_t)n),
        *u_of_s = malloc(sizeof *u_of_s * (size_t)n);
    for (int u = 0; u < n; u++) {
        s_of[u] = row_changes(h, n, u);
        u_of_s[s_of[u]] = u;
    }
    uint32_t *want = malloc(sizeof *want * (size_t)N), *zz = malloc(sizeof *zz * (size_t)N);
    for (int i = 0; i < N; i++)
        want[i] = (uint32_t)i;
    check_order(n, QEV_ORDER_NATURAL, want, 0);
    slow_zigzag(u_of_s, n, zz);
    check_order(n, QEV_ORDER_ZIGZAG, zz, 0);
    slow_cake(h, n, want);
    check_order(n, QEV_ORDER_CAKE, want, 0);
    slow_rd(s_of, n, zz, want);
    check_order(n, QEV_ORDER_RD, want, 0);
    slow_walsh(h, n, want);
    check_order(n, QEV_ORDER_WALSH, want, 0);
    slow_random(N, 77, want);
    check_order(n, QEV_ORDER_RANDOM, want, 77);
    /* Russian dolls: the first 4^k patterns are the complete basis of the
     * 2^k x 2^k low-sequency square. */
    uint32_t *rd = malloc(sizeof *rd * (size_t)N);
    qev_hadamard_order((uint32_t)n, QEV_ORDER_RD, 0, rd);
    int dolls = 1;
    for (int k = 1; k <= n; k *= 2)
        for (int i = 0; i < k * k; i++)
            dolls &= s_of[rd[i] / (uint32_t)n] < k && s_of[rd[i] % (uint32_t)n] < k;
    char name[96];
    snprintf(name, sizeof name, "rd order of %dx%d: each doll is a complete low-sequency basis", n, n);
    tap_ok(dolls, name);
    free(rd);
    free(want);
    free(zz);
    free(s_of);
    free(u_of_s);
    free(h);
}

static void test_pattern_misc(void)
{
    enum qev_order o;
    tap_ok(qev_order_parse("zigzag", &o) == QEV_OK && o == QEV_ORDER_ZIGZAG, "order names parse");
    tap_ok(qev_order_parse("sequency", &o) == QEV_EINVAL, "an unknown order name is refused");
    uint32_t perm[9];
    tap_ok(qev_hadamard_order(3, QEV_ORDER_NATURAL, 0, perm) == QEV_EINVAL,
           "a size that is not a power of two is refused");
    /* Random binary patterns: a fraction fill on, reproducible by index. */
    enum { NPIX = 1 << 16 };
    uint8_t *a = malloc(NPIX), *b = malloc(NPIX);
    qev_random_pattern(5, 3, 0.3, NPIX, a);
    qev_random_pattern(5, 3, 0.3, NPIX, b);
    long on = 0;
    for (int i = 0; i < NPIX; i++)
        on += a[i];
    tap_ok(memcmp(a, b, NPIX) == 0, "a random pattern is the same when made again");
    tap_near((double)on, 0.3 * NPIX, 5 * sqrt(NPIX * 0.3 * 0.7), "random patterns: a fraction fill is on");
    qev_random_pattern(5, 4, 0.3, NPIX, b);
    tap_ok(memcmp(a, b, NPIX) != 0, "another index gives another random pattern");
    free(a);
    free(b);
}

/* ---- the simulator's distributions ---- */

static void test_normal(void)
{
    enum { N = 2000000 };
    struct sim_zig z;
    sim_zig_init(&z);
    tap_near(z.x[255], 0.0, 0.4, "ziggurat: the top layer is near 0");
    qev_rng r;
    qev_rng_seed(&r, 3);
    double sum = 0, sq = 0;
    long over2 = 0, over37 = 0;
    for (int i = 0; i < N; i++) {
        double g = sim_normal(&r, &z);
        sum += g;
        sq += g * g;
        over2 += fabs(g) > 2;
        over37 += g > 3.7; /* only the tail path reaches past r = 3.654 */
    }
    tap_near(sum / N, 0, 5 / sqrt(N), "normal: mean 0 (5 sigma)");
    tap_near(sq / N, 1, 5 * sqrt(2.0 / N), "normal: variance 1 (5 sigma)");
    double p2 = erfc(2 / sqrt(2)), p37 = 0.5 * erfc(3.7 / sqrt(2));
    tap_near((double)over2, p2 * N, 5 * sqrt(N * p2), "normal: P(|z| > 2) = 0.0455 (5 sigma)");
    tap_near((double)over37, p37 * N, 5 * sqrt(N * p37), "normal: P(z > 3.7), the tail (5 sigma)");
}

static void test_exponential(void)
{
    enum { N = 2000000 };
    struct sim_zig z;
    sim_zig_init(&z);
    qev_rng r;
    qev_rng_seed(&r, 4);
    double sum = 0;
    long over1 = 0, over8 = 0;
    for (int i = 0; i < N; i++) {
        double e = sim_exp(&r, &z);
        sum += e;
        over1 += e > 1;
        over8 += e > 8; /* past r = 7.697: the tail path */
    }
    tap_near(sum / N, 1, 5 / sqrt(N), "exponential: mean 1 (5 sigma)");
    double p1 = exp(-1.0), p8 = exp(-8.0);
    tap_near((double)over1, p1 * N, 5 * sqrt(N * p1), "exponential: P(e > 1) = 1/e (5 sigma)");
    tap_near((double)over8, p8 * N, 5 * sqrt(N * p8), "exponential: P(e > 8), the tail (5 sigma)");
}

/* ---- single-pixel levels against the patterns themselves ---- */

static void test_spi_levels(void)
{
    enum { n = 16, N = n * n };
    float obj[N];
    qev_phantom("discs", n, n, obj);
    qev_spi p;
    int rc = qev_spi_init(&p, QEV_SPI_HADAMARD, n, n, obj, 100, QEV_ORDER_CAKE, 0, 0.5, NULL);
    tap_ok(rc == QEV_OK && p.measurements == 200, "Hadamard: 100 patterns make 200 split measurements");
    uint32_t perm[N];
    qev_hadamard_order(n, QEV_ORDER_CAKE, 0, perm);
    uint8_t part[N];
    double worst = 0;
    for (uint64_t m = 0; m < p.measurements; m++) {
        qev_hadamard_part(n, perm[m / 2], (int)(m % 2), part);
        double dot = 0;
        for (int i = 0; i < N; i++)
            dot += part[i] * obj[i];
        worst = fmax(worst, fabs(qev_spi_level(&p, m) - dot / N));
    }
    tap_near(worst, 0, 1e-12, "Hadamard levels: <P_m, O> / N, measurement 2k positive, 2k+1 negative");
    qev_spi_free(&p);
    qev_spi_init(&p, QEV_SPI_RANDOM, n, n, obj, 10, 0, 9, 0.3, NULL);
    qev_random_pattern(9, 7, 0.3, N, part);
    double dot = 0;
    for (int i = 0; i < N; i++)
        dot += part[i] * obj[i];
    tap_near(qev_spi_level(&p, 7), dot / N, 1e-12, "random levels: <P_m, O> / N");
    qev_spi_free(&p);
}

static void test_phantoms(void)
{
    enum { W = 64, H = 48 };
    static float img[W * H];
    const char *names[] = {"usaf", "discs", "letters", "letters:AB 12"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        int rc = qev_phantom(names[k], W, H, img);
        int in_range = 1, lit = 0, dark = 0;
        for (int i = 0; i < W * H; i++) {
            in_range &= img[i] >= 0 && img[i] <= 1;
            lit += img[i] > 0.9f;
            dark += img[i] == 0;
        }
        char name[96];
        snprintf(name, sizeof name, "phantom %s: values in [0, 1], some lit, some opaque", names[k]);
        tap_ok(rc == QEV_OK && in_range && lit > 0 && dark > 0, name);
    }
    qev_phantom("discs", W, H, img);
    tap_ok(img[(H / 2) * W + W / 2] == 0.5f, "discs: the big disc transmits 0.5 at the centre");
    tap_ok(img[0] == 0, "discs: opaque outside");
    tap_ok(qev_phantom("letters:A!", W, H, img) == QEV_EINVAL, "a character the font lacks is refused");
    tap_ok(qev_phantom("bogus", W, H, img) == QEV_EINVAL, "an unknown phantom is refused");
    /* letters: the glyph of I is a vertical bar: its middle column lit in every glyph row */
    float one[7 * 9];
    qev_phantom("letters:I", 7, 9, one);
    int bar = 1;
    for (int row = 1; row <= 7; row++)
        bar &= one[row * 7 + 3] == 1;
    tap_ok(bar && one[1 * 7 + 1] == 0 && one[2 * 7 + 1] == 0, "letters: I is drawn from the font at 1 px per dot");
}

/* ---- the simulator through its API ---- */

static void test_sim_api(void)
{
    qev_sim_config c;
    qev_sim_config_default(&c, QEV_SIM_COHERENT);
    c.rate_hz = 1e6;
    c.duration_ps = 100000000000; /* 100 ms */
    c.det[1].dead_ps = 100000;
    c.det[2].jitter_ps = 500;
    qev_sim *s = qev_sim_new(&c);
    tap_ok(s && qev_sim_status(s) == QEV_OK, "a coherent setup starts");
    static qev_event ev[1 << 18];
    size_t n = qev_sim_fill(s, ev, 1 << 18);
    int sorted = 1, in_range = 1;
    long count[3] = {0};
    for (size_t i = 0; i < n; i++) {
        sorted &= i == 0 || ev[i].t >= ev[i - 1].t;
        in_range &= ev[i].t >= 0 && ev[i].t < c.duration_ps && ev[i].channel >= 1 && ev[i].channel <= 2;
        count[ev[i].channel % 3]++;
    }
    tap_ok(sorted && in_range, "events are sorted and inside the duration");
    /* 5e5/s on each side; channel 1 dead 100 ns: 5e5 / 1.05 */
    tap_near((double)count[1], 47619.05, 5 * sqrt(47619.05), "dead time: R / (1 + R tau) (5 sigma)");
    tap_near((double)count[2], 50000, 5 * sqrt(50000.0), "jitter keeps every click (5 sigma)");
    qev_sim_truth t;
    qev_sim_expected(s, 1000, &t);
    tap_near(t.singles_hz[1], 5e5, 1e-6, "expected singles: split x rate");
    tap_near(t.recorded_hz[1], 5e5 / 1.05, 1e-6, "expected recorded rate under dead time");
    tap_near(t.accidental_hz, 5e5 * 5e5 * 1e-9, 1e-9, "expected accidentals: R1 R2 window");
    qev_sim_free(s);
    c.det[1].eff = 2;
    s = qev_sim_new(&c);
    tap_ok(qev_sim_status(s) == QEV_EINVAL && strstr(qev_sim_error(s), "channel 1"),
           "an efficiency above 1 is refused, naming the channel");
    qev_sim_free(s);
}

int main(void)
{
    test_normal();
    test_exponential();
    test_spi_levels();
    test_phantoms();
    test_sim_api();
    for (int n = 1; n <= 16; n *= 2)
        test_hadamard_matrix(n);
    for (int n = 2; n <= 16; n *= 2)
        test_orderings(n);
    test_pattern_misc();
    return tap_done();
}
