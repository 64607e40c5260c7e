/* What a reconstruction is made from: bucket values gathered from a marked
 * photon stream or read from a table, the description of the patterns, and
 * the partial results (partial.h) that shards of one acquisition merge into
 * exactly what the whole acquisition gives. */
#ifndef QEV_RECON_DATA_H
#define QEV_RECON_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "partial.h"
#include "patterns.h"
#include "qev.h"
#include "recon.h"
#include "recon_herald.h"

/* ---- bucket values from a QEV stream ----
 * A marker on the marker channel opens measurement m (its value, or, for
 * markers without one, its rank modulo the number of measurements); the
 * bucket's photons until the next marker belong to m. Markers are counted
 * (shown[m]) and photons added (counts[m]) when their own time is owned, so
 * a shard that overlaps its neighbours by one exposure counts its part. */
typedef struct qev_buckets {
    size_t measurements;
    int64_t own_from, own_to;
    uint16_t marker_channel, bucket_channel;
    int64_t *counts, *shown;
    uint64_t photons, orphans, markers, unindexed;
    int64_t current; /* the open measurement; -1 before the first marker */
    int64_t last_t;  /* photons belong to the marker before them in time */
    uint64_t events;
} qev_buckets;

int qev_buckets_init(qev_buckets *b, size_t measurements, int64_t own_from, int64_t own_to,
                     uint16_t marker_channel, uint16_t bucket_channel);
void qev_buckets_free(qev_buckets *b);
/* QEV_EINVAL for a marker value beyond the measurements, an event that goes
 * back in time, or, in a shard that does not start the stream, a photon it
 * owns before its first marker (its overlap missed that photon's marker). */
int qev_buckets_add(qev_buckets *b, const qev_event *ev, size_t n, char *why, size_t cap);
/* b[m] = counts[m] / shown[m], photons per exposure; QEV_EINVAL (naming the
 * first one) when a measurement was never shown. */
int qev_buckets_values(size_t measurements, const int64_t *counts, const int64_t *shown,
                       double *b, char *why, size_t cap);
/* Bucket values from text: one "index value" row per measurement (tabs or
 * spaces), '#' comments and blank lines ignored, an optional header line.
 * Every index from 0 to measurements - 1 must appear exactly once. */
int qev_buckets_read_tsv(FILE *f, size_t measurements, double *b, char *why, size_t cap);

/* ---- the patterns ---- */
enum qev_pattern_kind { QEV_PATTERNS_HADAMARD, QEV_PATTERNS_RANDOM, QEV_PATTERNS_FILE };
typedef struct qev_pattern_spec {
    enum qev_pattern_kind kind;
    uint32_t width, height;
    enum qev_order order; /* Hadamard */
    uint64_t seed;        /* random patterns, random order */
    uint64_t count;       /* patterns used (Hadamard: of the ordering) */
    int split;            /* Hadamard: 2 measurements per pattern */
    double fill;          /* random */
} qev_pattern_spec;

/* Measurements the patterns make: 2 count for split Hadamard, else count. */
uint64_t qev_pattern_measurements(const qev_pattern_spec *s);
/* The operator of generated patterns (not of a file). */
int qev_pattern_op(const qev_pattern_spec *s, qev_recon_op **op, char *why, size_t cap);

/* ---- partial results ---- */
#define QEV_PARTIAL_HERALDED "qrecon-heralded"
#define QEV_PARTIAL_COMPUTATIONAL "qrecon-computational"

enum qev_accidentals { QEV_ACC_NONE, QEV_ACC_DELAYED, QEV_ACC_SINGLES };

typedef struct qev_herald_sums {
    uint32_t width, height;
    qev_tally coinc;   /* the coincidence groups */
    enum qev_accidentals acc;
    qev_tally delayed; /* acc = DELAYED */
    qev_tally singles; /* acc = SINGLES */
    int64_t window_ps, quantum_ps;
    long camera_channel; /* the pixel detector's channel, -1 when unknown */
} qev_herald_sums;

qev_partial *qev_herald_partial(const qev_herald_sums *s);
/* Rebuilds the sums (their tallies allocated) from a partial; QEV_EFORMAT
 * with why when entries are missing or inconsistent. */
int qev_herald_from_partial(const qev_partial *p, qev_herald_sums *s, char *why, size_t cap);
void qev_herald_sums_free(qev_herald_sums *s);

qev_partial *qev_buckets_partial(const qev_buckets *b, const qev_pattern_spec *spec);
int qev_buckets_from_partial(const qev_partial *p, qev_buckets *b, qev_pattern_spec *spec,
                             char *why, size_t cap);

#endif
