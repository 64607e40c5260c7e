/* libqev: the QEV photon-event stream (see qev(5)), with vendor reading
 * (tagread.h), merging (merge.h) and filtering (filter.h); qev(3) is the manual.
 *
 * Errors, the same in all four headers: the library never prints and never
 * exits. Every call that can fail returns a status, QEV_OK or a negative
 * enum qev_status; reads return the events they give (>= 0), then QEV_END at a
 * clean end, or an error below QEV_END. A handle (reader, writer, vendor
 * reader, merger) keeps its first error, with a message and a byte offset:
 * later calls return it again, *_status and *_error give it, and close
 * returns it, until the handle is freed. An open returns its handle even when
 * it fails, so the message can be read; NULL only without memory. Values
 * (metadata, filters) keep nothing: each call returns its own status. A
 * function named as a question returns 1 or 0.
 *
 * Threads: separate handles may be used in separate threads at the same time.
 * Each handle keeps all of its state, and what the library shares is constant
 * (tables fixed at compile time), so nothing is built on first use. One handle
 * must not be used by two threads at once, since nothing in it is locked; it
 * may pass from one thread to another that the program synchronises with.
 * Metadata that no thread changes may be read by several; a reader's own
 * (qev_reader_meta) is replaced when qev_read enters a new segment. No call
 * changes process state (umask, signals, locale, libhdf5's error printing).
 * Photon-HDF5 goes through libhdf5, which threads may share only when it is
 * built thread-safe. docs/threads.md gives the reasons and what is left. */
#ifndef QEV_H
#define QEV_H

#include <stddef.h>
#include <stdint.h>

/* The one version number of qpipe, its tools and this library, MAJOR.MINOR.PATCH.
 * The Makefile reads it from here for pkg-config and for the SONAME,
 * libqev.so.MAJOR: MAJOR rises when a public declaration is removed or changes
 * meaning (a program built before would break), MINOR when one is added, PATCH
 * for fixes alone. This holds for 0.x releases too. */
#define QPIPE_VERSION "0.1.0"

/* The version of the stream format that the writer writes (qev(5)). A reader
 * reads every minor version of its major one. Independent of QPIPE_VERSION. */
#define QEV_FORMAT_MAJOR 1
#define QEV_FORMAT_MINOR 0

/* Marks what libqev.so exports; everything else in the library is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define QEV_API __attribute__((visibility("default")))
#else
#define QEV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* QPIPE_VERSION of the library the program runs with, which may be newer
 * than the header it was built with. */
QEV_API const char *qev_version(void);

/* Status codes. Reads return >= 0 for events, QEV_END at a clean end, and one
 * of the others, all below QEV_END, on error. */
enum qev_status {
    QEV_OK = 0,
    QEV_END = -1,
    QEV_EIO = -2,       /* read or write failed */
    QEV_ETRUNC = -3,    /* the input ends before its trailer */
    QEV_EFORMAT = -4,   /* not a QEV stream, or a malformed frame */
    QEV_EVERSION = -5,  /* a format version this library does not read */
    QEV_ECORRUPT = -6,  /* checksum mismatch or inconsistent content */
    QEV_ENOMEM = -7,
    QEV_EINVAL = -8,    /* a caller's argument is out of range */
};

enum qev_kind {
    QEV_PHOTON = 0,
    QEV_SYNC = 1,
    QEV_MARKER = 2,
};

/* Flags say what the auxiliary field holds. PIXEL, MICRO and VALUE exclude each
 * other; GROUP may join any of them. */
enum qev_flag {
    QEV_F_PIXEL = 1u << 0, /* aux = x | y << 16 */
    QEV_F_MICRO = 1u << 1, /* aux = micro-time, in the stream's micro-time unit */
    QEV_F_VALUE = 1u << 2, /* aux = marker value or pattern index */
    QEV_F_GROUP = 1u << 3, /* first event of a coincidence group */
};
#define QEV_F_AUX_MASK (QEV_F_PIXEL | QEV_F_MICRO | QEV_F_VALUE)
#define QEV_F_ALL (QEV_F_AUX_MASK | QEV_F_GROUP)

/* What an error about events out of time order tells the user to do: a stream
 * of time-sorted parts is merged, a stream skewed by channel delays is
 * corrected (qcat --merge refuses input that is not sorted already). */
#define QEV_ORDER_HINT "merge time-sorted parts with qcat --merge, or correct channel delays with qcal apply"

