/* qutools quTAG binary files (FORMAT_BINARY of tdcbase.h): a 40-byte header
 * that starts with the bytes 87 B3 91 FA, then 10-byte records of a uint64
 * time in ps and a uint16 channel, little-endian (docs/formats.md section 2.2).
 *
 * Only the magic of the header is known; the rest is kept as hex. The
 * compressed 5-byte records (FORMAT_COMPRESSED) are not read: their 37-bit
 * time counts device base units ("roughly 81 ps" on the quTAU) rather than
 * picoseconds, and how the wrap after about 11 s is rebuilt is not published.
 *
 * quTAG records of different channels can come slightly out of time order.
 * They are kept in file order, and the steps back are counted. */
#include "tagread_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define QUTAG_HEADER 40
#define QUTAG_RECORD 10
/* tdcbase.h: markers 0-3 (rising edges) and 4 (a 1 ms tick) come as channels
 * 100-104, falling edges as 200-203; the numbers below 100 are left to inputs. */
#define QUTAG_FIRST_MARKER 100

static int is_marker(uint16_t ch) { return (ch >= 100 && ch <= 104) || (ch >= 200 && ch <= 203); }

static const uint8_t qutag_magic[4] = {0x87, 0xB3, 0x91, 0xFA};

struct qutag_state {
    int64_t prev_t;
    int have_prev;
    uint64_t backward; /* records earlier than the record before them */
};

static int qutag_probe(const uint8_t *h, size_t n)
{
    return n >= sizeof qutag_magic && memcmp(h, qutag_magic, sizeof qutag_magic) == 0;
}

/* Returns 1 when the record made an event, -1 when it cannot be interpreted. */
static int qutag_record(struct qutag_state *s, qtag_counts *c, const uint8_t *p, qev_event *e)
{
    uint64_t t = rd64(p);
    uint16_t ch = rd16(p + 8);
    if (t > INT64_MAX)
        return -1;
    if (ch < QUTAG_FIRST_MARKER) {
        *e = (qev_event){(int64_t)t, ch, QEV_PHOTON, 0, 0};
        c->photons++;
    } else if (is_marker(ch)) {
        *e = (qev_event){(int64_t)t, ch, QEV_MARKER, QEV_F_VALUE, ch % 100u};
        c->markers++;
    } else {
        return -1;
    }
    s->backward += s->have_prev && (int64_t)t < s->prev_t;
    s->prev_t = (int64_t)t;
    s->have_prev = 1;
    return 1;
}

/* quTAG files may be slightly out of time order: how often closes the segment. */
static void qutag_describe(const qtag_reader *r, qev_meta *closing)
{
    const struct qutag_state *s = r->state;
    qev_meta_setf(closing, "qutag.backward_records", "%" PRIu64, s->backward);
}

static long qutag_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct qutag_state *s = r->state;
    size_t avail;
    long end = qtag_records_or_end(r, QUTAG_RECORD, cap, &avail);
    if (!avail)
        return end;
    const uint8_t *p = qev_input_data(&r->in);
    size_t n = 0;
    for (size_t i = 0; i < avail; i++) {
        const uint8_t *rec = p + QUTAG_RECORD * i;
        int made = qutag_record(s, &r->counts, rec, &out[n]);
        r->counts.records++;
        if (made > 0)
            n++;
        else if (qtag_unknown_record(r, rd16(rec + 8)) != QEV_OK)
            return r->err.status;
    }
    qev_input_consume(&r->in, avail * QUTAG_RECORD);
    return (long)n;
}

static void free_state(void *state) { free(state); }

static void qutag_rules(qtag_reader *r)
{
    qev_meta_set(r->meta, "record_type", "quTAG FORMAT_BINARY, 10-byte records");
    qev_meta_set(r->meta, "resolution_ps", "1");
    qev_meta_set(r->meta, "fields", "value");
    qev_meta_set(r->meta, "time_rule",
                 "t = the record's time in ps; records keep the file's order, which may step "
                 "back between channels");
    qev_meta_set(r->meta, "channel_rule",
                 "channels as recorded; 0-99 are inputs (kind photon); 100-104 and 200-203 are "
                 "markers; other numbers cannot be interpreted");
    qev_meta_set(r->meta, "marker_rule",
                 "channels 100-104 (rising edges of markers 0-3; 104 is the 1 ms tick) and "
                 "200-203 (falling edges): kind marker, channel as recorded, value = channel "
                 "mod 100");
}

static int qutag_open(qtag_reader *r)
{
    size_t got = qev_input_ensure(&r->in, QUTAG_HEADER);
    if (got < QUTAG_HEADER && r->err.status)
        return r->err.status;
    const uint8_t *h = qev_input_data(&r->in);
    if (got == 0)
        return qtag_fail(r, QEV_EFORMAT, "empty file");
    int magic_cut = got < sizeof qutag_magic && memcmp(h, qutag_magic, got) == 0;
    if (!magic_cut && !qutag_probe(h, got))
        return qtag_fail(r, QEV_EFORMAT, "not a quTAG binary file (no 87 B3 91 FA magic)");
    if (got < QUTAG_HEADER)
        return qtag_fail(r, QEV_ETRUNC, "truncated: the 40-byte quTAG header is cut short "
                                        "(%zu bytes)", got);
    char hex[2 * QUTAG_HEADER + 1];
    for (size_t i = 0; i < QUTAG_HEADER; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    qev_meta_set(r->meta, "qutag.header", hex);
    qev_input_consume(&r->in, QUTAG_HEADER);
    if (!qtag_state_new(r, sizeof(struct qutag_state)))
        return r->err.status;
    qutag_rules(r);
    return QEV_OK;
}

const struct qtag_format qtag_fmt_qutag = {
    "qutag", "qutools quTAG binary (FORMAT_BINARY: 40-byte header, 10-byte records)", "",
    qutag_probe, qutag_open, qutag_decode, free_state, qutag_describe,
};
