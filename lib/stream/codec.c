/* The block body: a 32-byte header, then byte-shuffled columns (qev(5)).
 *
 * Time differences and the channel share one 64-bit word, v = delta << cbits |
 * (channel - base), because a Poisson stream's low bits are incompressible and
 * its high bits nearly constant: shuffled into byte planes, zstd stores the high
 * planes almost for free and the others near their entropy. */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "qev_event is written and read as little-endian words"
#endif
_Static_assert(sizeof(qev_event) == 16 && offsetof(qev_event, channel) == 8 &&
                   offsetof(qev_event, kind) == 10 && offsetof(qev_event, flags) == 11 &&
                   offsetof(qev_event, aux) == 12,
               "the codec reads and writes events as two little-endian words");

enum { TCODE_DELTA = 0, TCODE_ZIGZAG = 1 };
#define CBITS_COLUMN 255

struct column {
    uint64_t base;
    uint8_t width; /* bytes per residual; 0: every value equals base */
};

struct block_layout {
    uint32_t n;
    uint8_t tcode, cbits, grid, res_width;
    struct column v, ch, kind, flags, aux;
    int64_t t_first;
};

uint8_t qev_byte_width(uint64_t x)
{
    uint8_t w = 0;
    while (x) {
        w++;
        x >>= 8;
    }
    return w;
}

static uint8_t bit_width(uint64_t x)
{
    uint8_t b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}


size_t qev_block_body_bound(size_t n) { return QEV_BLOCK_HEADER + n * 24 + 16; }

struct block_scan {
    int64_t tmin, tmax;
    int monotone;
    /* The steps ORed together (zigzagged when the block is not monotone): their
     * highest bit, and so their byte width, is that of the largest step. */
    uint64_t step_bits;
    uint32_t ch_min, ch_max, kind_min, kind_max, flags_min, flags_max;
    uint64_t aux_min, aux_max;
    uint8_t flags_or;
};

/* The event's second word: channel, kind, flags and aux, little-endian. */
static inline uint64_t event_word(const qev_event *e)
{
    uint64_t w;
    memcpy(&w, &e->channel, 8);
    return w;
}

/* The sign bit of the result is set when a < b as signed numbers: plain
 * 64-bit arithmetic, which SSE2 has and its compares do not. */
static inline uint64_t signed_less(uint64_t a, uint64_t b)
{
    uint64_t d = a - b;
    return d ^ ((a ^ b) & (d ^ a));
}

/* What the first pass gathers. */
struct scan_acc {
    uint64_t step_bits, backwards, differs;
    unsigned ch_min, ch_max;
};

static inline void scan_event(struct scan_acc *a, const qev_event *ev, size_t i, uint64_t first)
{
    uint64_t t = (uint64_t)ev[i].t, prev = (uint64_t)ev[i - 1].t;
    a->step_bits |= t - prev;
    a->backwards |= signed_less(t, prev);
    uint64_t w = event_word(&ev[i]);
    unsigned c = (uint16_t)w;
    a->ch_min = c < a->ch_min ? c : a->ch_min;
    a->ch_max = c > a->ch_max ? c : a->ch_max;
    a->differs |= w ^ first;
}

#if defined(__SSE2__)
static inline uint64_t lane_or(__m128i x)
{
    return (uint64_t)_mm_cvtsi128_si64(x) | (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x));
}

/* Events 1 to n - 1 (or an even count of them) two at a time. SSE2 has no
 * 64-bit or unsigned 16-bit compares: order is tested by signed_less, and
 * channels are compared as signed 16-bit lanes with their top bit flipped;
 * lanes 0 and 4 hold the channels, the other lanes are not read. */
static size_t scan_pairs(const qev_event *ev, size_t n, struct scan_acc *a)
{
    const __m128i flip = _mm_set1_epi16((short)0x8000);
    __m128i first = _mm_set1_epi64x((long long)event_word(&ev[0]));
    __m128i prev = _mm_set1_epi64x(ev[0].t), zero = _mm_setzero_si128();
    __m128i steps = zero, backwards = zero, differs = zero;
    __m128i ch_min = _mm_xor_si128(first, flip), ch_max = ch_min;
    size_t i = 1;
    for (; i + 2 <= n; i += 2) {
        __m128i e0 = _mm_loadu_si128((const __m128i *)&ev[i]);
        __m128i e1 = _mm_loadu_si128((const __m128i *)&ev[i + 1]);
        __m128i t = _mm_unpacklo_epi64(e0, e1), w = _mm_unpackhi_epi64(e0, e1);
        __m128i p = _mm_castpd_si128(_mm_shuffle_pd(_mm_castsi128_pd(prev), _mm_castsi128_pd(t), 1));
        __m128i d = _mm_sub_epi64(t, p);
        steps = _mm_or_si128(steps, d);
        __m128i less = _mm_xor_si128(d, _mm_and_si128(_mm_xor_si128(t, p), _mm_xor_si128(d, t)));
        backwards = _mm_or_si128(backwards, less);
        differs = _mm_or_si128(differs, _mm_xor_si128(w, first));
        __m128i c = _mm_xor_si128(w, flip);
        ch_min = _mm_min_epi16(ch_min, c);
        ch_max = _mm_max_epi16(ch_max, c);
        prev = t;
    }
    a->step_bits = lane_or(steps);
    a->backwards = lane_or(backwards);
    a->differs = lane_or(differs);
    ch_min = _mm_xor_si128(ch_min, flip);
    ch_max = _mm_xor_si128(ch_max, flip);
    unsigned lo0 = (unsigned)_mm_extract_epi16(ch_min, 0), lo1 = (unsigned)_mm_extract_epi16(ch_min, 4);
    unsigned hi0 = (unsigned)_mm_extract_epi16(ch_max, 0), hi1 = (unsigned)_mm_extract_epi16(ch_max, 4);
    a->ch_min = lo0 < lo1 ? lo0 : lo1;
    a->ch_max = hi0 > hi1 ? hi0 : hi1;
    return i;
}
#else
static size_t scan_pairs(const qev_event *ev, size_t n, struct scan_acc *a)
{
    (void)n;
    a->step_bits = a->backwards = a->differs = 0;
    a->ch_min = a->ch_max = ev[0].channel;
    return 1;
}
#endif

