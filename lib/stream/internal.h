/* Private helpers of libqev, shared by its modules. */
#ifndef QEV_INTERNAL_H
#define QEV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qev.h"

/* Frame magics: skippable zstd frames carry the header and the trailer, so the
 * whole stream is a valid zstd file. */
#define QEV_ZSTD_MAGIC 0xFD2FB528u
#define QEV_SKIP_MAGIC_MIN 0x184D2A50u
#define QEV_SKIP_MAGIC_MAX 0x184D2A5Fu
#define QEV_HEADER_MAGIC 0x184D2A51u
#define QEV_TRAILER_MAGIC 0x184D2A52u

#define QEV_HEADER_SIG "QEVH"
#define QEV_TRAILER_SIG "QEVT"
#define QEV_TRAILER_END "QEVE"
#define QEV_HEADER_FIXED 16u          /* sig, version, text length, crc */
#define QEV_MAX_HEADER_TEXT (1u << 20)
#define QEV_TRAILER_FIXED 56u         /* without the block entries and closing text */
#define QEV_TRAILER_ENTRY 32u
#define QEV_TRAILER_TAIL 16u          /* text length, n_blocks, crc, end signature */
#define QEV_BLOCK_HEADER 32u

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}
static inline void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

uint32_t qev_crc32(const void *data, size_t n);
/* Continues a CRC: qev_crc32_update(qev_crc32(a), b) == qev_crc32(a then b). */
uint32_t qev_crc32_update(uint32_t crc, const void *data, size_t n);
#define QEV_MAX_SEGMENT_BLOCKS (1u << 20)

/* A sticky error: the first one wins. */
struct qev_error {
    int status;
    uint64_t offset;
    char msg[320];
};
int qev_error_set(struct qev_error *e, int status, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* For functions that report through a caller's buffer: the message into why
 * (when cap is not 0), and status back. */
int qev_why(char *why, size_t cap, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Room for need items in an array whose capacity doubles, from first items,
 * until they fit: the array, perhaps moved, with *cap raised. An array of no
 * capacity is allocated even for no items, so that NULL always means memory
 * ran out; the array and *cap are then as they were. */
void *qev_grow(void *items, size_t *cap, size_t need, size_t item_size, size_t first);

struct strlist {
    char **s;
    size_t n, cap;
};
int strlist_push(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

int qev_meta_key_valid(const char *key);

/* Header and trailer bodies (the bytes after the 8-byte skippable frame head). */
int qev_header_encode(const qev_meta *m, uint8_t **out, size_t *len);
int qev_header_decode(const uint8_t *body, size_t len, qev_meta **m, char *why, size_t why_cap);

struct qev_block_entry {
    uint64_t offset; /* from the start of the segment */
    uint32_t csize;
    uint32_t events;
    int64_t tmin, tmax;
};

struct qev_trailer {
    uint64_t events;
    int64_t tmin, tmax;     /* INT64_MAX, INT64_MIN for an empty segment */
    uint64_t segment_bytes; /* from the segment's start to the trailer */
    uint32_t n_blocks;
    const uint8_t *entries; /* encoded entries, when decoded from bytes */
    qev_meta *closing;      /* closing metadata: counts known only at the end */
};
void qev_entry_encode(const struct qev_block_entry *e, uint8_t *p);
void qev_entry_decode(const uint8_t *p, struct qev_block_entry *e);
size_t qev_trailer_frame_size(uint32_t n_blocks, size_t text_len);
size_t qev_meta_text_len(const qev_meta *m);
/* The whole trailer frame, allocated; closing may be NULL. */
int qev_trailer_encode(const struct qev_trailer *t, const struct qev_block_entry *entries,
                       uint8_t **frame, size_t *len);
/* Decodes a trailer body; t->closing is a new qev_meta the caller frees. */
int qev_trailer_decode(const uint8_t *body, size_t len, struct qev_trailer *t, char *why,
                       size_t cap);

static inline uint64_t zigzag(uint64_t d) { return d << 1 ^ (uint64_t)((int64_t)d >> 63); }
static inline uint64_t unzigzag(uint64_t z) { return z >> 1 ^ -(z & 1); }
uint8_t qev_byte_width(uint64_t x);
/* Byte planes: byte k of every value goes to plane k (n bytes each). */
uint8_t *qev_shuffle(const uint64_t *val, size_t n, uint8_t width, uint8_t *out);
void qev_unshuffle(const uint8_t *planes, size_t n, unsigned width, size_t from, size_t count,
                   uint64_t *out);

/* Block codec. Encoding fills a decompressed body; the caller compresses it. */
struct qev_block_info {
    uint32_t n;
    int64_t tmin, tmax;
    uint8_t flags_seen;
    uint8_t sorted; /* in time order by the block's coding alone */
};
/* Room for a body of n events, on the grid or not. */
size_t qev_block_body_bound(size_t n);
size_t qev_block_encode(const qev_event *ev, size_t n, uint8_t *body, uint64_t *scratch,
                        struct qev_block_info *info);
/* T3 blocks on the sync grid: a flag in the block header's tcode byte, the
 * residual width in byte 11, residual planes and the two grid constants
 * after the columns. The codec lays the block out; grid.c, which calls
 * nothing of the codec, holds the arithmetic. */
#define QEV_TCODE_GRID 2u
struct qev_grid {
    double sync_ps, micro_ps;
};
/* Encodes on the grid when that takes fewer bytes; returns 0 when it does not.
 * scratch holds 2n values, tmp n events. */
size_t qev_block_encode_grid(const qev_event *ev, size_t n, const struct qev_grid *g,
                             uint8_t *body, uint64_t *scratch, qev_event *tmp,
                             struct qev_block_info *info);
/* The events with their times replaced by sync counts, into counts, and the
 * zigzag residuals of the times against the grid, into res; 0 when the grid
 * is not usable or some event does not fit its range. */
int qev_grid_place(const qev_event *ev, size_t n, const struct qev_grid *g, qev_event *counts,
                   uint64_t *res, uint64_t *max_res);
/* Turns sync counts (ev[i].t) and their zigzag residuals back into times. */
void qev_grid_restore(qev_event *ev, size_t n, const uint64_t *res, const struct qev_grid *g);

/* Decodes a body into events; ev and scratch hold QEV_MAX_BLOCK_EVENTS. Returns
 * the event count, or a negative status with a reason in why. */
long qev_block_decode(const uint8_t *body, size_t len, qev_event *ev, uint64_t *scratch,
                      uint8_t fields_allowed, struct qev_block_info *info, char *why,
                      size_t why_cap);

#endif
