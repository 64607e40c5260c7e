/* Parsing numbers with units, exactly where the result is an integer. */
#include "units.h"
#include "qev.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct decimal {
    int negative;
    uint64_t digits; /* significant digits as an integer */
    int exp10;       /* value = digits * 10^exp10 */
    int inexact;     /* a non-zero digit beyond what digits holds was dropped */
};

static const char not_whole[] = "not a whole number of the smallest unit";
static const char ps_fraction[] = "not a whole number of picoseconds";
static const char too_large[] = "too large";

/* Reads [+-]digits[.digits][e[+-]digits]; returns the rest of the string. */
static const char *parse_decimal(const char *s, struct decimal *d)
{
    const char *start = s;
    int seen = 0;
    *d = (struct decimal){0, 0, 0, 0};
    if (*s == '+' || *s == '-')
        d->negative = *s++ == '-';
    for (int frac = 0;; s++) {
        if (*s == '.' && !frac) {
            frac = 1;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            break;
        seen = 1;
        if (d->digits > (UINT64_MAX - 9) / 10) {
            if (!frac)
                d->exp10++;
            d->inexact |= *s != '0';
            continue;
        }
        d->digits = d->digits * 10 + (uint64_t)(*s - '0');
        d->exp10 -= frac;
    }
    if (!seen)
        return start;
    if ((*s == 'e' || *s == 'E') && (isdigit((unsigned char)s[1]) ||
                                     ((s[1] == '+' || s[1] == '-') && isdigit((unsigned char)s[2])))) {
        char *end;
        long e = strtol(s + 1, &end, 10);
        if (e > 400 || e < -400)
            return start;
        d->exp10 += (int)e;
        s = end;
    }
    return s;
}

/* digits * 10^exp10 * mult as an exact integer, if it is one and fits. A value
 * with dropped digits is refused rather than rounded: the digits kept are not
 * the value written. */
static int exact_integer(const struct decimal *d, int64_t mult, __int128 *out, const char **why)
{
    __int128 v = d->digits;
    int e = d->exp10;
    v *= mult;
    while (e < 0 && v != 0) {
        if (v % 10) {
            *why = not_whole;
            return QEV_EINVAL;
        }
        v /= 10;
        e++;
    }
    for (; e > 0 && v != 0; e--) {
        if (v > (__int128)INT64_MAX) {
            *why = too_large;
            return QEV_EINVAL;
        }
        v *= 10;
    }
    *out = d->negative ? -v : v;
    if (*out > INT64_MAX || *out < INT64_MIN) {
        *why = too_large;
        return QEV_EINVAL;
    }
    if (d->inexact) {
        *why = not_whole;
        return QEV_EINVAL;
    }
    return QEV_OK;
}

/* exact_integer into an int64, a value with a fraction refused with the
 * caller's words for it. */
static int whole_value(const struct decimal *d, int64_t mult, const char *fraction, int64_t *out,
                       const char **why)
{
    __int128 v;
    int rc = exact_integer(d, mult, &v, why);
    if (rc == QEV_EINVAL && *why == not_whole)
        *why = fraction;
    if (rc == QEV_OK)
        *out = (int64_t)v;
    return rc;
}

static const struct {
    const char *name;
    int64_t ps;
} time_units[] = {
    {"ps", 1},
    {"ns", 1000},
    {"us", 1000000},
    {"\xc2\xb5s", 1000000},
    {"ms", 1000000000},
    {"s", 1000000000000},
    {"min", 60000000000000},
    {"h", 3600000000000000},
};

int qev_parse_time_ps(const char *s, int64_t *ps, const char **why)
{
    struct decimal d;
    const char *rest = parse_decimal(s, &d);
    if (rest == s) {
        *why = "not a number";
        return QEV_EINVAL;
    }
    int64_t mult = 0;
    for (size_t i = 0; i < sizeof time_units / sizeof *time_units; i++)
        if (strcmp(rest, time_units[i].name) == 0)
            mult = time_units[i].ps;
    if (!*rest && d.digits == 0)
        mult = 1;
    if (!mult) {
        *why = *rest ? "unknown time unit (use ps, ns, us, ms, s, min or h)"
                     : "needs a time unit (ps, ns, us, ms, s, min or h)";
        return QEV_EINVAL;
    }
    return whole_value(&d, mult, ps_fraction, ps, why);
}

int qev_parse_time_in_unit(const char *s, int64_t unit_ps, int64_t *ps, const char **why)
{
    struct decimal d;
    const char *rest = parse_decimal(s, &d);
    if (rest == s || *rest) {
        *why = "not a number";
        return QEV_EINVAL;
    }
    return whole_value(&d, unit_ps, ps_fraction, ps, why);
}

int qev_is_number(const char *s)
{
    struct decimal d;
    const char *rest = parse_decimal(s, &d);
    return rest != s && !*rest;
}

static int si_exponent(const char **rest)
{
    static const char suffixes[] = "kMGT";
    const char *p = **rest ? strchr(suffixes, **rest) : NULL;
    if (!p)
        return 0;
    (*rest)++;
    return 3 * (int)(p - suffixes + 1);
}

int qev_parse_count(const char *s, uint64_t *count, const char **why)
{
    struct decimal d;
    const char *rest = parse_decimal(s, &d);
    if (rest == s || d.negative) {
        *why = rest == s ? "not a number" : "must not be negative";
        return QEV_EINVAL;
    }
    d.exp10 += si_exponent(&rest);
    if (*rest) {
        *why = "unexpected characters after the number";
        return QEV_EINVAL;
    }
    int64_t v;
    int rc = whole_value(&d, 1, "not a whole number", &v, why);
    if (rc == QEV_OK)
        *count = (uint64_t)v;
    return rc;
}

static int unit_listed(const char *unit, const char *units)
{
    size_t n = strlen(unit);
    for (const char *p = units; p && *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, unit, n) == 0)
            return 1;
        p += len;
        p += *p == ' ';
    }
    return 0;
}

int qev_parse_real(const char *s, const char *units, double *value, const char **why)
{
    struct decimal d;
    const char *rest = parse_decimal(s, &d);
    if (rest == s) {
        *why = "not a number";
        return QEV_EINVAL;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != rest || errno == ERANGE || !isfinite(v)) {
        *why = "not a finite number";
        return QEV_EINVAL;
    }
    int e = si_exponent(&rest);
    if (*rest && !unit_listed(rest, units)) {
        *why = "unexpected characters after the number";
        return QEV_EINVAL;
    }
    *value = v * pow(10, e);
    return QEV_OK;
}
