/* Unit tests of number parsing with units. */
#include <string.h>

#include "qev.h"
#include "tap.h"
#include "units.h"

static void time_is(const char *s, int64_t want)
{
    int64_t ps = 0;
    const char *why = "";
    char name[96];
    snprintf(name, sizeof name, "time '%s' is %" PRId64 " ps", s, want);
    if (!tap_ok(qev_parse_time_ps(s, &ps, &why) == QEV_OK && ps == want, name))
        printf("#   got %" PRId64 " (%s)\n", ps, why);
}

static void time_refused(const char *s, const char *reason)
{
    int64_t ps = 0;
    const char *why = "";
    char name[96];
    snprintf(name, sizeof name, "time '%s' is refused: %s", s, reason);
    if (!tap_ok(qev_parse_time_ps(s, &ps, &why) == QEV_EINVAL && strstr(why, reason), name))
        printf("#   got %" PRId64 " (%s)\n", ps, why);
}

static void count_is(const char *s, uint64_t want)
{
    uint64_t n = 0;
    const char *why = "";
    char name[96];
    snprintf(name, sizeof name, "count '%s' is %" PRIu64, s, want);
    tap_ok(qev_parse_count(s, &n, &why) == QEV_OK && n == want, name);
}

static void real_is(const char *s, const char *units, double want)
{
    double v = 0;
    const char *why = "";
    char name[96];
    snprintf(name, sizeof name, "real '%s' is %g", s, want);
    tap_ok(qev_parse_real(s, units, &v, &why) == QEV_OK && v == want, name);
}

int main(void)
{
    time_is("500ps", 500);
    time_is("2.5ns", 2500);
    time_is("1us", 1000000);
    time_is("1\xc2\xb5s", 1000000);
    time_is("10s", 10000000000000);
    time_is("1.000002s", 1000002000000);
    time_is("-20000ps", -20000);
    time_is("+3ms", 3000000000);
    time_is("1e3ns", 1000000);
    time_is("0.5e-3s", 500000000);
    time_is("1min", 60000000000000);
    time_is("1h", 3600000000000000);
    time_is("0", 0);
    time_is("9223372036854775807ps", INT64_MAX);
    time_refused("1.5ps", "whole number of picoseconds");
    time_refused("0.0000001ns", "whole number of picoseconds");
    time_refused("5", "needs a time unit");
    time_refused("5 s", "unknown time unit");
    time_refused("5furlongs", "unknown time unit");
    time_refused("9223372036854775808ps", "too large");
    time_refused("1e30s", "too large");
    time_refused("s", "not a number");
    count_is("1e9", 1000000000);
    count_is("10M", 10000000);
    count_is("2.5k", 2500);
    count_is("9223372036854775807", 9223372036854775807u);
    uint64_t n;
    const char *why;
    tap_ok(qev_parse_count("1.5", &n, &why) == QEV_EINVAL, "count '1.5' is refused");
    tap_ok(qev_parse_count("-3", &n, &why) == QEV_EINVAL, "count '-3' is refused");
    tap_ok(qev_parse_count("3x", &n, &why) == QEV_EINVAL, "count '3x' is refused");
    real_is("1M", NULL, 1e6);
    real_is("250kHz", "Hz cps /s", 2.5e5);
    real_is("1.5e3cps", "Hz cps /s", 1500);
    double v;
    tap_ok(qev_parse_real("1Mfoo", "Hz cps /s", &v, &why) == QEV_EINVAL, "real '1Mfoo' is refused");
    tap_ok(qev_parse_real("nan", NULL, &v, &why) == QEV_EINVAL, "real 'nan' is refused");
    return tap_done();
}
