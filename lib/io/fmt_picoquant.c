/* PicoQuant time-tag files: PTU (every record type), the legacy .pt2/.pt3
 * (PicoHarp 300), .ht2/.ht3 (HydraHarp 1.0 and 2.0) and .t3r (TimeHarp 200).
 *
 * Record layouts and overflow rules follow PicoQuant's published record
 * documentation (doc/apx_tttrrecords.html of their file-format demos): see
 * qtag-read(1) for each rule and the rounding of T3 times. */
#include "tagread_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum pq_layout { PQ_PH_T2, PQ_PH_T3, PQ_HH_T2, PQ_HH_T3, PQ_TH_T3R };

#define PH_T2_WRAP 210698240u
#define PH_T3_WRAP 65536u
#define HH1_T2_WRAP 33552000u
#define HH_T2_WRAP 33554432u
#define HH_T3_WRAP 1024u
#define T3R_WRAP 65536u

/* The widest time fields: T2 timetag (PicoHarp: 28 bits), T3 nsync
 * (PicoHarp, t3r: 16 bits), dtime (HydraHarp: 15 bits). */
#define PQ_T2_SPAN (1u << 28)
#define PQ_NSYNC_SPAN (1u << 16)
#define PQ_DTIME_SPAN (1u << 15)
/* Bounds on what a header may claim, so that a lying one cannot push a time
 * out of range on its first record: a T2 or dtime unit of at most 1 ms, a
 * sync period of at most 1 s. */
#define PQ_MAX_UNIT_PS 1e9L
#define PQ_MAX_SYNC_PS 1e12L

/* What a record decoder returns besides 1 (an event) and 0 (none). */
enum { PQ_UNKNOWN = -1, PQ_TIME_OVERFLOW = -2 };

struct pq_decoder {
    enum pq_layout layout;
    int v1;                /* HydraHarp V1: one overflow per record */
    uint64_t ofl;          /* overflow correction, in timetag or nsync units */
    uint64_t max_ofl;      /* the largest correction whose times all fit in int64 ps */
    int64_t unit_ps_int;   /* T2 timetag unit, when a whole number of ps; else 0 */
    long double unit_ps;   /* T2 timetag unit */
    long double sync_ps;   /* T3 macro-time unit: the sync period (t3r: the clock) */
    long double micro_ps;  /* T3 dtime unit */
};

/* ---- records ---- */

static inline int64_t t2_time(const struct pq_decoder *d, uint64_t tag)
{
    if (d->unit_ps_int)
        return (int64_t)tag * d->unit_ps_int;
    return llroundl((long double)tag * d->unit_ps);
}

/* T3: the sync count times the sync period plus the dtime times its unit,
 * summed in long double and rounded once to the nearest picosecond. */
static inline int64_t t3_time(const struct pq_decoder *d, uint64_t nsync, uint32_t dtime)
{
    return llroundl((long double)nsync * d->sync_ps + (long double)dtime * d->micro_ps);
}

static inline void emit(qev_event *e, int64_t t, uint16_t ch, uint8_t kind, uint8_t flags,
                        uint32_t aux)
{
    *e = (qev_event){t, ch, kind, flags, aux};
}

/* Overflow records are the only way times grow without bound, so the range
 * of int64 picoseconds is checked here rather than on every event. */
static int add_overflows(qtag_counts *c, struct pq_decoder *d, uint64_t n, uint64_t wrap)
{
    d->ofl += n * wrap;
    c->overflows += n;
    c->overflow_records++;
    return d->ofl > d->max_ofl ? PQ_TIME_OVERFLOW : 0;
}

/* Each decoder returns 1 when the record made an event, 0 when not,
 * PQ_UNKNOWN for a record it cannot interpret, or PQ_TIME_OVERFLOW. */
static int ph_t2(struct pq_decoder *d, qtag_counts *c, uint32_t rec, qev_event *e)
{
    uint32_t ch = rec >> 28, tag = rec & 0x0FFFFFFFu;
    if (ch == 0xF) {
        uint32_t markers = tag & 0xF;
        if (markers == 0)
            return add_overflows(c, d, 1, PH_T2_WRAP);
        /* the low four time bits carry the markers: the time is the rest */
        emit(e, t2_time(d, d->ofl + (tag & ~0xFu)), 0, QEV_MARKER, QEV_F_VALUE, markers);
        c->markers++;
        return 1;
    }
    if (ch > 4)
        return PQ_UNKNOWN;
    emit(e, t2_time(d, d->ofl + tag), (uint16_t)ch, ch == 0 ? QEV_SYNC : QEV_PHOTON, 0, 0);
    ch == 0 ? c->syncs++ : c->photons++;
    return 1;
}

static int ph_t3(struct pq_decoder *d, qtag_counts *c, uint32_t rec, qev_event *e)
{
    uint32_t ch = rec >> 28, dtime = (rec >> 16) & 0xFFF, nsync = rec & 0xFFFF;
    if (ch == 0xF) {
        if (dtime == 0)
            return add_overflows(c, d, 1, PH_T3_WRAP);
        emit(e, t3_time(d, d->ofl + nsync, 0), 0, QEV_MARKER, QEV_F_VALUE, dtime);
        c->markers++;
        return 1;
    }
    if (ch == 0 || ch > 4)
        return PQ_UNKNOWN;
    emit(e, t3_time(d, d->ofl + nsync, dtime), (uint16_t)ch, QEV_PHOTON, QEV_F_MICRO, dtime);
    c->photons++;
    return 1;
}

