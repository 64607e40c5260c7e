/* The block body: a 32-byte header, then byte-shuffled columns (qev(5)).
 *
 * Time differences and the channel share one 64-bit word, v = delta << cbits |
 * (channel - base), because a Poisson stream's low bits are incompressible and
 * its high bits nearly constant: shuffled into byte planes, zstd stores the high
 * planes almost for free and the others near their entropy. */
#include "internal.h"

#include <stdio.h>

enum { TCODE_DELTA = 0, TCODE_ZIGZAG = 1 };
#define CBITS_COLUMN 255

struct column {
    uint64_t base;
    uint8_t width; /* bytes per residual; 0: every value equals base */
};

struct block_layout {
    uint32_t n;
    uint8_t tcode, cbits;
    struct column v, ch, kind, flags, aux;
    int64_t t_first;
};

static uint8_t byte_width(uint64_t x)
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

static inline uint64_t zigzag(uint64_t d) { return d << 1 ^ (uint64_t)((int64_t)d >> 63); }
static inline uint64_t unzigzag(uint64_t z) { return z >> 1 ^ -(z & 1); }

size_t qev_block_body_bound(size_t n) { return QEV_BLOCK_HEADER + n * 16; }

struct block_scan {
    int64_t tmin, tmax;
    int monotone;
    uint64_t max_delta, max_zigzag;
    uint32_t ch_min, ch_max, kind_min, kind_max, flags_min, flags_max;
    uint64_t aux_min, aux_max;
    uint8_t flags_or;
};

static void scan_block(const qev_event *ev, size_t n, struct block_scan *s)
{
    s->tmin = s->tmax = ev[0].t;
    s->monotone = 1;
    s->max_delta = s->max_zigzag = 0;
    s->ch_min = s->ch_max = ev[0].channel;
    s->kind_min = s->kind_max = ev[0].kind;
    s->flags_min = s->flags_max = ev[0].flags;
    s->aux_min = s->aux_max = ev[0].aux;
    s->flags_or = 0;
    for (size_t i = 0; i < n; i++) {
        const qev_event *e = &ev[i];
        uint64_t d = i ? (uint64_t)e->t - (uint64_t)ev[i - 1].t : 0;
        if (i && e->t < ev[i - 1].t)
            s->monotone = 0;
        if (d > s->max_delta)
            s->max_delta = d;
        if (zigzag(d) > s->max_zigzag)
            s->max_zigzag = zigzag(d);
        if (e->t < s->tmin)
            s->tmin = e->t;
        if (e->t > s->tmax)
            s->tmax = e->t;
        if (e->channel < s->ch_min)
            s->ch_min = e->channel;
        if (e->channel > s->ch_max)
            s->ch_max = e->channel;
        if (e->kind < s->kind_min)
            s->kind_min = e->kind;
        if (e->kind > s->kind_max)
            s->kind_max = e->kind;
        if (e->flags < s->flags_min)
            s->flags_min = e->flags;
        if (e->flags > s->flags_max)
            s->flags_max = e->flags;
        if (e->aux < s->aux_min)
            s->aux_min = e->aux;
        if (e->aux > s->aux_max)
            s->aux_max = e->aux;
        s->flags_or |= e->flags;
    }
}

static struct column column_for(uint64_t min, uint64_t max)
{
    struct column c = {min, byte_width(max - min)};
    return c;
}