/* The common case first: one branch-free pass for order, gaps and channels,
 * and a check that kind, flags and aux never change. Rarer layouts get a
 * second pass. */
static uint64_t scan_times_channels(const qev_event *ev, size_t n, struct block_scan *s)
{
    struct scan_acc a;
    uint64_t first = event_word(&ev[0]);
    for (size_t i = scan_pairs(ev, n, &a); i < n; i++)
        scan_event(&a, ev, i, first);
    s->monotone = !(a.backwards >> 63);
    s->step_bits = a.step_bits;
    s->ch_min = a.ch_min;
    s->ch_max = a.ch_max;
    return a.differs >> 16;
}

static void scan_unsorted_times(const qev_event *ev, size_t n, struct block_scan *s)
{
    uint64_t step_bits = 0;
    int64_t tmin = ev[0].t, tmax = ev[0].t;
    for (size_t i = 1; i < n; i++) {
        step_bits |= zigzag((uint64_t)ev[i].t - (uint64_t)ev[i - 1].t);
        tmin = ev[i].t < tmin ? ev[i].t : tmin;
        tmax = ev[i].t > tmax ? ev[i].t : tmax;
    }
    s->step_bits = step_bits;
    s->tmin = tmin;
    s->tmax = tmax;
}

static void scan_varying_fields(const qev_event *ev, size_t n, struct block_scan *s)
{
    unsigned kind_min = ev[0].kind, kind_max = ev[0].kind;
    unsigned flags_min = ev[0].flags, flags_max = ev[0].flags, flags_or = 0;
    uint32_t aux_min = ev[0].aux, aux_max = ev[0].aux;
    for (size_t i = 0; i < n; i++) {
        unsigned k = ev[i].kind, f = ev[i].flags;
        uint32_t a = ev[i].aux;
        kind_min = k < kind_min ? k : kind_min;
        kind_max = k > kind_max ? k : kind_max;
        flags_min = f < flags_min ? f : flags_min;
        flags_max = f > flags_max ? f : flags_max;
        flags_or |= f;
        aux_min = a < aux_min ? a : aux_min;
        aux_max = a > aux_max ? a : aux_max;
    }
    s->kind_min = kind_min;
    s->kind_max = kind_max;
    s->flags_min = flags_min;
    s->flags_max = flags_max;
    s->flags_or = (uint8_t)flags_or;
    s->aux_min = aux_min;
    s->aux_max = aux_max;
}

static void scan_block(const qev_event *ev, size_t n, struct block_scan *s)
{
    s->tmin = ev[0].t;
    s->tmax = ev[n - 1].t;
    s->kind_min = s->kind_max = ev[0].kind;
    s->flags_min = s->flags_max = ev[0].flags;
    s->aux_min = s->aux_max = ev[0].aux;
    s->flags_or = ev[0].flags;
    uint64_t differs = scan_times_channels(ev, n, s);
    if (!s->monotone)
        scan_unsorted_times(ev, n, s);
    if (differs)
        scan_varying_fields(ev, n, s);
}

static struct column column_for(uint64_t min, uint64_t max)
{
    struct column c = {min, qev_byte_width(max - min)};
    return c;
}

static void choose_layout(const qev_event *ev, size_t n, const struct block_scan *s,
                          struct block_layout *L)
{
    L->n = (uint32_t)n;
    L->t_first = ev[0].t;
    L->tcode = s->monotone ? TCODE_DELTA : TCODE_ZIGZAG;
    uint8_t cbits = bit_width(s->ch_max - s->ch_min);
    L->ch = column_for(s->ch_min, s->ch_max);
    if (cbits == 0 || s->step_bits >> (64 - cbits) == 0) {
        L->cbits = cbits;
        L->v = column_for(0, s->step_bits << cbits | (s->ch_max - s->ch_min));
        L->ch.width = 0;
    } else {
        L->cbits = CBITS_COLUMN;
        L->v = column_for(0, s->step_bits);
    }
    L->kind = column_for(s->kind_min, s->kind_max);
    L->flags = column_for(s->flags_min, s->flags_max);
    L->aux = column_for(s->aux_min, s->aux_max);
}

