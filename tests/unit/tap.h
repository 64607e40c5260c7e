/* A minimal TAP producer for the C unit tests. */
#ifndef QPIPE_TAP_H
#define QPIPE_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

static int tap_count, tap_failed;

static inline int tap_ok(int cond, const char *name)
{
    printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_count, name);
    tap_failed += !cond;
    return cond;
}

static inline int tap_is_i64(int64_t got, int64_t want, const char *name)
{
    if (!tap_ok(got == want, name))
        printf("#   got %" PRId64 ", want %" PRId64 "\n", got, want);
    return got == want;
}

static inline int tap_near(double got, double want, double tol, const char *name)
{
    int ok = fabs(got - want) <= tol;
    if (!tap_ok(ok, name))
        printf("#   got %.17g, want %.17g within %g\n", got, want, tol);
    return ok;
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}

#endif