static void choose_layout(const qev_event *ev, size_t n, const struct block_scan *s,
                          struct block_layout *L)
{
    L->n = (uint32_t)n;
    L->t_first = ev[0].t;
    L->tcode = s->monotone ? TCODE_DELTA : TCODE_ZIGZAG;
    uint64_t max_d = s->monotone ? s->max_delta : s->max_zigzag;
    uint8_t cbits = bit_width(s->ch_max - s->ch_min);
    L->ch = column_for(s->ch_min, s->ch_max);
    if (cbits == 0 || max_d >> (64 - cbits) == 0) {
        L->cbits = cbits;
        L->v = column_for(0, max_d << cbits | (s->ch_max - s->ch_min));
        L->ch.width = 0;
    } else {
        L->cbits = CBITS_COLUMN;
        L->v = column_for(0, max_d);
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

/* Writes byte k of every value into plane k. */
static uint8_t *shuffle(const uint64_t *val, size_t n, uint8_t width, uint8_t *out)
{
    for (uint8_t k = 0; k < width; k++) {
        unsigned shift = 8u * k;
        for (size_t i = 0; i < n; i++)
            out[i] = (uint8_t)(val[i] >> shift);
        out += n;
    }
    return out;
}

static uint64_t event_v(const qev_event *ev, size_t i, const struct block_layout *L)
{
    uint64_t d = i ? (uint64_t)ev[i].t - (uint64_t)ev[i - 1].t : 0;
    if (L->tcode == TCODE_ZIGZAG)
        d = zigzag(d);
    if (L->cbits == CBITS_COLUMN)
        return d;
    return d << L->cbits | (ev[i].channel - L->ch.base);
}

size_t qev_block_encode(const qev_event *ev, size_t n, uint8_t *body, uint64_t *scratch,
                        struct qev_block_info *info)
{
    struct block_scan s;
    struct block_layout L;
    scan_block(ev, n, &s);
    choose_layout(ev, n, &s, &L);
    put_layout(body, &L);
    uint8_t *out = body + QEV_BLOCK_HEADER;
    for (size_t i = 0; i < n; i++)
        scratch[i] = event_v(ev, i, &L);
    out = shuffle(scratch, n, L.v.width, out);
    if (L.ch.width) {
        for (size_t i = 0; i < n; i++)
            scratch[i] = ev[i].channel - L.ch.base;
        out = shuffle(scratch, n, L.ch.width, out);
    }
    if (L.kind.width) {
        for (size_t i = 0; i < n; i++)
            scratch[i] = ev[i].kind - L.kind.base;
        out = shuffle(scratch, n, L.kind.width, out);
    }
    if (L.flags.width) {
        for (size_t i = 0; i < n; i++)
            scratch[i] = ev[i].flags - L.flags.base;
        out = shuffle(scratch, n, L.flags.width, out);
    }
    if (L.aux.width) {
        for (size_t i = 0; i < n; i++)
            scratch[i] = ev[i].aux - L.aux.base;
        out = shuffle(scratch, n, L.aux.width, out);
    }
    info->n = (uint32_t)n;
    info->tmin = s.tmin;
    info->tmax = s.tmax;
    info->flags_seen = s.flags_or;
    return (size_t)(out - body);
}

/* ---- decoding ---- */

static inline uint64_t gather(const uint8_t *p, size_t n, size_t i, unsigned width)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < width; k++)
        v |= (uint64_t)p[k * n + i] << (8 * k);
    return v;
}

/* Rebuilds values from planes; one loop per width so the compiler unrolls it. */
static void unshuffle(const uint8_t *p, size_t n, unsigned width, uint64_t *out)
{
#define UNSHUFFLE_CASE(W)                                                                   \
    case W:                                                                                 \
        for (size_t i = 0; i < n; i++)                                                      \
            out[i] = gather(p, n, i, W);                                                    \
        break;
    switch (width) {
    case 0:
        memset(out, 0, n * sizeof *out);
        break;
        UNSHUFFLE_CASE(1)
        UNSHUFFLE_CASE(2)
        UNSHUFFLE_CASE(3)
        UNSHUFFLE_CASE(4)
        UNSHUFFLE_CASE(5)
        UNSHUFFLE_CASE(6)
        UNSHUFFLE_CASE(7)
        UNSHUFFLE_CASE(8)
    }
#undef UNSHUFFLE_CASE
}

