/* The run's time: the clock, or SOURCE_DATE_EPOCH for reproducible output. */
#include "utc_time.h"

#include <stdlib.h>
#include <time.h>

void qev_utc_time(const char *format, char *buf, size_t cap)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, format, &tm);
}
