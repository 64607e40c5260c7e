/* Partial results that merge exactly: named integer vectors, each with the rule
 * that combines two shards (sum, min, max, or must be the same). The text form
 * is one line per entry, "rule name v1 v2 ...", after a first line
 * "qpipe-partial 1 KIND". Merging is exact and independent of order. */
#ifndef QEV_PARTIAL_H
#define QEV_PARTIAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum qev_merge_rule { QEV_MERGE_SUM, QEV_MERGE_MIN, QEV_MERGE_MAX, QEV_MERGE_SAME };

typedef struct qev_partial qev_partial;

qev_partial *qev_partial_new(const char *kind);
void qev_partial_free(qev_partial *p);
const char *qev_partial_kind(const qev_partial *p);
/* Sets an entry (copying the values); names are [a-z0-9_.:]+. */
int qev_partial_set(qev_partial *p, const char *name, enum qev_merge_rule rule,
                    const int64_t *values, size_t n);
int qev_partial_set1(qev_partial *p, const char *name, enum qev_merge_rule rule, int64_t value);
/* The values of an entry, or NULL when absent. */
const int64_t *qev_partial_get(const qev_partial *p, const char *name, size_t *n);
size_t qev_partial_count(const qev_partial *p);
const char *qev_partial_name(const qev_partial *p, size_t i);
int64_t qev_partial_get1(const qev_partial *p, const char *name, int64_t fallback);
/* Adds other into p by the rules; an entry only one side has is kept as it
 * is. QEV_EINVAL (with why) when they do not fit: another kind, a different
 * rule or length, or a SAME entry that differs or is missing on one side. */
int qev_partial_merge(qev_partial *p, const qev_partial *other, char *why, size_t cap);
int qev_partial_write(const qev_partial *p, FILE *f);
/* Reads the text form; QEV_EFORMAT with why (and the line) on bad input. */
qev_partial *qev_partial_read(FILE *f, char *why, size_t cap);
/* The first line of partial files, for telling them from other input. */
int qev_partial_looks_like(const char *first_line);

#endif