static int hh_t2(struct pq_decoder *d, qtag_counts *c, uint32_t rec, qev_event *e)
{
    uint32_t special = rec >> 31, ch = (rec >> 25) & 0x3F, tag = rec & 0x1FFFFFF;
    if (!special) {
        emit(e, t2_time(d, d->ofl + tag), (uint16_t)(ch + 1), QEV_PHOTON, 0, 0);
        c->photons++;
        return 1;
    }
    if (ch == 63)
        return d->v1 ? add_overflows(c, d, 1, HH1_T2_WRAP)
                     : add_overflows(c, d, tag ? tag : 1, HH_T2_WRAP);
    if (ch == 0) {
        emit(e, t2_time(d, d->ofl + tag), 0, QEV_SYNC, 0, 0);
        c->syncs++;
        return 1;
    }
    if (ch > 15)
        return PQ_UNKNOWN;
    emit(e, t2_time(d, d->ofl + tag), 0, QEV_MARKER, QEV_F_VALUE, ch);
    c->markers++;
    return 1;
}

static int hh_t3(struct pq_decoder *d, qtag_counts *c, uint32_t rec, qev_event *e)
{
    uint32_t special = rec >> 31, ch = (rec >> 25) & 0x3F;
    uint32_t dtime = (rec >> 10) & 0x7FFF, nsync = rec & 0x3FF;
    if (!special) {
        emit(e, t3_time(d, d->ofl + nsync, dtime), (uint16_t)(ch + 1), QEV_PHOTON, QEV_F_MICRO,
             dtime);
        c->photons++;
        return 1;
    }
    if (ch == 63)
        return add_overflows(c, d, d->v1 ? 1 : nsync ? nsync : 1, HH_T3_WRAP);
    if (ch == 0 || ch > 15)
        return PQ_UNKNOWN;
    emit(e, t3_time(d, d->ofl + nsync, 0), 0, QEV_MARKER, QEV_F_VALUE, ch);
    c->markers++;
    return 1;
}

/* TimeHarp 200: TimeTag 16 bits of the global clock, Data 12, Route 2, Valid 1. */
static int th_t3r(struct pq_decoder *d, qtag_counts *c, uint32_t rec, qev_event *e)
{
    uint32_t tag = rec & 0xFFFF, data = (rec >> 16) & 0xFFF, route = (rec >> 28) & 3;
    if ((rec >> 30) & 1) {
        emit(e, t3_time(d, d->ofl + tag, data), (uint16_t)(route + 1), QEV_PHOTON, QEV_F_MICRO,
             data);
        c->photons++;
        return 1;
    }
    if (data & 0x800)
        return add_overflows(c, d, 1, T3R_WRAP);
    if ((data & 7) == 0)
        return PQ_UNKNOWN;
    emit(e, t3_time(d, d->ofl + tag, 0), 0, QEV_MARKER, QEV_F_VALUE, data & 7);
    c->markers++;
    return 1;
}

typedef int (*record_decoder)(struct pq_decoder *, qtag_counts *, uint32_t, qev_event *);

/* One loop per record layout: the decoder inlines into it. Returns the events
 * made from records [0, avail), or an error from an unknown record or a time
 * out of range. Messages count records from 1, as the other readers do. */
static inline long decode_run(qtag_reader *r, struct pq_decoder *d, const uint8_t *p, size_t avail,
                              qev_event *out, record_decoder decode)
{
    size_t n = 0;
    for (size_t i = 0; i < avail; i++) {
        uint32_t rec = rd32(p + 4 * i);
        int made = decode(d, &r->counts, rec, &out[n]);
        if (made > 0) {
            n++;
        } else if (made == PQ_TIME_OVERFLOW) {
            return qtag_fail(r, QEV_ECORRUPT,
                             "record %" PRIu64 ": the overflows take times past 2^63 ps",
                             r->counts.records + i + 1);
        } else if (made < 0) {
            r->counts.records += i + 1;
            int rc = qtag_unknown_record(r, rec);
            r->counts.records -= i + 1;
            if (rc != QEV_OK)
                return rc;
        }
    }
    return (long)n;
}

static long decode_layout(qtag_reader *r, struct pq_decoder *d, const uint8_t *p, size_t avail,
                          qev_event *out)
{
    switch (d->layout) {
    case PQ_PH_T2: return decode_run(r, d, p, avail, out, ph_t2);
    case PQ_PH_T3: return decode_run(r, d, p, avail, out, ph_t3);
    case PQ_HH_T2: return decode_run(r, d, p, avail, out, hh_t2);
    case PQ_HH_T3: return decode_run(r, d, p, avail, out, hh_t3);
    default: return decode_run(r, d, p, avail, out, th_t3r);
    }
}

