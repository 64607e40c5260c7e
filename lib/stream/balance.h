/* The balance of events a tool read, for --tally: events in, events out,
 * and how many each named reason filtered away. The counts are kept apart,
 * each where it happens, so that in = out + the sum of the reasons checks
 * that no event was lost or made. */
#ifndef QEV_BALANCE_H
#define QEV_BALANCE_H

#include <stddef.h>
#include <stdint.h>

#define QEV_BALANCE_REASONS 8

typedef struct qev_balance {
    uint64_t in, out;
    size_t nreasons;
    const char *reason[QEV_BALANCE_REASONS]; /* names of [a-z_], kept as pointers */
    uint64_t count[QEV_BALANCE_REASONS];
} qev_balance;

/* Adds n events to a reason; a name given again adds to its count. A reason
 * with no events still counts: a tool names every reason it has, so the
 * tokens scripts read do not come and go. QEV_EINVAL for a bad name or too
 * many reasons. */
int qev_balance_add(qev_balance *t, const char *reason, uint64_t n);
uint64_t qev_balance_filtered(const qev_balance *t);
int qev_balance_holds(const qev_balance *t);
/* "in=N out=N filtered=N reason=N ...", without a newline, into buf; the
 * length it needs, as snprintf. */
int qev_balance_format(const qev_balance *t, char *buf, size_t cap);

#endif
