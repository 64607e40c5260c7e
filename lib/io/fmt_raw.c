/* Headerless binary records, chosen only with --format:
 * - raw: int64 time and a 16- or 32-bit channel, little-endian, times in a
 *   unit the user gives (exact: a time that overflows int64 ps is an error);
 * - raw16: the 16-byte records `qcat -O raw` writes (int64 time_ps, uint16
 *   channel, uint8 kind, uint8 flags, uint32 aux), read back unchanged. */
#include "tagread_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define RAW16_RECORD 16
#define SCAN_CHUNK (1u << 16)

struct raw_state {
    size_t record_size;
    int channel_bytes; /* raw: 2 or 4 */
    int64_t unit_ps;   /* raw: one time unit */
    uint8_t fields;    /* raw16: the flags the stream declares */
};

static void free_state(void *state) { free(state); }

static struct raw_state *new_state(qtag_reader *r, size_t record_size)
{
    struct raw_state *s = qtag_state_new(r, sizeof *s);
    if (!s)
        return NULL;
    s->record_size = record_size;
    return s;
}

/* ---- raw ---- */

static long raw_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct raw_state *s = r->state;
    size_t avail;
    long end = qtag_records_or_end(r, s->record_size, cap, &avail);
    if (!avail)
        return end;
    const uint8_t *p = qev_input_data(&r->in);
    size_t n = 0;
    for (size_t i = 0; i < avail; i++) {
        const uint8_t *rec = p + s->record_size * i;
        int64_t time = (int64_t)rd64(rec), t;
        uint32_t ch = s->channel_bytes == 4 ? rd32(rec + 8) : rd16(rec + 8);
        r->counts.records++;
        if (__builtin_mul_overflow(time, s->unit_ps, &t))
            return qtag_fail(r, QEV_ECORRUPT,
                             "record %" PRIu64 ": time %" PRId64 " x %" PRId64
                             " ps does not fit int64 picoseconds",
                             r->counts.records, time, s->unit_ps);
        if (ch > UINT16_MAX) {
            if (qtag_unknown_record(r, ch) != QEV_OK)
                return r->err.status;
            continue;
        }
        out[n++] = (qev_event){t, (uint16_t)ch, QEV_PHOTON, 0, 0};
        r->counts.photons++;
    }
    qev_input_consume(&r->in, avail * s->record_size);
    return (long)n;
}

static int raw_open(qtag_reader *r)
{
    int bytes = r->opts.raw_channel_bytes ? r->opts.raw_channel_bytes : 2;
    if (bytes != 2 && bytes != 4)
        return qtag_fail(r, QEV_EINVAL, "raw records have a channel of 2 or 4 bytes, not %d",
                         bytes);
    int64_t unit = r->opts.time_unit_ps ? r->opts.time_unit_ps : 1;
    if (unit <= 0)
        return qtag_fail(r, QEV_EINVAL, "the time unit must be positive");
    struct raw_state *s = new_state(r, 8 + (size_t)bytes);
    if (!s)
        return r->err.status;
    s->channel_bytes = bytes;
    s->unit_ps = unit;
    qev_meta_setf(r->meta, "record_type", "raw: int64 time and uint%d channel, little-endian, "
                                          "%zu-byte records, no header", 8 * bytes,
                  s->record_size);
    qev_meta_setf(r->meta, "resolution_ps", "%" PRId64, unit);
    qev_meta_set(r->meta, "fields", "");
    qev_meta_set(r->meta, "time_rule", "t = time * resolution_ps, exact; a product past int64 "
                                       "is an error");
    qev_meta_set(r->meta, "channel_rule", "channel as recorded, kind photon; a 32-bit channel "
                                          "above 65535 cannot be interpreted");
    return QEV_OK;
}

const struct qtag_format qtag_fmt_raw = {
    "raw", "raw records: int64 time + uint16 (or --channel-bytes 4) channel, no header", "",
    NULL, raw_open, raw_decode, free_state, NULL,
};

/* ---- raw16 ---- */

static void count_kind(qtag_counts *c, uint8_t kind)
{
    if (kind == QEV_PHOTON)
        c->photons++;
    else if (kind == QEV_SYNC)
        c->syncs++;
    else if (kind == QEV_MARKER)
        c->markers++;
}