static void put_layout(uint8_t *h, const struct block_layout *L)
{
    memset(h, 0, QEV_BLOCK_HEADER);
    wr32(h, L->n);
    h[4] = L->tcode;
    h[5] = L->cbits;
    h[6] = L->v.width;
    h[7] = L->ch.width;
    h[8] = L->kind.width;
    h[9] = L->flags.width;
    h[10] = L->aux.width;
    wr16(h + 12, (uint16_t)L->ch.base);
    h[14] = (uint8_t)L->kind.base;
    h[15] = (uint8_t)L->flags.base;
    wr32(h + 16, (uint32_t)L->aux.base);
    wr64(h + 24, (uint64_t)L->t_first);
}

static inline void extract_plane(const uint64_t *val, size_t n, unsigned k, uint8_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(val[i] >> (8 * k));
}

#if defined(__SSE2__)

/* Eight registers of 16 bytes, named so that they stay in registers. */
struct rows {
    __m128i r0, r1, r2, r3, r4, r5, r6, r7;
};

/* One round of a byte transpose: rows 2m and 2m + 1 interleave the bytes of
 * rows m and m + 4. A byte's address, row then byte, rotates left by one bit
 * each round; four rounds take byte k of value i from address 8i + k to
 * 16k + i, i.e. 16 values (two per row) to 8 planes. */
static inline struct rows interleave_bytes(struct rows a)
{
    struct rows o = {_mm_unpacklo_epi8(a.r0, a.r4), _mm_unpackhi_epi8(a.r0, a.r4),
                     _mm_unpacklo_epi8(a.r1, a.r5), _mm_unpackhi_epi8(a.r1, a.r5),
                     _mm_unpacklo_epi8(a.r2, a.r6), _mm_unpackhi_epi8(a.r2, a.r6),
                     _mm_unpacklo_epi8(a.r3, a.r7), _mm_unpackhi_epi8(a.r3, a.r7)};
    return o;
}

