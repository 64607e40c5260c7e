/* The balance of events behind --tally. */
#include "balance.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qev.h"

static int valid_name(const char *s)
{
    return s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s);
}

int qev_balance_add(qev_balance *t, const char *reason, uint64_t n)
{
    if (!valid_name(reason))
        return QEV_EINVAL;
    size_t i = 0;
    while (i < t->nreasons && strcmp(t->reason[i], reason) != 0)
        i++;
    if (i == QEV_BALANCE_REASONS)
        return QEV_EINVAL;
    if (i == t->nreasons) {
        t->reason[i] = reason;
        t->count[i] = 0;
        t->nreasons++;
    }
    t->count[i] += n;
    return QEV_OK;
}

uint64_t qev_balance_filtered(const qev_balance *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < t->nreasons; i++)
        sum += t->count[i];
    return sum;
}

/* Written to survive a sum that wraps: a wrapped sum is no balance. */
int qev_balance_holds(const qev_balance *t)
{
    uint64_t left = t->in;
    if (t->out > left)
        return 0;
    left -= t->out;
    for (size_t i = 0; i < t->nreasons; i++) {
        if (t->count[i] > left)
            return 0;
        left -= t->count[i];
    }
    return left == 0;
}

int qev_balance_format(const qev_balance *t, char *buf, size_t cap)
{
    int used = snprintf(buf, cap, "in=%" PRIu64 " out=%" PRIu64 " filtered=%" PRIu64, t->in,
                        t->out, qev_balance_filtered(t));
    for (size_t i = 0; i < t->nreasons && used >= 0; i++) {
        size_t at = (size_t)used < cap ? (size_t)used : cap;
        int more = snprintf(buf + at, cap - at, " %s=%" PRIu64, t->reason[i], t->count[i]);
        used = more < 0 ? more : used + more;
    }
    return used;
}