static long raw16_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct raw_state *s = r->state;
    size_t avail;
    long end = qtag_records_or_end(r, RAW16_RECORD, cap, &avail);
    if (!avail)
        return end;
    const uint8_t *p = qev_input_data(&r->in);
    size_t n = 0;
    for (size_t i = 0; i < avail; i++) {
        const uint8_t *rec = p + RAW16_RECORD * i;
        qev_event e = {(int64_t)rd64(rec), rd16(rec + 8), rec[10], rec[11], rd32(rec + 12)};
        r->counts.records++;
        if (!qev_event_flags_valid(e.flags)) {
            if (qtag_unknown_record(r, e.flags) != QEV_OK)
                return r->err.status;
            continue;
        }
        if (e.flags & ~s->fields)
            return qtag_fail(r, QEV_ECORRUPT,
                             "record %" PRIu64 " uses flags 0x%02x that were not in the file "
                             "when it was scanned: it changed while being read",
                             r->counts.records, e.flags);
        out[n++] = e;
        count_kind(&r->counts, e.kind);
    }
    qev_input_consume(&r->in, avail * RAW16_RECORD);
    return (long)n;
}

/* The flags the whole file uses, read ahead with pread so that the header can
 * declare exactly those fields. 0 when the input is not a regular file. */
static int raw16_scan_fields(qtag_reader *r, uint8_t *fields)
{
    int64_t size = qev_input_file_size(&r->in);
    if (size < 0)
        return 0;
    uint8_t *buf = malloc(SCAN_CHUNK);
    if (!buf)
        return qtag_fail(r, QEV_ENOMEM, "out of memory");
    uint64_t off = qev_input_offset(&r->in), end = (uint64_t)size;
    int rc = 1;
    while (rc == 1 && end - off >= RAW16_RECORD) {
        uint64_t left = (end - off) / RAW16_RECORD * RAW16_RECORD;
        size_t want = left < SCAN_CHUNK ? (size_t)left : SCAN_CHUNK;
        if (qev_input_pread(&r->in, off, buf, want) != QEV_OK) {
            rc = qtag_fail(r, QEV_EIO, "read error while scanning the records for their fields");
            break;
        }
        for (size_t k = 11; k < want; k += RAW16_RECORD)
            if (qev_event_flags_valid(buf[k]))
                *fields |= buf[k];
        off += want;
    }
    free(buf);
    return rc;
}

static int raw16_declare_fields(qtag_reader *r, struct raw_state *s)
{
    int scanned = raw16_scan_fields(r, &s->fields);
    if (scanned < 0)
        return scanned;
    if (!scanned)
        s->fields = QEV_F_ALL;
    char names[64];
    qev_fields_string(s->fields, names, sizeof names);
    qev_meta_set(r->meta, "fields", names);
    qev_meta_set(r->meta, "fields_rule",
                 scanned ? "the fields the records use, from a scan of the whole file"
                         : "every field: the input is not a regular file, so it was not "
                           "scanned first");
    return QEV_OK;
}

static int raw16_open(qtag_reader *r)
{
    if (r->opts.time_unit_ps > 1)
        return qtag_fail(r, QEV_EINVAL, "raw16 times are picoseconds: --time-unit does not "
                                        "apply");
    if (r->opts.raw_channel_bytes && r->opts.raw_channel_bytes != 2)
        return qtag_fail(r, QEV_EINVAL, "raw16 channels are 2 bytes: --channel-bytes does not "
                                        "apply");
    struct raw_state *s = new_state(r, RAW16_RECORD);
    if (!s)
        return r->err.status;
    qev_meta_set(r->meta, "record_type", "raw16: 16-byte records of int64 time_ps, uint16 "
                                         "channel, uint8 kind, uint8 flags, uint32 aux "
                                         "(qcat -O raw)");
    qev_meta_set(r->meta, "time_rule", "t = time_ps as recorded");
    qev_meta_set(r->meta, "channel_rule", "channel, kind, flags and aux as recorded; a record "
                                          "whose flags are not valid cannot be interpreted");
    return raw16_declare_fields(r, s);
}

const struct qtag_format qtag_fmt_raw16 = {
    "raw16", "qcat -O raw records: int64 time_ps, uint16 channel, kind, flags, uint32 aux", "",
    NULL, raw16_open, raw16_decode, free_state, NULL,
};