static long pq_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct pq_decoder *d = r->state;
    size_t avail;
    long end = qtag_records_or_end(r, 4, cap, &avail);
    if (!avail)
        return end;
    long n = decode_layout(r, d, qev_input_data(&r->in), avail, out);
    if (n < 0)
        return n;
    r->counts.records += avail;
    qev_input_consume(&r->in, avail * 4);
    return n;
}

static void free_state(void *state) { free(state); }

/* ---- conversion facts into metadata ---- */

static int unit_usable(long double ps, long double max) { return ps > 0 && ps <= max; }

/* The largest overflow correction after which the widest fields still give a
 * time below 2^63 ps. */
static uint64_t max_correction(long double macro_ps, uint32_t span, long double micro_span_ps)
{
    long double units = ((long double)INT64_MAX - micro_span_ps) / macro_ps - span - 1;
    if (units >= (long double)INT64_MAX)
        return INT64_MAX;
    return units > 0 ? (uint64_t)units : 0;
}

static int set_t3_units(qtag_reader *r, struct pq_decoder *d, long double sync_ps,
                        long double micro_ps)
{
    d->sync_ps = sync_ps;
    d->micro_ps = micro_ps;
    if (!unit_usable(d->sync_ps, PQ_MAX_SYNC_PS) || !unit_usable(d->micro_ps, PQ_MAX_UNIT_PS))
        return qtag_fail(r, QEV_EFORMAT, "the header gives no usable sync period or "
                                         "resolution");
    d->max_ofl = max_correction(d->sync_ps, PQ_NSYNC_SPAN, PQ_DTIME_SPAN * d->micro_ps);
    qev_meta_setf(r->meta, "sync_period_ps", "%.17Lg", d->sync_ps);
    qev_meta_setf(r->meta, "microtime_unit_ps", "%.17Lg", d->micro_ps);
    qev_meta_set(r->meta, "fields", "micro,value");
    qev_meta_set(r->meta, "time_rule",
                 "t = round(nsync * sync_period_ps + dtime * microtime_unit_ps); "
                 "micro = dtime");
    return QEV_OK;
}

static int set_t2_units(qtag_reader *r, struct pq_decoder *d, long double t2_unit_ps)
{
    if (!unit_usable(t2_unit_ps, PQ_MAX_UNIT_PS))
        return qtag_fail(r, QEV_EFORMAT, "the header gives no usable time resolution");
    d->unit_ps = t2_unit_ps;
    long double whole = roundl(t2_unit_ps);
    d->unit_ps_int = fabsl(whole - t2_unit_ps) < 1e-9L * t2_unit_ps ? (int64_t)whole : 0;
    if (d->unit_ps_int)
        d->unit_ps = whole;
    d->max_ofl = max_correction(d->unit_ps, PQ_T2_SPAN, 0);
    qev_meta_setf(r->meta, "resolution_ps", "%.17Lg", d->unit_ps);
    qev_meta_set(r->meta, "fields", "value");
    qev_meta_set(r->meta, "time_rule", d->unit_ps_int ? "t = timetag * resolution_ps"
                                                      : "t = round(timetag * resolution_ps)");
    return QEV_OK;
}

static void channel_rule(qtag_reader *r, enum pq_layout layout)
{
    const char *rule = layout == PQ_HH_T2 || layout == PQ_HH_T3
                           ? "input k (0-based in the record) is channel k+1; sync is channel 0"
                       : layout == PQ_TH_T3R ? "routing channel k (0-based) is channel k+1"
                                             : "channel as recorded; 0 is the sync input";
    qev_meta_set(r->meta, "channel_rule", rule);
    qev_meta_set(r->meta, "marker_rule", "kind marker on channel 0, value = marker bits");
}

static struct pq_decoder *new_decoder(qtag_reader *r, enum pq_layout layout, int v1)
{
    struct pq_decoder *d = qtag_state_new(r, sizeof *d);
    if (!d)
        return NULL;
    d->layout = layout;
    d->v1 = v1;
    channel_rule(r, layout);
    return d;
}

/* ---- header bytes ---- */

/* Checks that n more header bytes lie within a regular file: a seek past its
 * end would not notice a size that lies. */
static int header_room(qtag_reader *r, uint64_t n, const char *what)
{
    int64_t size = qev_input_file_size(&r->in);
    uint64_t at = qev_input_offset(&r->in);
    if (size < 0)
        return QEV_OK;
    uint64_t left = (uint64_t)size > at ? (uint64_t)size - at : 0;
    if (n > left)
        return qtag_fail(r, QEV_ETRUNC,
                         "truncated: %s claims %" PRIu64 " bytes, but the file has %" PRIu64
                         " left", what, n, left);
    return QEV_OK;
}

static int skip_header_bytes(qtag_reader *r, uint64_t n, const char *what)
{
    if (header_room(r, n, what) != QEV_OK)
        return r->err.status;
    if (qev_input_skip(&r->in, n) != QEV_OK)
        return r->err.status ? r->err.status
                             : qtag_fail(r, QEV_ETRUNC, "truncated inside %s", what);
    return QEV_OK;
}

/* ---- PTU: the tagged header ---- */

#define PTU_TAG_HEAD 48
#define PTU_MAX_TAGS 100000
#define PTU_MAX_KEPT_PAYLOAD (1u << 16)
/* How much of a header goes into the stream's metadata: a QEV header holds
 * 1 MiB of text, and setting a key costs a scan of the keys already set. */