static int get_layout(const uint8_t *h, size_t len, struct block_layout *L, char *why, size_t cap)
{
    if (len < QEV_BLOCK_HEADER) {
        snprintf(why, cap, "block body of %zu bytes is shorter than its header", len);
        return QEV_ECORRUPT;
    }
    L->n = rd32(h);
    L->tcode = h[4];
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
    if (L->tcode > TCODE_ZIGZAG || !columns_ok || !folded_ok || h[11] || rd32(h + 20)) {
        snprintf(why, cap, "unsupported block layout");
        return QEV_ECORRUPT;
    }
    if (L->n == 0 || L->n > QEV_MAX_BLOCK_EVENTS) {
        snprintf(why, cap, "block claims %u events", L->n);
        return QEV_ECORRUPT;
    }
    size_t per_event = (size_t)L->v.width + L->ch.width + L->kind.width + L->flags.width +
                       L->aux.width;
    if (len != QEV_BLOCK_HEADER + per_event * L->n) {
        snprintf(why, cap, "block body of %zu bytes does not fit %u events", len, L->n);
        return QEV_ECORRUPT;
    }
    return QEV_OK;
}

static void decode_times(const uint64_t *v, const struct block_layout *L, qev_event *ev)
{
    uint64_t t = (uint64_t)L->t_first;
    unsigned shift = L->cbits == CBITS_COLUMN ? 0 : L->cbits;
    uint64_t mask = (UINT64_C(1) << shift) - 1;
    uint16_t chb = (uint16_t)L->ch.base;
    qev_event proto = {0, chb, (uint8_t)L->kind.base, (uint8_t)L->flags.base,
                       (uint32_t)L->aux.base};
    if (L->tcode == TCODE_DELTA) {
        for (uint32_t i = 0; i < L->n; i++) {
            t += v[i] >> shift;
            ev[i] = proto;
            ev[i].t = (int64_t)t;
            ev[i].channel = (uint16_t)(chb + (v[i] & mask));
        }
    } else {
        for (uint32_t i = 0; i < L->n; i++) {
            t += unzigzag(v[i] >> shift);
            ev[i] = proto;
            ev[i].t = (int64_t)t;
            ev[i].channel = (uint16_t)(chb + (v[i] & mask));
        }
    }
}

/* Applies one optional column; returns the plane pointer after it. */
static const uint8_t *apply_column(const uint8_t *p, const struct block_layout *L, int which,
                                   qev_event *ev, uint64_t *scratch)
{
    const struct column *c = which == 0 ? &L->ch : which == 1 ? &L->kind
                           : which == 2 ? &L->flags : &L->aux;
    if (!c->width)
        return p;
    unshuffle(p, L->n, c->width, scratch);
    for (uint32_t i = 0; i < L->n; i++) {
        uint64_t x = c->base + scratch[i];
        if (which == 0)
            ev[i].channel = (uint16_t)x;
        else if (which == 1)
            ev[i].kind = (uint8_t)x;
        else if (which == 2)
            ev[i].flags = (uint8_t)x;
        else
            ev[i].aux = (uint32_t)x;
    }
    return p + (size_t)c->width * L->n;
}

static int check_flags(const qev_event *ev, const struct block_layout *L, uint8_t allowed,
                       struct qev_block_info *info, char *why, size_t cap)
{
    uint8_t seen = 0;
    if (L->flags.width == 0) {
        seen = (uint8_t)L->flags.base;
        if (!qev_event_flags_valid(seen))
            seen = 0xFF;
    } else {
        for (uint32_t i = 0; i < L->n; i++) {
            if (!qev_event_flags_valid(ev[i].flags)) {
                seen = 0xFF;
                break;
            }
            seen |= ev[i].flags;
        }
    }
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
    info->tmin = info->tmax = ev[0].t;
    for (uint32_t i = 1; i < L->n; i++) {
        if (ev[i].t < info->tmin)
            info->tmin = ev[i].t;
        if (ev[i].t > info->tmax)
            info->tmax = ev[i].t;
    }
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
    unshuffle(p, L.n, L.v.width, scratch);
    p += (size_t)L.v.width * L.n;
    decode_times(scratch, &L, ev);
    for (int which = 0; which < 4; which++)
        p = apply_column(p, &L, which, ev, scratch);
    rc = check_flags(ev, &L, fields_allowed, info, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    info->n = L.n;
    time_range(ev, &L, info);
    return L.n;
}
