/* Readers of vendor time-tag files: each turns its records into QEV events with
 * exact picosecond times, and its header into stream metadata. */
#ifndef QEV_TAGREAD_H
#define QEV_TAGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether the first row of a text file names the columns. */
enum qtag_header_row {
    QTAG_HEADER_DETECT = 0, /* it does when its time column is not a number */
    QTAG_HEADER_YES = 1,
    QTAG_HEADER_NO = 2,
};

/* Reader options. A caller passes the struct with its size (sizeof), fields are
 * only ever added at the end, and 0 means the default in every field, so a
 * program built against an older header keeps working. The strings must stay
 * valid until qtag_close. */
typedef struct qtag_opts {
    const char *format;   /* NULL: detect from the magic, then the extension */
    int allow_truncated;  /* complete a truncated file instead of failing */
    int strict;           /* any unknown record is an error */
    /* text (CSV/TSV) and raw binary */
    const char *time_column;    /* name or 1-based number; default "1" */
    const char *channel_column; /* name or 1-based number; default "2" */
    int header_row;             /* enum qtag_header_row */
    char delimiter;             /* 0: detect among , tab ; and space */
    int64_t time_unit_ps;       /* unit of text and raw times; 0: ps */
    const char *channel_map;    /* "A=1,B=2": channel names to numbers */
    int raw_channel_bytes;      /* 2 or 4; 0: 2 */
} qtag_opts;

typedef struct qtag_reader qtag_reader;

/* Opens a vendor file; opts may be NULL (size 0) for the defaults. The handle
 * is returned even when that fails (NULL only without memory); check
 * qtag_status(). */
QEV_API qtag_reader *qtag_open(const char *path, const qtag_opts *opts, size_t opts_size);
QEV_API int qtag_status(const qtag_reader *r);
QEV_API const char *qtag_error(const qtag_reader *r);
QEV_API const char *qtag_format_name(const qtag_reader *r);
/* Header and conversion facts, as stream metadata (fields, resolution_ps,
 * the vendor's header tags, ...). */
QEV_API const qev_meta *qtag_meta(const qtag_reader *r);
/* Fills out with up to cap events: >= 0 events, QEV_END, or an error. A
 * truncated file is an error (QEV_ETRUNC) unless allow_truncated was set. */
QEV_API long qtag_read(qtag_reader *r, qev_event *out, size_t cap);
/* What the reader saw so far, one counter at a time, so that new ones can be
 * added. */
enum qtag_counter {
    QTAG_RECORDS = 0,          /* whole records read */
    QTAG_EXPECTED_RECORDS = 1, /* what the header promised; 0 when it does not say */
    QTAG_PHOTONS = 2,
    QTAG_SYNCS = 3,
    QTAG_MARKERS = 4,
    QTAG_OVERFLOW_RECORDS = 5,
    QTAG_OVERFLOWS = 6,        /* periods added by the overflow records */
    QTAG_INVALID_RECORDS = 7,  /* records that carry no event by design (B&H INVALID) */
    QTAG_UNKNOWN_RECORDS = 8,  /* records it could not interpret */
    QTAG_TRAILING_BYTES = 9,   /* a partial record at the end */
    QTAG_TRUNCATED = 10,       /* 1: fewer records than promised, or a partial record */
};
/* The counter's value; 0 for one this library does not know. */
QEV_API uint64_t qtag_count(const qtag_reader *r, enum qtag_counter counter);
/* Bytes read so far, and the file's size (0 for a pipe), for progress. */
QEV_API void qtag_progress(const qtag_reader *r, uint64_t *done, uint64_t *total);
/* Adds the counts and the truncation mark to m, for the stream's trailer-side
 * segment or a later one. QEV_ENOMEM when m could not take them all. */
QEV_API int qtag_describe_counts(const qtag_reader *r, qev_meta *m);
/* Returns the sticky status (QEV_OK after a clean end, or when the file was
 * not read to its end without error) and frees the handle. */
QEV_API int qtag_close(qtag_reader *r);

/* The formats, for --help and --format. */
QEV_API size_t qtag_format_count(void);
QEV_API const char *qtag_format_at(size_t i, const char **description);

#ifdef __cplusplus
}
#endif

#endif