#define PTU_MAX_KEPT_TAGS 10000
#define PTU_MAX_KEPT_TEXT (512u << 10)

enum ptu_type {
    TY_EMPTY8 = 0xFFFF0008,
    TY_BOOL8 = 0x00000008,
    TY_INT8 = 0x10000008,
    TY_BITSET64 = 0x11000008,
    TY_COLOR8 = 0x12000008,
    TY_FLOAT8 = 0x20000008,
    TY_TDATETIME = 0x21000008,
    TY_FLOAT8ARRAY = 0x2001FFFF,
    TY_ANSISTRING = 0x4001FFFF,
    TY_WIDESTRING = 0x4002FFFF,
    TY_BINARYBLOB = 0xFFFFFFFF,
};

struct ptu_facts {
    int64_t rec_type, bits_per_record, records;
    double global_res, res;
    int have_rec_type, have_global_res, have_res;
    size_t kept, kept_text, omitted; /* tags in the metadata, and those left out */
};

static int ptu_probe(const uint8_t *h, size_t n)
{
    return n >= 16 && memcmp(h, "PQTTTR\0\0", 8) == 0;
}

static void put_utf8(char *out, size_t *used, size_t cap, uint32_t cp)
{
    char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18);
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (*used + k < cap) {
        memcpy(out + *used, b, k);
        *used += k;
    }
}

/* UTF-16LE to UTF-8, up to the first NUL; control characters become spaces. */
static void wide_to_utf8(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = rd16(p + i);
        if (u == 0)
            break;
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < n) {
            uint32_t lo = rd16(p + i + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        put_utf8(out, &used, cap, u < 0x20 ? ' ' : u);
    }
    out[used] = '\0';
}

static void ansi_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap && p[k]; k++)
        out[k] = p[k] < 0x20 ? ' ' : (char)p[k];
    out[k] = '\0';
}

static void datetime_text(double days, char *out, size_t cap)
{
    double secs = (days - 25569.0) * 86400.0;
    if (!(secs > -1e12 && secs < 1e12)) {
        snprintf(out, cap, "%.17g", days);
        return;
    }
    time_t t = (time_t)floor(secs);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void float_array_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t used = 0, count = n / 8;
    out[0] = '\0';
    for (size_t i = 0; i < count && i < 16 && used + 32 < cap; i++) {
        double v;
        memcpy(&v, p + 8 * i, 8);
        used += (size_t)snprintf(out + used, cap - used, "%s%.17g", i ? "," : "", v);
    }
    if (count > 16 && used + 32 < cap)
        snprintf(out + used, cap - used, ",... (%zu values)", count);
}

/* The value of one tag as metadata text. payload is NULL for inline types. */
static void tag_text(uint32_t type, uint64_t value, const uint8_t *payload, size_t n, char *out,
                     size_t cap)
{
    double f;
    memcpy(&f, &value, 8);
    switch (type) {
    case TY_EMPTY8: out[0] = '\0'; break;
    case TY_BOOL8: snprintf(out, cap, "%s", value ? "true" : "false"); break;
    case TY_INT8: snprintf(out, cap, "%" PRId64, (int64_t)value); break;
    case TY_BITSET64:
    case TY_COLOR8: snprintf(out, cap, "0x%" PRIx64, value); break;
    case TY_FLOAT8: snprintf(out, cap, "%.17g", f); break;
    case TY_TDATETIME: datetime_text(f, out, cap); break;
    case TY_FLOAT8ARRAY: float_array_text(payload, n, out, cap); break;
    case TY_ANSISTRING: ansi_text(payload, n, out, cap); break;
    case TY_WIDESTRING: wide_to_utf8(payload, n, out, cap); break;
    default:
        if (payload)
            snprintf(out, cap, "<%zu bytes>", n);
        else
            snprintf(out, cap, "0x%016" PRIx64, value);
        break;
    }
}

/* The tags the conversion needs, taken only with the type the tag dictionary
 * gives them: a Float8 read as an Int8, or the reverse, is not a value. */
static void note_fact(struct ptu_facts *f, const char *id, uint32_t type, uint64_t value)
{
    double v;
    memcpy(&v, &value, 8);
    if (type == TY_FLOAT8 && strcmp(id, "MeasDesc_GlobalResolution") == 0) {
        f->global_res = v;
        f->have_global_res = 1;
    } else if (type == TY_FLOAT8 && strcmp(id, "MeasDesc_Resolution") == 0) {
        f->res = v;
        f->have_res = 1;
    } else if (type != TY_INT8) {
        return;
    } else if (strcmp(id, "TTResultFormat_TTTRRecType") == 0) {
        f->rec_type = (int64_t)value;
        f->have_rec_type = 1;
    } else if (strcmp(id, "TTResultFormat_BitsPerRecord") == 0) {
        f->bits_per_record = (int64_t)value;
    } else if (strcmp(id, "TTResult_NumberOfRecords") == 0) {
        f->records = (int64_t)value;
    }
}

static int payload_type(uint32_t type) { return (type & 0xFFFF) == 0xFFFF; }

