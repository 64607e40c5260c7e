/* The calibration file (qcal(5)): plain text, versioned, one entry a line.
 *
 *     qpipe-calibration 1
 *     @qcal<TAB>0.1.0<TAB>2026-01-02T03:04:05Z<TAB>qcal delays --ref 1 run.qev
 *     # a comment
 *     created = 2026-01-02T03:04:05Z
 *     delay.measured = 2026-01-02T03:04:05Z
 *     delay.reference = 1
 *     delay.2 = 1234.512 ps +- 0.310 ps
 *
 * Keys are [A-Za-z0-9_.-]+; a value is text, or a number with an optional
 * unit and an optional "+- sigma [unit]". Entries belong to sections (the
 * key's first component, or its first two for the per-channel sections clock,
 * flat, hot and mask), and a merge replaces whole sections, so that delays
 * measured against one reference never mix with another's. */
#ifndef QEV_CALIB_H
#define QEV_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qev.h"

#define QEV_CALIB_MAGIC "qpipe-calibration"
#define QEV_CALIB_VERSION 1
#define QEV_CALIB_MAX_ENTRIES 4000000u

typedef struct qev_calib qev_calib;

qev_calib *qev_calib_new(void);
void qev_calib_free(qev_calib *c);
/* Reads a whole file; QEV_EFORMAT or QEV_EVERSION with the line in the
 * message, QEV_EIO on a read error. name is used in messages. */
int qev_calib_read(qev_calib *c, FILE *f, const char *name);
const char *qev_calib_error(const qev_calib *c);
int qev_calib_write(const qev_calib *c, FILE *f);

/* Sets an entry from its text (replacing an earlier value, keeping its
 * place); QEV_EINVAL for a bad key or a value with a newline. */
int qev_calib_set(qev_calib *c, const char *key, const char *value);
int qev_calib_setf(qev_calib *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A number with its uncertainty (NAN for none) and unit, printed with the
 * digits the uncertainty calls for. */
int qev_calib_set_number(qev_calib *c, const char *key, double value, double sigma,
                         const char *unit);
int qev_calib_remove(qev_calib *c, const char *key);
const char *qev_calib_get(const qev_calib *c, const char *key);
size_t qev_calib_count(const qev_calib *c);
const char *qev_calib_key(const qev_calib *c, size_t i);
const char *qev_calib_value(const qev_calib *c, size_t i);
/* A comment printed before the next entry set. */
int qev_calib_comment(qev_calib *c, const char *text);

int qev_calib_add_provenance(qev_calib *c, const char *line);
size_t qev_calib_provenance_count(const qev_calib *c);
const char *qev_calib_provenance(const qev_calib *c, size_t i);

/* ---- values ---- */

enum qev_calib_dim { QEV_DIM_NONE, QEV_DIM_TIME, QEV_DIM_RATE, QEV_DIM_RATIO };

/* A parsed value in its dimension's canonical unit: ps, Hz, or ppm for
 * ratios ("ppm", "ppb"); plain numbers have no dimension. */
typedef struct qev_calib_num {
    double value, sigma; /* sigma NAN when not given */
    enum qev_calib_dim dim;
} qev_calib_num;

/* QEV_EFORMAT when the text is not a number with a known unit. */
int qev_calib_parse_number(const char *text, qev_calib_num *out);
const char *qev_calib_unit_name(enum qev_calib_dim dim);
/* The number of an entry; QEV_END when absent, QEV_EFORMAT when not a number. */
int qev_calib_number(const qev_calib *c, const char *key, qev_calib_num *out);
/* An ISO 8601 UTC time (2026-01-02T03:04:05Z) as seconds since 1970. */
int qev_calib_parse_utc(const char *text, int64_t *seconds);

/* ---- sections, merging, identity ---- */

/* The section of a key into buf: "delay" for delay.2, "clock.2" for
 * clock.2.offset. File-level keys (created) have the empty section. */
void qev_calib_section(const char *key, char *buf, size_t cap);
/* Adds later into c: each section later holds replaces that section of c.
 * Provenance lines are appended. */
int qev_calib_merge(qev_calib *c, const qev_calib *later);
/* A 64-bit fingerprint of the entries (not of comments or provenance). */
uint64_t qev_calib_fingerprint(const qev_calib *c);

/* ---- in stream metadata (qcal apply) ---- */

/* 1 when the metadata records that a calibration with this fingerprint
 * was applied; *any set when any calibration was. */
int qev_calib_applied(const qev_meta *m, uint64_t fingerprint, int *any);
/* Records the fingerprint (appended to calibration_applied). */
int qev_calib_mark_applied(qev_meta *m, uint64_t fingerprint);

/* ---- the corrections a calibration holds, per channel ---- */

/* 1 when key is "PREFIX.N" exactly (N a channel 0..65535), stored in *ch; else 0. */
int qev_calib_key_channel(const char *key, const char *prefix, unsigned *ch);
/* The delay.CH entries, rounded to whole ps, into delay[ch] (65536 entries)
 * with set[ch] = 1. Returns how many, or QEV_EFORMAT (message in the
 * handle) for an entry that is not a time. */
int qev_calib_delays(qev_calib *c, int64_t *delay, uint8_t *set);

/* A channel's clock as knots (reference time, delay at that time); apply
 * interpolates linearly between knots and extends the end segments. */
typedef struct qev_calib_clock {
    size_t n;
    int64_t *time;  /* ps, increasing */
    double *delay;  /* ps: t_channel - t_reference at that time */
} qev_calib_clock;

/* The clock of channel ch from clock.CH.knot.K.* or, without knots, from
 * clock.CH.offset and clock.CH.drift (as knots at 0 and 1e15 ps). QEV_END
 * when the channel has no clock; the arrays are malloc'd. */
int qev_calib_get_clock(const qev_calib *c, unsigned ch, qev_calib_clock *out);
void qev_calib_clock_free(qev_calib_clock *k);

#endif