/* One event: 16 bytes, time in integer picoseconds since the stream's epoch. */
typedef struct qev_event {
    int64_t t;
    uint16_t channel;
    uint8_t kind;
    uint8_t flags;
    uint32_t aux;
} qev_event;

static inline uint16_t qev_pixel_x(const qev_event *e) { return (uint16_t)e->aux; }
static inline uint16_t qev_pixel_y(const qev_event *e) { return (uint16_t)(e->aux >> 16); }
static inline uint32_t qev_pixel_aux(uint16_t x, uint16_t y) { return (uint32_t)x | (uint32_t)y << 16; }

/* Checks that an event's flags are known and its aux field is used by at most
 * one meaning. */
QEV_API int qev_event_flags_valid(uint8_t flags);

/* ---- metadata: key=value lines and provenance lines of a segment header ---- */

typedef struct qev_meta qev_meta;

QEV_API qev_meta *qev_meta_new(void);
QEV_API qev_meta *qev_meta_dup(const qev_meta *m);
QEV_API void qev_meta_free(qev_meta *m);
/* Keys are [A-Za-z0-9_.:$[]-]+; values hold no newline. Setting a key again
 * replaces its value. */
QEV_API int qev_meta_set(qev_meta *m, const char *key, const char *value);
QEV_API int qev_meta_setf(qev_meta *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
QEV_API const char *qev_meta_get(const qev_meta *m, const char *key);
QEV_API size_t qev_meta_count(const qev_meta *m);
QEV_API const char *qev_meta_key(const qev_meta *m, size_t i);
QEV_API const char *qev_meta_value(const qev_meta *m, size_t i);
/* Provenance: one line per tool the data passed through, oldest first. */
QEV_API int qev_meta_add_provenance(qev_meta *m, const char *line);
QEV_API size_t qev_meta_provenance_count(const qev_meta *m);
QEV_API const char *qev_meta_provenance(const qev_meta *m, size_t i);
/* The optional fields the stream declares ("fields=pixel,group"), as QEV_F_*
 * bits; QEV_EFORMAT on an unknown name. */
QEV_API int qev_meta_fields(const qev_meta *m, uint8_t *mask);
QEV_API int qev_fields_string(uint8_t mask, char *buf, size_t cap);
/* The metadata of a time merge of several inputs: the first's keys (a value
 * the others do not share says so), the union of their fields, every
 * provenance line, and merged_inputs. */
QEV_API qev_meta *qev_meta_merged(const qev_meta *const *metas, size_t k);

/* ---- reading ---- */

typedef struct qev_reader qev_reader;

/* Opens a file, or standard input for "-", and reads its first header. The
 * handle is returned even when that fails (NULL only without memory), and the
 * error sticks to it: check qev_reader_status(). */
QEV_API qev_reader *qev_reader_open(const char *path);
QEV_API qev_reader *qev_reader_fdopen(int fd, const char *name);
/* Reads the next block: >= 0 events, QEV_END, or an error. *events points into
 * the reader and stays valid until the next call. The first read after a new
 * segment's header returns 0 events, so callers see segment boundaries. */
QEV_API long qev_read(qev_reader *r, const qev_event **events);
/* 1 when the events of the last block read are in time order by the way the
 * block is coded (unsigned steps that cannot wrap), so a caller that needs
 * order has only the first event to check; 0 when it cannot tell. */
QEV_API int qev_read_sorted(const qev_reader *r);
/* The sticky status: QEV_OK, QEV_END after a clean end, or the error. */
QEV_API int qev_reader_status(const qev_reader *r);
QEV_API const char *qev_reader_error(const qev_reader *r);
QEV_API const char *qev_reader_name(const qev_reader *r);
QEV_API uint64_t qev_reader_offset(const qev_reader *r);
QEV_API const qev_meta *qev_reader_meta(const qev_reader *r);
/* The closing metadata of the last trailer read, or NULL when it had none. */
QEV_API const qev_meta *qev_reader_closing_meta(const qev_reader *r);
/* Counters of what has been read and verified so far, one at a time, so that
 * new ones can be added. */
enum qev_read_counter {
    QEV_READ_SEGMENTS = 0,       /* headers read */
    QEV_READ_TRAILERS = 1,       /* trailers read and verified */
    QEV_READ_BLOCKS = 2,         /* blocks decoded, checksums verified */
    QEV_READ_EVENTS = 3,         /* events returned */
    QEV_READ_BYTES = 4,          /* bytes consumed */
    QEV_READ_BLOCKS_SKIPPED = 5, /* blocks jumped over by a time window */
    QEV_READ_EVENTS_SKIPPED = 6, /* their events, as their headers or the index count them */
};
/* The counter's value; 0 for one this library does not know. */
QEV_API uint64_t qev_reader_count(const qev_reader *r, enum qev_read_counter counter);
/* The size of the input when it is a regular file, else 0 (for progress). */
QEV_API uint64_t qev_reader_size(const qev_reader *r);
/* Restricts reading to blocks that may hold events with from <= t < to. On a
 * seekable file the block index is used to jump; elsewhere blocks are decoded
 * and dropped. Events inside returned blocks still need filtering. Call before
 * the first qev_read. */
QEV_API int qev_reader_set_window(qev_reader *r, int64_t from, int64_t to);
/* The time range of every event in a seekable file, from its trailers alone;
 * QEV_EINVAL for a pipe or a file whose trailers cannot be walked. Call before
 * the first qev_read. */
QEV_API int qev_reader_file_span(qev_reader *r, int64_t *tmin, int64_t *tmax);
/* Returns the sticky status (QEV_OK when the stream ended cleanly, or was not
 * read to the end without error) and frees the handle. */
QEV_API int qev_reader_close(qev_reader *r);

/* ---- writing ---- */

typedef struct qev_writer qev_writer;

/* Writer options. A caller passes the struct with its size (sizeof), fields are
 * only ever added at the end, and 0 means the default in every field, so a
 * program built against an older header keeps working. */
typedef struct qev_writer_opts {
    int level;                /* zstd level; 0 means the default (1) */
    uint32_t block_events;    /* events per block; 0 means QEV_BLOCK_EVENTS */
    uint32_t segment_blocks;  /* blocks per segment before a new one; 0: default */
} qev_writer_opts;

#define QEV_BLOCK_EVENTS 65536u
#define QEV_MAX_BLOCK_EVENTS 262144u
#define QEV_SEGMENT_BLOCKS 65536u

/* Writes a segment header for meta at once. name is used in messages. opts
 * may be NULL (size 0) for the defaults. The handle is returned even when
 * that fails (NULL only without memory); check qev_writer_status(). */
QEV_API qev_writer *qev_writer_fdopen(int fd, const char *name, const qev_meta *meta,
                                      const qev_writer_opts *opts, size_t opts_size);
QEV_API int qev_write(qev_writer *w, const qev_event *events, size_t n);
/* Closing metadata for the current segment's trailer: facts known only at its
 * end (records read, truncation). */
QEV_API int qev_writer_set_closing_meta(qev_writer *w, const qev_meta *m);
/* Ends the current segment (trailer) and starts a new one with meta. */
QEV_API int qev_writer_new_segment(qev_writer *w, const qev_meta *meta);
/* Writes the pending block now, so a reader downstream sees it. */
QEV_API int qev_writer_flush(qev_writer *w);
QEV_API int qev_writer_status(const qev_writer *w);
QEV_API const char *qev_writer_error(const qev_writer *w);
QEV_API uint64_t qev_writer_events(const qev_writer *w);
/* Writes the last block and the trailer and returns the sticky status; the
 * message stays readable until qev_writer_free. The descriptor is left open. */
QEV_API int qev_writer_finish(qev_writer *w);
QEV_API void qev_writer_free(qev_writer *w);
/* finish, then free. */
QEV_API int qev_writer_close(qev_writer *w);

/* ---- text ---- */

/* Column names of the text form for the fields in mask, separated by sep
 * (tab for text, comma for CSV), with a newline. */
QEV_API int qev_text_header(uint8_t fields, char sep, char *buf, size_t cap);
/* One event as a text line (with newline), columns as qev_text_header; an
 * event without a declared field shows "-" there. Returns the length written.
 * group_index numbers groups when QEV_F_GROUP is declared. */
QEV_API size_t qev_text_line(const qev_event *e, uint8_t fields, uint64_t group_index, char sep,
                     char *buf, size_t cap);
QEV_API const char *qev_kind_name(uint8_t kind);
QEV_API int qev_kind_parse(const char *name, uint8_t *kind);

#ifdef __cplusplus
}
#endif

#endif