/* A header tag as a metadata key, while the budget lasts: the metadata keeps
 * the first tags, and counts the rest. */
static void ptu_keep(qtag_reader *r, struct ptu_facts *f, const char *key, const char *text)
{
    size_t len = strlen(key) + strlen(text) + 2;
    if (!qev_meta_key_valid(key))
        return;
    if (f->omitted || f->kept == PTU_MAX_KEPT_TAGS || f->kept_text + len > PTU_MAX_KEPT_TEXT) {
        f->omitted++;
        return;
    }
    qev_meta_set(r->meta, key, text);
    f->kept++;
    f->kept_text += len;
}

/* Makes the n payload bytes of a tag readable when they are few enough to
 * show; *payload stays NULL for more, which are skipped afterwards. */
static int ptu_payload(qtag_reader *r, const char *what, uint64_t n, const uint8_t **payload)
{
    *payload = NULL;
    if (header_room(r, n, what) != QEV_OK)
        return r->err.status;
    if (n > PTU_MAX_KEPT_PAYLOAD)
        return QEV_OK;
    if (qev_input_ensure(&r->in, (size_t)n) < n)
        return r->err.status ? r->err.status
                             : qtag_fail(r, QEV_ETRUNC, "truncated inside %s", what);
    *payload = qev_input_data(&r->in);
    return QEV_OK;
}

/* Reads one tag; returns 1 at Header_End, 0 to go on, or an error. */
static int ptu_tag(qtag_reader *r, struct ptu_facts *f)
{
    if (qev_input_ensure(&r->in, PTU_TAG_HEAD) < PTU_TAG_HEAD)
        return r->err.status ? r->err.status
                             : qtag_fail(r, QEV_ETRUNC, "truncated: the PTU header is cut short");
    const uint8_t *h = qev_input_data(&r->in);
    char id[33], what[48], key[64], text[1024];
    memcpy(id, h, 32);
    id[32] = '\0';
    int32_t idx = (int32_t)rd32(h + 32);
    uint32_t type = rd32(h + 36);
    uint64_t value = rd64(h + 40);
    qev_input_consume(&r->in, PTU_TAG_HEAD);
    snprintf(what, sizeof what, "PTU tag %s", id);
    const uint8_t *payload = NULL;
    if (payload_type(type) && ptu_payload(r, what, value, &payload) != QEV_OK)
        return r->err.status;
    if (payload_type(type) && !payload)
        snprintf(text, sizeof text, "<%" PRIu64 " bytes>", value);
    else
        tag_text(type, value, payload, (size_t)value, text, sizeof text);
    if (idx >= 0)
        snprintf(key, sizeof key, "ptu.%s[%d]", id, idx);
    else
        snprintf(key, sizeof key, "ptu.%s", id);
    ptu_keep(r, f, key, text);
    note_fact(f, id, type, value);
    if (payload_type(type) && skip_header_bytes(r, value, what) != QEV_OK)
        return r->err.status;
    return strcmp(id, "Header_End") == 0;
}

struct record_type {
    uint32_t code;
    const char *name;
    enum pq_layout layout;
    int v1, t3;
};

static const struct record_type record_types[] = {
    {0x00010203, "PicoHarp 300 T2", PQ_PH_T2, 0, 0},
    {0x00010303, "PicoHarp 300 T3", PQ_PH_T3, 0, 1},
    {0x00010204, "HydraHarp V1 T2", PQ_HH_T2, 1, 0},
    {0x00010304, "HydraHarp V1 T3", PQ_HH_T3, 1, 1},
    {0x01010204, "HydraHarp V2 T2", PQ_HH_T2, 0, 0},
    {0x01010304, "HydraHarp V2 T3", PQ_HH_T3, 0, 1},
    {0x00010205, "TimeHarp 260 N T2", PQ_HH_T2, 0, 0},
    {0x00010305, "TimeHarp 260 N T3", PQ_HH_T3, 0, 1},
    {0x00010206, "TimeHarp 260 P T2", PQ_HH_T2, 0, 0},
    {0x00010306, "TimeHarp 260 P T3", PQ_HH_T3, 0, 1},
    {0x00010207, "Generic T2 (MultiHarp, PicoHarp 330)", PQ_HH_T2, 0, 0},
    {0x00010307, "Generic T3 (MultiHarp, PicoHarp 330)", PQ_HH_T3, 0, 1},
};

static const struct record_type *find_record_type(int64_t code)
{
    for (size_t i = 0; i < sizeof record_types / sizeof *record_types; i++)
        if (record_types[i].code == code)
            return &record_types[i];
    return NULL;
}