static inline __m128i load_pair(const uint64_t *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline void store_plane(uint8_t *out, __m128i plane)
{
    _mm_storeu_si128((__m128i *)out, plane);
}

static inline void planes16(const uint64_t *val, unsigned width, uint8_t *out, size_t stride)
{
    struct rows a = {load_pair(val), load_pair(val + 2), load_pair(val + 4),
                     load_pair(val + 6), load_pair(val + 8), load_pair(val + 10),
                     load_pair(val + 12), load_pair(val + 14)};
    a = interleave_bytes(interleave_bytes(interleave_bytes(interleave_bytes(a))));
    const __m128i plane[8] = {a.r0, a.r1, a.r2, a.r3, a.r4, a.r5, a.r6, a.r7};
    switch (width) {
    case 8: store_plane(out + 7 * stride, plane[7]); /* fall through */
    case 7: store_plane(out + 6 * stride, plane[6]); /* fall through */
    case 6: store_plane(out + 5 * stride, plane[5]); /* fall through */
    case 5: store_plane(out + 4 * stride, plane[4]); /* fall through */
    case 4: store_plane(out + 3 * stride, plane[3]); /* fall through */
    case 3: store_plane(out + 2 * stride, plane[2]); /* fall through */
    case 2: store_plane(out + stride, plane[1]); /* fall through */
    case 1: store_plane(out, plane[0]); /* fall through */
    default: break;
    }
}
#else
static inline void planes16(const uint64_t *val, unsigned width, uint8_t *out, size_t stride)
{
    for (unsigned k = 0; k < width; k++)
        extract_plane(val, 16, k, out + k * stride);
}
#endif
#define PLANES_BLOCK 16

/* Writes byte k of each of m values at out + k * stride. */
static inline void planes_width(const uint64_t *val, size_t m, unsigned width, uint8_t *out,
                                size_t stride)
{
    size_t i = 0;
    for (; i + PLANES_BLOCK <= m; i += PLANES_BLOCK)
        planes16(val + i, width, out + i, stride);
    for (unsigned k = 0; k < width; k++)
        extract_plane(val + i, m - i, k, out + k * stride + i);
}

/* One instance per width, so that the transpose drops the planes not stored. */
static void put_planes(const uint64_t *val, size_t m, unsigned width, uint8_t *out,
                       size_t stride)
{
    switch (width) {
    case 0: break;
    case 1: planes_width(val, m, 1, out, stride); break;
    case 2: planes_width(val, m, 2, out, stride); break;
    case 3: planes_width(val, m, 3, out, stride); break;
    case 4: planes_width(val, m, 4, out, stride); break;
    case 5: planes_width(val, m, 5, out, stride); break;
    case 6: planes_width(val, m, 6, out, stride); break;
    case 7: planes_width(val, m, 7, out, stride); break;
    default: planes_width(val, m, 8, out, stride); break;
    }
}

uint8_t *qev_shuffle(const uint64_t *val, size_t n, uint8_t width, uint8_t *out)
{
    put_planes(val, n, width, out, n);
    return out + (size_t)width * n;
}

/* Encoding works in chunks small enough that the values of a chunk stay in L1
 * while their bytes are spread over the planes. */
enum { ENCODE_CHUNK = 256 };

/* The channel from the event's second word: loading whole words keeps the
 * loops below vectorised without byte shuffles. */
static inline uint64_t word_channel(uint64_t w) { return w & 0xFFFF; }

/* v for events [from, from + m): the step and the channel, or the step alone
 * when the channel has its own column. The first event's step is 0. */
static void chunk_steps(const qev_event *ev, size_t from, size_t m, const struct block_layout *L,
                        uint64_t *v)
{
    unsigned cbits = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    uint64_t base = L->ch.base;
    uint64_t mask = L->cbits == CBITS_COLUMN ? 0 : ~(uint64_t)0;
    size_t i = 0;
    if (from == 0) {
        v[0] = (ev[0].channel - base) & mask;
        i = 1;
    }
    /* indices from ev, not from ev + from: the step before a chunk's first
     * event reaches back into the chunk before */
    if (L->tcode == TCODE_ZIGZAG) {
        for (; i < m; i++)
            v[i] = zigzag((uint64_t)ev[from + i].t - (uint64_t)ev[from + i - 1].t) << cbits |
                   ((word_channel(event_word(&ev[from + i])) - base) & mask);
        return;
    }
    for (; i < m; i++)
        v[i] = ((uint64_t)ev[from + i].t - (uint64_t)ev[from + i - 1].t) << cbits |
               ((word_channel(event_word(&ev[from + i])) - base) & mask);
}

enum field { FIELD_CHANNEL, FIELD_KIND, FIELD_FLAGS, FIELD_AUX, FIELD_COUNT };

static const struct column *field_column(const struct block_layout *L, enum field f)
{
    return f == FIELD_CHANNEL ? &L->ch : f == FIELD_KIND ? &L->kind
         : f == FIELD_FLAGS ? &L->flags : &L->aux;
}

/* One loop per field, so that each vectorises. */
static void chunk_field(const qev_event *e, size_t m, enum field f, uint64_t base, uint64_t *out)
{
    switch (f) {
    case FIELD_CHANNEL:
        for (size_t i = 0; i < m; i++)
            out[i] = word_channel(event_word(&e[i])) - base;
        break;
    case FIELD_KIND:
        for (size_t i = 0; i < m; i++)
            out[i] = (event_word(&e[i]) >> 16 & 0xFF) - base;
        break;
    case FIELD_FLAGS:
        for (size_t i = 0; i < m; i++)
            out[i] = (event_word(&e[i]) >> 24 & 0xFF) - base;
        break;
    default:
        for (size_t i = 0; i < m; i++)
            out[i] = (event_word(&e[i]) >> 32) - base;
        break;
    }
}

/* Fills the planes of every column, chunk by chunk; returns the end. */
static uint8_t *put_columns(const qev_event *ev, size_t n, const struct block_layout *L,
                            uint8_t *out)
{
    uint64_t v[ENCODE_CHUNK];
    for (size_t from = 0; from < n; from += ENCODE_CHUNK) {
        size_t m = n - from < ENCODE_CHUNK ? n - from : ENCODE_CHUNK;
        chunk_steps(ev, from, m, L, v);
        put_planes(v, m, L->v.width, out + from, n);
        uint8_t *column = out + (size_t)L->v.width * n;
        for (enum field f = FIELD_CHANNEL; f < FIELD_COUNT; f++) {
            const struct column *c = field_column(L, f);
            if (!c->width)
                continue;
            chunk_field(ev + from, m, f, c->base, v);
            put_planes(v, m, c->width, column + from, n);
            column += (size_t)c->width * n;
        }
    }
    size_t per_event = (size_t)L->v.width + L->ch.width + L->kind.width + L->flags.width +
                       L->aux.width;
    return out + per_event * n;
}

/* Delta-coded steps are unsigned, so the events are in time order unless
 * their running sum could pass INT64_MAX: n steps, each below 2^bits. */
static uint8_t steps_keep_order(const struct block_layout *L)
{
    if (L->tcode != TCODE_DELTA || L->grid)
        return 0;
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    unsigned bits = 8u * L->v.width > shift ? 8u * L->v.width - shift : 0;
    unsigned __int128 reach = (((unsigned __int128)1 << bits) - 1) * L->n;
    return (__int128)L->t_first + (__int128)reach <= INT64_MAX;
}

size_t qev_block_encode(const qev_event *ev, size_t n, uint8_t *body, uint64_t *scratch,
                        struct qev_block_info *info)
{
    (void)scratch;
    struct block_scan s;
    struct block_layout L = {0};
    scan_block(ev, n, &s);
    choose_layout(ev, n, &s, &L);
    put_layout(body, &L);
    uint8_t *out = put_columns(ev, n, &L, body + QEV_BLOCK_HEADER);
    info->n = (uint32_t)n;
    info->tmin = s.tmin;
    info->tmax = s.tmax;
    info->flags_seen = s.flags_or;
    info->sorted = steps_keep_order(&L);
    return (size_t)(out - body);
}

/* ---- the sync grid's layout (the arithmetic is grid.c's) ---- */

static uint64_t max_step(const qev_event *ev, size_t n)
{
    uint64_t max = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t d = zigzag((uint64_t)ev[i].t - (uint64_t)ev[i - 1].t);
        max = d > max ? d : max;
    }
    return max;
}

