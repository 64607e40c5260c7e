/* A buffered byte source over a file descriptor, shared by every reader of a
 * stream or a vendor file: it reads ahead, keeps stream offsets, and seeks. */
#ifndef QEV_INPUT_H
#define QEV_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct qev_input {
    int fd, own_fd;
    uint8_t *buf;
    size_t cap, len, pos;
    uint64_t buf_offset; /* stream offset of buf[0] */
    int eof;
    struct qev_error *err; /* where read errors go */
} qev_input;

/* Opens path ("-" is standard input); on failure the error is set in err. */
int qev_input_open(qev_input *in, const char *path, struct qev_error *err);
int qev_input_fdopen(qev_input *in, int fd, struct qev_error *err);
void qev_input_close(qev_input *in);
/* Makes need bytes available at the current position, reading as needed;
 * returns how many there are (fewer at the end of input or on error). */
size_t qev_input_ensure(qev_input *in, size_t need);
static inline const uint8_t *qev_input_data(const qev_input *in) { return in->buf + in->pos; }
static inline void qev_input_consume(qev_input *in, size_t n) { in->pos += n; }
static inline uint64_t qev_input_offset(const qev_input *in) { return in->buf_offset + in->pos; }
/* The offset just past the last byte read so far: where a truncated input ends. */
static inline uint64_t qev_input_end(const qev_input *in) { return in->buf_offset + in->len; }
int qev_input_seek(qev_input *in, uint64_t offset);
/* Skips n bytes, by seeking when the source allows it. */
int qev_input_skip(qev_input *in, uint64_t n);
/* Reads n bytes at an absolute offset without moving (regular files only). */
int qev_input_pread(qev_input *in, uint64_t offset, void *dst, size_t n);
/* The size of a regular file, or -1 for a pipe or a device. */
int64_t qev_input_file_size(const qev_input *in);

#endif