static int ptu_start_records(qtag_reader *r, const struct ptu_facts *f)
{
    if (!f->have_rec_type)
        return qtag_fail(r, QEV_EFORMAT, "the PTU header has no TTResultFormat_TTTRRecType (Int8)");
    const struct record_type *rt = find_record_type(f->rec_type);
    if (!rt)
        return qtag_fail(r, QEV_EFORMAT, "unsupported PTU record type 0x%08" PRIx64,
                         (uint64_t)f->rec_type);
    if (f->bits_per_record && f->bits_per_record != 32)
        return qtag_fail(r, QEV_EFORMAT, "%" PRId64 "-bit records are not PicoQuant TTTR records",
                         f->bits_per_record);
    qev_meta_setf(r->meta, "record_type", "%s (0x%08x)", rt->name, rt->code);
    r->counts.expected_records = f->records > 0 ? (uint64_t)f->records : 0;
    struct pq_decoder *d = new_decoder(r, rt->layout, rt->v1);
    if (!d)
        return r->err.status;
    if (rt->t3) {
        if (!f->have_global_res || !f->have_res)
            return qtag_fail(r, QEV_EFORMAT, "a T3 PTU header needs MeasDesc_GlobalResolution "
                                             "and MeasDesc_Resolution (Float8)");
        return set_t3_units(r, d, (long double)f->global_res * 1e12L,
                            (long double)f->res * 1e12L);
    }
    if (!f->have_global_res)
        return qtag_fail(r, QEV_EFORMAT, "a T2 PTU header needs MeasDesc_GlobalResolution "
                                         "(Float8)");
    return set_t2_units(r, d, (long double)f->global_res * 1e12L);
}

static int ptu_open(qtag_reader *r)
{
    if (qev_input_ensure(&r->in, 16) < 16)
        return qtag_fail(r, QEV_ETRUNC, "truncated: the PTU preamble is cut short");
    const uint8_t *h = qev_input_data(&r->in);
    if (memcmp(h, "PQTTTR\0\0", 8) != 0)
        return qtag_fail(r, QEV_EFORMAT, "not a PTU file (no PQTTTR magic)");
    char version[16];
    ansi_text(h + 8, 8, version, sizeof version);
    qev_meta_set(r->meta, "ptu.version", version);
    qev_input_consume(&r->in, 16);
    struct ptu_facts f = {0};
    for (int tags = 0;; tags++) {
        if (tags == PTU_MAX_TAGS)
            return qtag_fail(r, QEV_EFORMAT, "the PTU header has more than %d tags", PTU_MAX_TAGS);
        int rc = ptu_tag(r, &f);
        if (rc < 0)
            return rc;
        if (rc == 1)
            break;
    }
    if (f.omitted)
        qev_meta_setf(r->meta, "ptu_tags_omitted", "%zu", f.omitted);
    return ptu_start_records(r, &f);
}

const struct qtag_format qtag_fmt_ptu = {
    "ptu", "PicoQuant unified TTTR (.ptu), every record type", ".ptu",
    ptu_probe, ptu_open, pq_decode, free_state, NULL,
};

/* ---- legacy fixed headers ---- */

static int legacy_ident(const uint8_t *h, size_t n, const char *ident)
{
    size_t len = strlen(ident);
    return n >= 16 && memcmp(h, ident, len) == 0 && h[len] == '\0';
}

static int32_t rd_i32(const uint8_t *p) { return (int32_t)rd32(p); }

static double rd_f32(const uint8_t *p)
{
    float f;
    uint32_t u = rd32(p);
    memcpy(&f, &u, 4);
    return f;
}

static double rd_f64(const uint8_t *p)
{
    double f;
    uint64_t u = rd64(p);
    memcpy(&f, &u, 8);
    return f;
}

static void legacy_text(qtag_reader *r, const char *key, const uint8_t *p, size_t n)
{
    char text[300];
    ansi_text(p, n, text, sizeof text);
    qev_meta_set(r->meta, key, text);
}

/* Reads a fixed header of size bytes into view; its end is consumed later. */
static const uint8_t *legacy_header(qtag_reader *r, size_t size)
{
    if (qev_input_ensure(&r->in, size) < size) {
        if (!r->err.status)
            qtag_fail(r, QEV_ETRUNC, "truncated: the %s header is cut short", r->fmt->name);
        return NULL;
    }
    return qev_input_data(&r->in);
}

static void legacy_common_text(qtag_reader *r, const uint8_t *h)
{
    legacy_text(r, "pq.Ident", h, 16);
    legacy_text(r, "pq.FormatVersion", h + 16, 6);
}

/* Consumes the fixed header of size bytes and skips the words 32-bit words
 * after it (what: a header that nothing here reads); records is the count the
 * header promises. */
static int legacy_header_end(qtag_reader *r, size_t size, int32_t words, const char *what,
                             int64_t records)
{
    qev_input_consume(&r->in, size);
    if (skip_header_bytes(r, 4 * (uint64_t)words, what) != QEV_OK)
        return r->err.status;
    r->counts.expected_records = records > 0 ? (uint64_t)records : 0;
    return QEV_OK;
}

/* PicoHarp 300 .pt2/.pt3, format 2.0: text header 328 bytes, binary header
 * 208, one board header 156, TTTR header 36, then ImgHdrSize 32-bit words. */
#define PH_TXT 328
#define PH_BIN 208
#define PH_BOARD 156
#define PH_TTTR 36

static int ph_probe_mode(const uint8_t *h, size_t n, int mode)
{
    return legacy_ident(h, n, "PicoHarp 300") && n >= PH_TXT + 24 &&
           rd_i32(h + PH_TXT + 20) == mode;
}
static int pt2_probe(const uint8_t *h, size_t n) { return ph_probe_mode(h, n, 2); }
static int pt3_probe(const uint8_t *h, size_t n) { return ph_probe_mode(h, n, 3); }

