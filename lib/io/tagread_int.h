/* The contract between the vendor-format readers and lib/io/tagread.c. */
#ifndef QEV_TAGREAD_INT_H
#define QEV_TAGREAD_INT_H

#include "input.h"
#include "internal.h"
#include "tagread.h"

/* What a reader saw (qtag_count), for the user and for the stream's metadata. */
typedef struct qtag_counts {
    uint64_t records;          /* whole records read */
    uint64_t expected_records; /* what the header promised; 0 when it does not say */
    uint64_t photons, syncs, markers;
    uint64_t overflow_records, overflows; /* overflows: periods added */
    uint64_t invalid;  /* records that carry no event by design (B&H INVALID) */
    uint64_t unknown;  /* records it could not interpret */
    uint64_t trailing_bytes; /* a partial record at the end */
    int truncated;     /* fewer records than promised, or a partial record */
} qtag_counts;

struct qtag_format {
    const char *name;
    const char *description;
    const char *extensions; /* space separated, with dots: ".ptu .PTU" */
    /* 1 when the first bytes are this format's magic. NULL: no magic. */
    int (*probe)(const uint8_t *head, size_t n);
    /* Reads the header: fills r->meta and r->counts.expected_records, sets
     * r->state. Returns QEV_OK or sets r->err. */
    int (*open)(qtag_reader *r);
    /* Decodes records into up to cap events: >= 0 events, QEV_END, error. */
    long (*decode)(qtag_reader *r, qev_event *out, size_t cap);
    void (*free_state)(void *state);
    /* Optional: adds facts known only at the end (counts of this format's own
     * record classes) to the closing metadata. */
    void (*describe)(const qtag_reader *r, qev_meta *closing);
};

struct qtag_reader {
    qev_input in;
    struct qev_error err;
    char *name;
    const struct qtag_format *fmt;
    void *state;
    qev_meta *meta;
    qtag_counts counts;
    qtag_opts opts;
};

extern const struct qtag_format qtag_fmt_ptu, qtag_fmt_pt2, qtag_fmt_pt3, qtag_fmt_ht2,
    qtag_fmt_ht3, qtag_fmt_t3r;                 /* lib/io/fmt_picoquant.c */
extern const struct qtag_format qtag_fmt_phdf5; /* lib/io/fmt_phdf5.c */
extern const struct qtag_format qtag_fmt_qutag; /* lib/io/fmt_qutag.c */
extern const struct qtag_format qtag_fmt_spc;   /* lib/io/fmt_bh.c */
extern const struct qtag_format qtag_fmt_csv;   /* lib/io/fmt_text.c */
extern const struct qtag_format qtag_fmt_raw, qtag_fmt_raw16; /* lib/io/fmt_raw.c */

/* Sets the error and returns it. */
int qtag_fail(qtag_reader *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The format's state, size bytes of zeros, attached to the reader (its
 * free_state frees it); NULL, with the reader failed, without memory. */
void *qtag_state_new(qtag_reader *r, size_t size);
/* Whole fixed-size records available at the current position, reading ahead;
 * at most max. At the end of the input, a partial record is counted in
 * r->counts.trailing_bytes. */
size_t qtag_records_available(qtag_reader *r, size_t record_size, size_t max);
/* The end of the records: checks the count the header promised and a partial
 * record, and returns QEV_END, or QEV_ETRUNC unless truncation is allowed. */
long qtag_records_end(qtag_reader *r);
/* Whole records at the current position into *avail (returns 0), or, when
 * there are none, the reader's error or qtag_records_end's status. */
long qtag_records_or_end(qtag_reader *r, size_t record_size, size_t cap, size_t *avail);
/* An unknown record: counted, and an error under --strict. Returns QEV_OK or
 * the error. */
int qtag_unknown_record(qtag_reader *r, uint32_t record);

#endif