/* Without branches: the times of an unsorted block give a branch predictor
 * nothing to learn. */
static void scan_range(const qev_event *ev, size_t n, struct qev_block_info *info)
{
    int64_t tmin = ev[0].t, tmax = ev[0].t;
    for (size_t i = 1; i < n; i++) {
        tmin = ev[i].t < tmin ? ev[i].t : tmin;
        tmax = ev[i].t > tmax ? ev[i].t : tmax;
    }
    info->tmin = tmin;
    info->tmax = tmax;
}

static void put_grid(const struct qev_grid *g, uint8_t *p)
{
    uint64_t bits;
    memcpy(&bits, &g->sync_ps, 8);
    wr64(p, bits);
    memcpy(&bits, &g->micro_ps, 8);
    wr64(p + 8, bits);
}

static struct qev_grid get_grid(const uint8_t *p)
{
    struct qev_grid g;
    uint64_t bits = rd64(p);
    memcpy(&g.sync_ps, &bits, 8);
    bits = rd64(p + 8);
    memcpy(&g.micro_ps, &bits, 8);
    return g;
}

size_t qev_block_encode_grid(const qev_event *ev, size_t n, const struct qev_grid *g,
                             uint8_t *body, uint64_t *scratch, qev_event *tmp,
                             struct qev_block_info *info)
{
    uint64_t *res = scratch + n, max_res;
    if (!qev_grid_place(ev, n, g, tmp, res, &max_res))
        return 0;
    uint8_t res_width = qev_byte_width(max_res);
    if (qev_byte_width(max_step(tmp, n)) + res_width >= qev_byte_width(max_step(ev, n)))
        return 0;
    size_t len = qev_block_encode(tmp, n, body, scratch, info);
    body[4] |= QEV_TCODE_GRID;
    body[11] = res_width;
    uint8_t *p = qev_shuffle(res, n, res_width, body + len);
    put_grid(g, p);
    scan_range(ev, n, info);
    info->sorted = 0;
    return (size_t)(p + 16 - body);
}

/* ---- decoding ---- */

static inline uint64_t gather(const uint8_t *p, size_t n, size_t i, unsigned width)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < width; k++)
        v |= (uint64_t)p[k * n + i] << (8 * k);
    return v;
}

#if defined(__SSE2__)

static inline __m128i plane_load(const uint8_t *p, size_t n, unsigned k, unsigned width, size_t i)
{
    return k < width ? _mm_loadu_si128((const __m128i *)(p + k * n + i)) : _mm_setzero_si128();
}

/* Transposes 16 values at a time: bytes of planes 0-3 interleave into 32-bit
 * words, planes 4-7 into the high words. */
static inline void unshuffle16(const uint8_t *p, size_t n, unsigned width, size_t i, uint64_t *out)
{
    __m128i b0 = plane_load(p, n, 0, width, i), b1 = plane_load(p, n, 1, width, i);
    __m128i b2 = plane_load(p, n, 2, width, i), b3 = plane_load(p, n, 3, width, i);
    __m128i l01 = _mm_unpacklo_epi8(b0, b1), h01 = _mm_unpackhi_epi8(b0, b1);
    __m128i l23 = _mm_unpacklo_epi8(b2, b3), h23 = _mm_unpackhi_epi8(b2, b3);
    __m128i lo[4] = {_mm_unpacklo_epi16(l01, l23), _mm_unpackhi_epi16(l01, l23),
                     _mm_unpacklo_epi16(h01, h23), _mm_unpackhi_epi16(h01, h23)};
    __m128i hi[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),
                     _mm_setzero_si128()};
    if (width > 4) {
        __m128i b4 = plane_load(p, n, 4, width, i), b5 = plane_load(p, n, 5, width, i);
        __m128i b6 = plane_load(p, n, 6, width, i), b7 = plane_load(p, n, 7, width, i);
        __m128i l45 = _mm_unpacklo_epi8(b4, b5), h45 = _mm_unpackhi_epi8(b4, b5);
        __m128i l67 = _mm_unpacklo_epi8(b6, b7), h67 = _mm_unpackhi_epi8(b6, b7);
        hi[0] = _mm_unpacklo_epi16(l45, l67);
        hi[1] = _mm_unpackhi_epi16(l45, l67);
        hi[2] = _mm_unpacklo_epi16(h45, h67);
        hi[3] = _mm_unpackhi_epi16(h45, h67);
    }
    for (int k = 0; k < 4; k++) {
        _mm_storeu_si128((__m128i *)(out + 4 * k), _mm_unpacklo_epi32(lo[k], hi[k]));
        _mm_storeu_si128((__m128i *)(out + 4 * k + 2), _mm_unpackhi_epi32(lo[k], hi[k]));
    }
}
#define UNSHUFFLE_BLOCK 16
#else
static inline void unshuffle16(const uint8_t *p, size_t n, unsigned width, size_t i, uint64_t *out)
{
    for (size_t j = 0; j < 16; j++)
        out[j] = gather(p, n, i + j, width);
}
#define UNSHUFFLE_BLOCK 16
#endif