static int ph_open(qtag_reader *r, int t3)
{
    size_t fixed = PH_TXT + PH_BIN + PH_BOARD + PH_TTTR;
    const uint8_t *h = legacy_header(r, fixed);
    if (!h)
        return r->err.status;
    if (!legacy_ident(h, fixed, "PicoHarp 300") || rd_i32(h + PH_TXT + 20) != (t3 ? 3 : 2))
        return qtag_fail(r, QEV_EFORMAT, "not a PicoHarp 300 %s file", t3 ? "T3" : "T2");
    legacy_common_text(r, h);
    legacy_text(r, "pq.CreatorName", h + 22, 18);
    legacy_text(r, "pq.FileTime", h + 52, 18);
    legacy_text(r, "pq.Comment", h + 72, 256);
    const uint8_t *board = h + PH_TXT + PH_BIN, *tttr = board + PH_BOARD;
    double resolution_ns = rd_f32(board + 48);
    int32_t sync_rate = rd_i32(tttr + 12), records = rd_i32(tttr + 28);
    int32_t img_words = rd_i32(tttr + 32);
    qev_meta_setf(r->meta, "pq.Resolution_ns", "%.9g", resolution_ns);
    qev_meta_setf(r->meta, "pq.CntRate0", "%d", sync_rate);
    qev_meta_setf(r->meta, "pq.Records", "%d", records);
    if (img_words < 0 || img_words > (1 << 24))
        return qtag_fail(r, QEV_EFORMAT, "implausible image header size %d", img_words);
    if (legacy_header_end(r, fixed, img_words, "the image header", records) != QEV_OK)
        return r->err.status;
    qev_meta_setf(r->meta, "record_type", "PicoHarp 300 %s (legacy)", t3 ? "T3" : "T2");
    struct pq_decoder *d = new_decoder(r, t3 ? PQ_PH_T3 : PQ_PH_T2, 0);
    if (!d)
        return r->err.status;
    if (!t3)
        return set_t2_units(r, d, 4.0L); /* PicoHarp 300 T2: 4 ps per unit */
    if (sync_rate <= 0)
        return qtag_fail(r, QEV_EFORMAT, "the header gives no sync rate (CntRate0)");
    return set_t3_units(r, d, 1e12L / sync_rate, (long double)resolution_ns * 1000.0L);
}
static int pt2_open(qtag_reader *r) { return ph_open(r, 0); }
static int pt3_open(qtag_reader *r) { return ph_open(r, 1); }

const struct qtag_format qtag_fmt_pt2 = {
    "pt2", "PicoHarp 300 T2, legacy format 2.0 (.pt2)", ".pt2",
    pt2_probe, pt2_open, pq_decode, free_state, NULL,
};
const struct qtag_format qtag_fmt_pt3 = {
    "pt3", "PicoHarp 300 T3, legacy format 2.0 (.pt3)", ".pt3",
    pt3_probe, pt3_open, pq_decode, free_state, NULL,
};

/* HydraHarp .ht2/.ht3, formats 1.0 and 2.0 (2-byte packing): 696 bytes up to
 * SyncOffset, then 16 bytes per input channel, 4 per input rate, and a TTTR
 * header of 24 bytes (int64 NumRecords last), then ImgHdrSize words. */
#define HH_FIXED 696

static int hh_probe_mode(const uint8_t *h, size_t n, int mode)
{
    return legacy_ident(h, n, "HydraHarp") && n >= 348 && rd_i32(h + 340) == mode;
}
static int ht2_probe(const uint8_t *h, size_t n) { return hh_probe_mode(h, n, 2); }
static int ht3_probe(const uint8_t *h, size_t n) { return hh_probe_mode(h, n, 3); }

static int hh_version(qtag_reader *r, const uint8_t *h, int *v1)
{
    if (memcmp(h + 16, "1.0", 3) == 0)
        *v1 = 1;
    else if (memcmp(h + 16, "2.0", 3) == 0)
        *v1 = 0;
    else
        return qtag_fail(r, QEV_EFORMAT, "HydraHarp file format version %.6s is not 1.0 or 2.0",
                         (const char *)h + 16);
    return QEV_OK;
}

