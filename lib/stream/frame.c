/* Segment header and trailer bodies (qev(5)). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

size_t qev_meta_text_len(const qev_meta *m)
{
    size_t len = 0;
    for (size_t i = 0; i < qev_meta_count(m); i++)
        len += strlen(qev_meta_key(m, i)) + strlen(qev_meta_value(m, i)) + 2;
    for (size_t i = 0; i < qev_meta_provenance_count(m); i++)
        len += strlen(qev_meta_provenance(m, i)) + 2;
    return len;
}

static uint8_t *put_line(uint8_t *p, const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    memcpy(p, a, la);
    memcpy(p + la, sep, ls);
    memcpy(p + la + ls, b, lb);
    p[la + ls + lb] = '\n';
    return p + la + ls + lb + 1;
}

static uint8_t *put_meta_text(const qev_meta *m, uint8_t *p)
{
    for (size_t i = 0; i < qev_meta_count(m); i++)
        p = put_line(p, qev_meta_key(m, i), "=", qev_meta_value(m, i));
    for (size_t i = 0; i < qev_meta_provenance_count(m); i++)
        p = put_line(p, "@", "", qev_meta_provenance(m, i));
    return p;
}

int qev_header_encode(const qev_meta *m, uint8_t **out, size_t *len)
{
    size_t text = qev_meta_text_len(m);
    if (text > QEV_MAX_HEADER_TEXT)
        return QEV_EINVAL;
    size_t body = QEV_HEADER_FIXED + text;
    uint8_t *b = malloc(8 + body);
    if (!b)
        return QEV_ENOMEM;
    wr32(b, QEV_HEADER_MAGIC);
    wr32(b + 4, (uint32_t)body);
    uint8_t *h = b + 8;
    memcpy(h, QEV_HEADER_SIG, 4);
    wr16(h + 4, QEV_FORMAT_MAJOR);
    wr16(h + 6, QEV_FORMAT_MINOR);
    wr32(h + 8, (uint32_t)text);
    uint8_t *p = put_meta_text(m, h + 12);
    wr32(p, qev_crc32(h, 12 + text));
    *out = b;
    *len = 8 + body;
    return QEV_OK;
}

static int add_header_line(qev_meta *m, char *line, char *why, size_t cap)
{
    if (line[0] == '@')
        return qev_meta_add_provenance(m, line + 1);
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(why, cap, "header line without '='");
        return QEV_EFORMAT;
    }
    *eq = '\0';
    if (!qev_meta_key_valid(line)) {
        snprintf(why, cap, "header key is not valid");
        return QEV_EFORMAT;
    }
    return qev_meta_set(m, line, eq + 1);
}

static int parse_meta_text(qev_meta *m, const uint8_t *text, size_t len, char *why, size_t cap)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return QEV_ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = QEV_OK;
    if (len && copy[len - 1] != '\n') {
        snprintf(why, cap, "header text does not end with a newline");
        rc = QEV_EFORMAT;
    }
    if (memchr(copy, '\0', len) || memchr(copy, '\r', len)) {
        snprintf(why, cap, "header text holds a NUL or CR byte");
        rc = QEV_EFORMAT;
    }
    for (char *line = copy, *nl; rc == QEV_OK && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        rc = add_header_line(m, line, why, cap);
    }
    free(copy);
    return rc;
}

int qev_header_decode(const uint8_t *body, size_t len, qev_meta **out, char *why, size_t cap)
{
    *out = NULL;
    if (len < QEV_HEADER_FIXED || memcmp(body, QEV_HEADER_SIG, 4) != 0) {
        snprintf(why, cap, "not a QEV header");
        return QEV_EFORMAT;
    }
    unsigned major = rd16(body + 4), minor = rd16(body + 6);
    if (major != QEV_FORMAT_MAJOR) {
        snprintf(why, cap, "QEV version %u.%u is not supported (this reader reads %u.x)", major,
                 minor, QEV_FORMAT_MAJOR);
        return QEV_EVERSION;
    }
    uint32_t text = rd32(body + 8);
    if (text != len - QEV_HEADER_FIXED) {
        snprintf(why, cap, "header text length %u does not fit its frame", text);
        return QEV_EFORMAT;
    }
    if (rd32(body + 12 + text) != qev_crc32(body, 12 + text)) {
        snprintf(why, cap, "header checksum mismatch");
        return QEV_ECORRUPT;
    }
    qev_meta *m = qev_meta_new();
    if (!m)
        return QEV_ENOMEM;
    int rc = parse_meta_text(m, body + 12, text, why, cap);
    uint8_t fields;
    if (rc == QEV_OK && qev_meta_fields(m, &fields) != QEV_OK) {
        snprintf(why, cap, "header declares an unknown field: fields=%s",
                 qev_meta_get(m, "fields"));
        rc = QEV_EFORMAT;
    }
    if (rc != QEV_OK) {
        qev_meta_free(m);
        return rc;
    }
    *out = m;
    return QEV_OK;
}

void qev_entry_encode(const struct qev_block_entry *e, uint8_t *p)
{
    wr64(p, e->offset);
    wr32(p + 8, e->csize);
    wr32(p + 12, e->events);
    wr64(p + 16, (uint64_t)e->tmin);
    wr64(p + 24, (uint64_t)e->tmax);
}

void qev_entry_decode(const uint8_t *p, struct qev_block_entry *e)
{
    e->offset = rd64(p);
    e->csize = rd32(p + 8);
    e->events = rd32(p + 12);
    e->tmin = (int64_t)rd64(p + 16);
    e->tmax = (int64_t)rd64(p + 24);
}

size_t qev_trailer_frame_size(uint32_t n_blocks, size_t text_len)
{
    return 8 + QEV_TRAILER_FIXED + (size_t)QEV_TRAILER_ENTRY * n_blocks + text_len;
}

int qev_trailer_encode(const struct qev_trailer *t, const struct qev_block_entry *entries,
                       uint8_t **out, size_t *len)
{
    size_t text = t->closing ? qev_meta_text_len(t->closing) : 0;
    if (text > QEV_MAX_HEADER_TEXT)
        return QEV_EINVAL;
    size_t size = qev_trailer_frame_size(t->n_blocks, text);
    uint8_t *frame = malloc(size);
    if (!frame)
        return QEV_ENOMEM;
    wr32(frame, QEV_TRAILER_MAGIC);
    wr32(frame + 4, (uint32_t)(size - 8));
    uint8_t *b = frame + 8;
    memcpy(b, QEV_TRAILER_SIG, 4);
    wr32(b + 4, (uint32_t)text);
    wr64(b + 8, t->events);
    wr64(b + 16, (uint64_t)t->tmin);
    wr64(b + 24, (uint64_t)t->tmax);
    wr64(b + 32, t->segment_bytes);
    uint8_t *p = b + 40;
    for (uint32_t i = 0; i < t->n_blocks; i++, p += QEV_TRAILER_ENTRY)
        qev_entry_encode(&entries[i], p);
    if (t->closing)
        p = put_meta_text(t->closing, p);
    wr32(p, (uint32_t)text);
    wr32(p + 4, t->n_blocks);
    wr32(p + 8, qev_crc32(b, (size_t)(p + 8 - b)));
    memcpy(p + 12, QEV_TRAILER_END, 4);
    *out = frame;
    *len = size;
    return QEV_OK;
}

int qev_trailer_decode(const uint8_t *body, size_t len, struct qev_trailer *t, char *why,
                       size_t cap)
{
    t->closing = NULL;
    if (len < QEV_TRAILER_FIXED || memcmp(body, QEV_TRAILER_SIG, 4) != 0 ||
        memcmp(body + len - 4, QEV_TRAILER_END, 4) != 0 ||
        rd32(body + 4) != rd32(body + len - 16)) {
        snprintf(why, cap, "malformed trailer");
        return QEV_EFORMAT;
    }
    uint32_t text = rd32(body + 4);
    t->n_blocks = rd32(body + len - 12);
    if (text > len - QEV_TRAILER_FIXED ||
        (len - QEV_TRAILER_FIXED - text) / QEV_TRAILER_ENTRY != t->n_blocks ||
        (len - QEV_TRAILER_FIXED - text) % QEV_TRAILER_ENTRY) {
        snprintf(why, cap, "trailer block count does not fit its frame");
        return QEV_EFORMAT;
    }
    if (rd32(body + len - 8) != qev_crc32(body, len - 8)) {
        snprintf(why, cap, "trailer checksum mismatch");
        return QEV_ECORRUPT;
    }
    t->events = rd64(body + 8);
    t->tmin = (int64_t)rd64(body + 16);
    t->tmax = (int64_t)rd64(body + 24);
    t->segment_bytes = rd64(body + 32);
    t->entries = body + 40;
    if (text == 0)
        return QEV_OK;
    t->closing = qev_meta_new();
    if (!t->closing)
        return QEV_ENOMEM;
    int rc = parse_meta_text(t->closing, body + 40 + (size_t)QEV_TRAILER_ENTRY * t->n_blocks,
                             text, why, cap);
    if (rc != QEV_OK) {
        qev_meta_free(t->closing);
        t->closing = NULL;
    }
    return rc;
}