/* Rebuilds values [from, from + count) of planes of stride n. */
static inline void unshuffle_width(const uint8_t *p, size_t n, unsigned width, size_t from,
                                   size_t count, uint64_t *out)
{
    size_t i = 0;
    for (; i + UNSHUFFLE_BLOCK <= count; i += UNSHUFFLE_BLOCK)
        unshuffle16(p, n, width, from + i, out + i);
    for (; i < count; i++)
        out[i] = gather(p, n, from + i, width);
}

/* One instance per width, so each is unrolled. */
void qev_unshuffle(const uint8_t *p, size_t n, unsigned width, size_t from, size_t count,
                   uint64_t *out)
{
    switch (width) {
    case 0: memset(out, 0, count * sizeof *out); break;
    case 1: unshuffle_width(p, n, 1, from, count, out); break;
    case 2: unshuffle_width(p, n, 2, from, count, out); break;
    case 3: unshuffle_width(p, n, 3, from, count, out); break;
    case 4: unshuffle_width(p, n, 4, from, count, out); break;
    case 5: unshuffle_width(p, n, 5, from, count, out); break;
    case 6: unshuffle_width(p, n, 6, from, count, out); break;
    case 7: unshuffle_width(p, n, 7, from, count, out); break;
    default: unshuffle_width(p, n, 8, from, count, out); break;
    }
}

static int get_layout(const uint8_t *h, size_t len, struct block_layout *L, char *why, size_t cap)
{
    if (len < QEV_BLOCK_HEADER) {
        snprintf(why, cap, "block body of %zu bytes is shorter than its header", len);
        return QEV_ECORRUPT;
    }
    L->n = rd32(h);
    L->tcode = h[4] & ~QEV_TCODE_GRID;
    L->grid = (h[4] & QEV_TCODE_GRID) != 0;
    L->res_width = L->grid ? h[11] : 0;
    L->cbits = h[5];
    L->v = (struct column){0, h[6]};
    L->ch = (struct column){rd16(h + 12), h[7]};
    L->kind = (struct column){h[14], h[8]};
    L->flags = (struct column){h[15], h[9]};
    L->aux = (struct column){rd32(h + 16), h[10]};
    L->t_first = (int64_t)rd64(h + 24);
    int columns_ok = L->v.width <= 8 && L->ch.width <= 2 && L->kind.width <= 1 &&
                     L->flags.width <= 1 && L->aux.width <= 4;
    int folded_ok = L->cbits == CBITS_COLUMN ? 1 : L->cbits <= 16 && L->ch.width == 0;
    int grid_ok = L->grid ? L->res_width <= 8 : h[11] == 0;
    if (L->tcode > TCODE_ZIGZAG || !columns_ok || !folded_ok || !grid_ok || rd32(h + 20)) {
        snprintf(why, cap, "unsupported block layout");
        return QEV_ECORRUPT;
    }
    if (L->n == 0 || L->n > QEV_MAX_BLOCK_EVENTS) {
        snprintf(why, cap, "block claims %u events", L->n);
        return QEV_ECORRUPT;
    }
    size_t per_event = (size_t)L->v.width + L->ch.width + L->kind.width + L->flags.width +
                       L->aux.width + L->res_width;
    if (len != QEV_BLOCK_HEADER + per_event * L->n + (L->grid ? 16 : 0)) {
        snprintf(why, cap, "block body of %zu bytes does not fit %u events", len, L->n);
        return QEV_ECORRUPT;
    }
    return QEV_OK;
}

static inline void put_event(qev_event *e, uint64_t t, uint64_t rest)
{
    memcpy(&e->t, &t, 8);
    memcpy(&e->channel, &rest, 8);
}

/* Decoding works in chunks that stay in L1: each column's values for the
 * chunk are merged into the events' second words, then a running sum over the
 * steps writes whole events, so the event array is written once. */
enum { DECODE_CHUNK = 256 };