static int hh_open(qtag_reader *r, int t3)
{
    const uint8_t *h = legacy_header(r, HH_FIXED);
    if (!h)
        return r->err.status;
    int v1 = 0;
    if (!legacy_ident(h, HH_FIXED, "HydraHarp") || rd_i32(h + 340) != (t3 ? 3 : 2))
        return qtag_fail(r, QEV_EFORMAT, "not a HydraHarp %s file", t3 ? "T3" : "T2");
    if (hh_version(r, h, &v1) != QEV_OK)
        return r->err.status;
    int32_t inputs = rd_i32(h + 664);
    if (inputs < 0 || inputs > 64)
        return qtag_fail(r, QEV_EFORMAT, "implausible number of input channels %d", inputs);
    size_t fixed = HH_FIXED + 20 * (size_t)inputs + 24;
    if (!(h = legacy_header(r, fixed)))
        return r->err.status;
    legacy_common_text(r, h);
    legacy_text(r, "pq.CreatorName", h + 22, 18);
    legacy_text(r, "pq.FileTime", h + 52, 18);
    legacy_text(r, "pq.Comment", h + 72, 256);
    double resolution_ps = rd_f64(h + 352), base_ps = rd_f64(h + 648);
    const uint8_t *tttr = h + HH_FIXED + 20 * (size_t)inputs;
    int32_t sync_rate = rd_i32(tttr), img_words = rd_i32(tttr + 12);
    int64_t records = (int64_t)rd64(tttr + 16);
    qev_meta_setf(r->meta, "pq.Resolution_ps", "%.17g", resolution_ps);
    qev_meta_setf(r->meta, "pq.BaseResolution_ps", "%.17g", base_ps);
    qev_meta_setf(r->meta, "pq.SyncRate", "%d", sync_rate);
    qev_meta_setf(r->meta, "pq.NumRecords", "%" PRId64, records);
    if (img_words < 0 || img_words > (1 << 24))
        return qtag_fail(r, QEV_EFORMAT, "implausible image header size %d", img_words);
    if (legacy_header_end(r, fixed, img_words, "the image header", records) != QEV_OK)
        return r->err.status;
    qev_meta_setf(r->meta, "record_type", "HydraHarp V%d %s (legacy format %s)", v1 ? 1 : 2,
                  t3 ? "T3" : "T2", v1 ? "1.0" : "2.0");
    struct pq_decoder *d = new_decoder(r, t3 ? PQ_HH_T3 : PQ_HH_T2, v1);
    if (!d)
        return r->err.status;
    if (!t3)
        return set_t2_units(r, d, (long double)base_ps); /* timetags count the base resolution */
    if (sync_rate <= 0)
        return qtag_fail(r, QEV_EFORMAT, "the header gives no sync rate");
    return set_t3_units(r, d, 1e12L / sync_rate, (long double)resolution_ps);
}
static int ht2_open(qtag_reader *r) { return hh_open(r, 0); }
static int ht3_open(qtag_reader *r) { return hh_open(r, 1); }

const struct qtag_format qtag_fmt_ht2 = {
    "ht2", "HydraHarp T2, legacy formats 1.0 and 2.0 (.ht2)", ".ht2",
    ht2_probe, ht2_open, pq_decode, free_state, NULL,
};
const struct qtag_format qtag_fmt_ht3 = {
    "ht3", "HydraHarp T3, legacy formats 1.0 and 2.0 (.ht3)", ".ht3",
    ht3_probe, ht3_open, pq_decode, free_state, NULL,
};

/* TimeHarp 200 .t3r, formats 5.0 and 6.0 (2-byte packing): 516 bytes up to the
 * script name, 24 per board, then a TTTR header of 52 bytes. */
#define TH_FIXED 516
#define TH_BOARD 24
#define TH_TTTR 52

static int t3r_probe(const uint8_t *h, size_t n) { return legacy_ident(h, n, "TimeHarp 200"); }

static int t3r_open(qtag_reader *r)
{
    const uint8_t *h = legacy_header(r, TH_FIXED);
    if (!h)
        return r->err.status;
    int32_t boards = rd_i32(h + 320);
    if (boards < 1 || boards > 64)
        return qtag_fail(r, QEV_EFORMAT, "implausible number of boards %d", boards);
    size_t fixed = TH_FIXED + TH_BOARD * (size_t)boards + TH_TTTR;
    if (!(h = legacy_header(r, fixed)))
        return r->err.status;
    legacy_common_text(r, h);
    legacy_text(r, "pq.FileTime", h + 28, 18);
    legacy_text(r, "pq.Comment", h + 48, 256);
    double resolution_ns = rd_f32(h + TH_FIXED + 20);
    const uint8_t *tttr = h + TH_FIXED + TH_BOARD * (size_t)boards;
    int32_t clock_ns = rd_i32(tttr), records = rd_i32(tttr + 44), spec_words = rd_i32(tttr + 48);
    qev_meta_setf(r->meta, "pq.Resolution_ns", "%.9g", resolution_ns);
    qev_meta_setf(r->meta, "pq.TTTRGlobClock_ns", "%d", clock_ns);
    qev_meta_setf(r->meta, "pq.NumberOfRecords", "%d", records);
    if (spec_words < 0 || spec_words > (1 << 24) || clock_ns <= 0)
        return qtag_fail(r, QEV_EFORMAT, "implausible TTTR header (clock %d ns, %d words)",
                         clock_ns, spec_words);
    if (legacy_header_end(r, fixed, spec_words, "the special header", records) != QEV_OK)
        return r->err.status;
    qev_meta_set(r->meta, "record_type", "TimeHarp 200 TTTR (legacy .t3r)");
    struct pq_decoder *d = new_decoder(r, PQ_TH_T3R, 0);
    if (!d)
        return r->err.status;
    return set_t3_units(r, d, (long double)clock_ns * 1000.0L,
                        (long double)resolution_ns * 1000.0L);
}

const struct qtag_format qtag_fmt_t3r = {
    "t3r", "TimeHarp 200 TTTR, legacy formats 5.0 and 6.0 (.t3r)", ".t3r",
    t3r_probe, t3r_open, pq_decode, free_state, NULL,
};
