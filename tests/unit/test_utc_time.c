/* Unit tests of the run's time: SOURCE_DATE_EPOCH's, written in UTC, and the
 * clock's when it is unset. The expected dates are worked out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "utc_time.h"

static void epoch_is(const char *epoch, const char *format, const char *want)
{
    char got[64], name[128];
    setenv("SOURCE_DATE_EPOCH", epoch, 1);
    qev_utc_time(format, got, sizeof got);
    snprintf(name, sizeof name, "SOURCE_DATE_EPOCH=%s writes %s", epoch, want);
    if (!tap_ok(strcmp(got, want) == 0, name))
        printf("#   got %s\n", got);
}

/* The clock's time in UTC, from the C library directly. */
static void clock_text(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

int main(void)
{
    /* 0 is the epoch itself; 86399 its last second of the first day. */
    epoch_is("0", "%Y-%m-%dT%H:%M:%SZ", "1970-01-01T00:00:00Z");
    epoch_is("86399", "%Y-%m-%dT%H:%M:%SZ", "1970-01-01T23:59:59Z");
    /* 10^9 s = 11574 days + 6400 s. 2001-01-01 is day 30 * 365 + 8 leap days
     * (1972 to 2000) = 11323, so day 11574 is the 252nd of 2001: September 9
     * (243 days to the end of August); 6400 s is 01:46:40. */
    epoch_is("1000000000", "%Y-%m-%d %H:%M:%S", "2001-09-09 01:46:40");
    /* 951782400 s = 11016 days, the 60th of 2000 (day 10957 is 2000-01-01):
     * February 29, the leap day of a year divisible by 400. */
    epoch_is("951782400", "%Y-%m-%d", "2000-02-29");

    /* Unset, or empty: the clock, in UTC. */
    const char *empty[] = {NULL, ""};
    for (int i = 0; i < 2; i++) {
        if (empty[i])
            setenv("SOURCE_DATE_EPOCH", empty[i], 1);
        else
            unsetenv("SOURCE_DATE_EPOCH");
        char got[32], first[32], last[32];
        clock_text(first, sizeof first);
        qev_utc_time("%Y-%m-%d %H:%M:%S", got, sizeof got);
        clock_text(last, sizeof last);
        if (!tap_ok(strcmp(got, first) == 0 || strcmp(got, last) == 0,
                    empty[i] ? "an empty SOURCE_DATE_EPOCH is the clock"
                             : "no SOURCE_DATE_EPOCH is the clock"))
            printf("#   got %s, the clock said %s then %s\n", got, first, last);
    }
    return tap_done();
}