/* The bases of kind, flags and aux in their places in the second word. */
static inline uint64_t base_word(const struct block_layout *L)
{
    return (uint64_t)(uint8_t)L->kind.base << 16 | (uint64_t)(uint8_t)L->flags.base << 24 |
           (uint64_t)(uint32_t)L->aux.base << 32;
}

/* The flags the events use, and whether some event's flags are not valid:
 * the rule of qev_event_flags_valid (no unknown bit, at most one meaning of
 * aux), in arithmetic that vectorises. */
struct flag_tally {
    uint64_t seen, invalid;
};

static inline void tally_flags(struct flag_tally *f, uint64_t flags)
{
    uint64_t aux = flags & QEV_F_AUX_MASK;
    f->seen |= flags;
    f->invalid |= (flags & ~(uint64_t)QEV_F_ALL) | (aux & (aux - 1));
}

/* Second words from the channel bits of v and the bases of the columns. */
static void words_from_steps(const struct block_layout *L, const uint64_t *v, size_t m,
                             uint64_t *word)
{
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    uint64_t mask = (UINT64_C(1) << shift) - 1, chb = L->ch.base;
    uint64_t rest = base_word(L);
    for (size_t i = 0; i < m; i++)
        word[i] = rest | ((chb + (v[i] & mask)) & 0xFFFF);
}

/* Puts base + value into the field's bits of each word. */
static void merge_field(enum field f, uint64_t base, const uint64_t *val, size_t m,
                        uint64_t *word, struct flag_tally *flags)
{
    static const unsigned shift[] = {0, 16, 24, 32};
    static const uint64_t bits[] = {0xFFFF, 0xFF, 0xFF, 0xFFFFFFFF};
    unsigned s = shift[f];
    uint64_t keep = ~(bits[f] << s), mask = bits[f];
    if (f == FIELD_FLAGS) {
        struct flag_tally t = *flags;
        for (size_t i = 0; i < m; i++) {
            uint64_t x = (base + val[i]) & 0xFF;
            tally_flags(&t, x);
            word[i] = (word[i] & keep) | x << 24;
        }
        *flags = t;
        return;
    }
    for (size_t i = 0; i < m; i++)
        word[i] = (word[i] & keep) | ((base + val[i]) & mask) << s;
}

/* The second words of events [from, from + m); planes point past v's. */
static void chunk_words(const uint8_t *planes, const struct block_layout *L, size_t from,
                        size_t m, const uint64_t *v, uint64_t *word, struct flag_tally *flags)
{
    uint64_t val[DECODE_CHUNK];
    words_from_steps(L, v, m, word);
    for (enum field f = FIELD_CHANNEL; f < FIELD_COUNT; f++) {
        const struct column *c = field_column(L, f);
        if (!c->width)
            continue;
        qev_unshuffle(planes, L->n, c->width, from, m, val);
        merge_field(f, c->base, val, m, word, flags);
        planes += (size_t)c->width * L->n;
    }
}

#if defined(__SSE2__)
/* The times of two delta-coded events: within the pair the running sum is the
 * first step, then both; the sum carries on as a broadcast. */
static inline __m128i pair_times(__m128i *time, __m128i v, __m128i shift)
{
    __m128i d = _mm_srl_epi64(v, shift);
    __m128i times = _mm_add_epi64(*time, _mm_add_epi64(d, _mm_slli_si128(d, 8)));
    *time = _mm_unpackhi_epi64(times, times);
    return times;
}

static inline void put_pair(qev_event *e, __m128i times, __m128i words)
{
    _mm_storeu_si128((__m128i *)&e[0], _mm_unpacklo_epi64(times, words));
    _mm_storeu_si128((__m128i *)&e[1], _mm_unpackhi_epi64(times, words));
}

/* Delta-coded events two at a time, their words given or (word NULL) built
 * from the channel bits of v; returns how many it wrote. */
static size_t write_pairs(const struct block_layout *L, uint64_t *t, const uint64_t *v,
                          const uint64_t *word, size_t m, qev_event *e)
{
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    const __m128i count = _mm_cvtsi32_si128((int)shift);
    const __m128i mask = _mm_set1_epi64x((long long)((UINT64_C(1) << shift) - 1));
    const __m128i base = _mm_set1_epi64x((long long)(uint16_t)L->ch.base);
    const __m128i low16 = _mm_set1_epi64x(0xFFFF);
    const __m128i rest = _mm_set1_epi64x((long long)base_word(L));
    __m128i time = _mm_set1_epi64x((long long)*t);
    size_t i = 0;
    if (word) {
        for (; i + 2 <= m; i += 2)
            put_pair(e + i, pair_times(&time, load_pair(v + i), count), load_pair(word + i));
    } else {
        for (; i + 2 <= m; i += 2) {
            __m128i x = load_pair(v + i);
            __m128i ch = _mm_and_si128(_mm_add_epi64(base, _mm_and_si128(x, mask)), low16);
            put_pair(e + i, pair_times(&time, x, count), _mm_or_si128(rest, ch));
        }
    }
    *t = (uint64_t)_mm_cvtsi128_si64(time);
    return i;
}
#else
static size_t write_pairs(const struct block_layout *L, uint64_t *t, const uint64_t *v,
                          const uint64_t *word, size_t m, qev_event *e)
{
    (void)L, (void)t, (void)v, (void)word, (void)m, (void)e;
    return 0;
}
#endif

