/* Numbers with units, as users type them: 2.5ns, 1us, 10s, 1e6, 250k. */
#ifndef QEV_UNITS_H
#define QEV_UNITS_H

#include <stdint.h>

/* A time to exact integer picoseconds. Units: ps, ns, us (or µs), ms, s, min,
 * h. A unit is required unless the value is zero. QEV_EINVAL for a malformed
 * value or unit, QEV_EINVAL too when the value is not a whole number of ps; the
 * reason is left in why. */
int qev_parse_time_ps(const char *s, int64_t *ps, const char **why);
/* A plain number without a unit (12.345, -3, 1e-6) times unit_ps, to exact
 * integer picoseconds: 12.345 in units of 1000 ps is 12345. QEV_EINVAL, with
 * the reason in why, for a malformed number, a product that is not a whole
 * number of ps, or one too large. */
int qev_parse_time_in_unit(const char *s, int64_t unit_ps, int64_t *ps, const char **why);
/* 1 when s is a plain decimal number: [+-]digits[.digits][e[+-]digits]. */
int qev_is_number(const char *s);
/* A non-negative integer count, with an optional k, M, G or T suffix and
 * exponent notation: 1e9, 10M. */
int qev_parse_count(const char *s, uint64_t *count, const char **why);
/* A real number with an optional k, M, G, T suffix and an optional unit among
 * the ones listed in units (for example "Hz cps /s"), or none when units is NULL. */
int qev_parse_real(const char *s, const char *units, double *value, const char **why);

#endif