static void write_events(const struct block_layout *L, uint64_t *t, const uint64_t *v,
                         const uint64_t *word, size_t m, qev_event *e)
{
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    uint64_t time = *t;
    if (L->tcode == TCODE_DELTA) {
        for (size_t i = write_pairs(L, &time, v, word, m, e); i < m; i++) {
            time += v[i] >> shift;
            put_event(&e[i], time, word[i]);
        }
    } else {
        for (size_t i = 0; i < m; i++) {
            time += unzigzag(v[i] >> shift);
            put_event(&e[i], time, word[i]);
        }
    }
    *t = time;
}

/* The common layout, every field but the channel constant: the words need no
 * buffer. */
static void write_plain_events(const struct block_layout *L, uint64_t *t, const uint64_t *v,
                               size_t m, qev_event *e)
{
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    uint64_t mask = (UINT64_C(1) << shift) - 1;
    uint16_t chb = (uint16_t)L->ch.base;
    uint64_t rest = base_word(L);
    uint64_t time = *t;
    if (L->tcode == TCODE_DELTA) {
        for (size_t i = write_pairs(L, &time, v, NULL, m, e); i < m; i++) {
            time += v[i] >> shift;
            put_event(&e[i], time, rest | (uint16_t)(chb + (v[i] & mask)));
        }
    } else {
        for (size_t i = 0; i < m; i++) {
            time += unzigzag(v[i] >> shift);
            put_event(&e[i], time, rest | (uint16_t)(chb + (v[i] & mask)));
        }
    }
    *t = time;
}

static void decode_events(const uint8_t *planes, const struct block_layout *L, qev_event *ev,
                          struct flag_tally *flags)
{
    uint64_t v[DECODE_CHUNK], word[DECODE_CHUNK];
    uint64_t t = (uint64_t)L->t_first;
    const uint8_t *columns = planes + (size_t)L->v.width * L->n;
    int plain = !(L->ch.width | L->kind.width | L->flags.width | L->aux.width);
    if (!L->flags.width)
        tally_flags(flags, L->flags.base);
    for (size_t from = 0; from < L->n; from += DECODE_CHUNK) {
        size_t m = L->n - from < DECODE_CHUNK ? L->n - from : DECODE_CHUNK;
        qev_unshuffle(planes, L->n, L->v.width, from, m, v);
        if (plain) {
            write_plain_events(L, &t, v, m, ev + from);
            continue;
        }
        chunk_words(columns, L, from, m, v, word, flags);
        write_events(L, &t, v, word, m, ev + from);
    }
}

static int check_flags(const struct flag_tally *f, uint8_t allowed, struct qev_block_info *info,
                       char *why, size_t cap)
{
    uint8_t seen = f->invalid ? 0xFF : (uint8_t)f->seen;
    if (seen & ~allowed) {
        snprintf(why, cap, "events use fields the header does not declare (flags 0x%02x)", seen);
        return QEV_ECORRUPT;
    }
    info->flags_seen = seen;
    return QEV_OK;
}

static void time_range(const qev_event *ev, const struct block_layout *L,
                       struct qev_block_info *info)
{
    if (L->tcode == TCODE_DELTA) {
        info->tmin = ev[0].t;
        info->tmax = ev[L->n - 1].t;
        return;
    }
    scan_range(ev, L->n, info);
}

/* Sync counts back into times: the residual planes follow the columns, the
 * grid's two constants follow the planes. */
static void grid_times(qev_event *ev, const struct block_layout *L, const uint8_t *planes,
                       uint64_t *scratch, struct qev_block_info *info)
{
    struct qev_grid g = get_grid(planes + (size_t)L->res_width * L->n);
    qev_unshuffle(planes, L->n, L->res_width, 0, L->n, scratch);
    qev_grid_restore(ev, L->n, scratch, &g);
    scan_range(ev, L->n, info);
}

long qev_block_decode(const uint8_t *body, size_t len, qev_event *ev, uint64_t *scratch,
                      uint8_t fields_allowed, struct qev_block_info *info, char *why,
                      size_t why_cap)
{
    struct block_layout L;
    int rc = get_layout(body, len, &L, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    const uint8_t *p = body + QEV_BLOCK_HEADER;
    struct flag_tally flags = {0, 0};
    decode_events(p, &L, ev, &flags);
    p += ((size_t)L.v.width + L.ch.width + L.kind.width + L.flags.width + L.aux.width) * L.n;
    rc = check_flags(&flags, fields_allowed, info, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    info->n = L.n;
    info->sorted = steps_keep_order(&L);
    if (L.grid)
        grid_times(ev, &L, p, scratch, info);
    else
        time_range(ev, &L, info);
    return L.n;
}
