/* Changes between two calibrations (calib_diff.h). */
#include "calib_diff.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* When the section of key was measured (seconds), or when the file was made. */
static int measured_at(const qev_calib *c, const char *key, int64_t *when)
{
    char section[256], mkey[300];
    qev_calib_section(key, section, sizeof section);
    snprintf(mkey, sizeof mkey, "%s.measured", section);
    const char *v = qev_calib_get(c, mkey);
    if (!v)
        v = qev_calib_get(c, "created");
    return v ? qev_calib_parse_utc(v, when) : QEV_END;
}

int qev_calib_bookkeeping(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "created") == 0 || (n > 9 && strcmp(key + n - 9, ".measured") == 0) ||
           (n > 7 && strcmp(key + n - 7, ".source") == 0);
}

static double variance(double sigma) { return isfinite(sigma) ? sigma * sigma : 0; }

void qev_calib_compare(const qev_calib *a, const qev_calib *b, const char *key,
                       qev_calib_change *ch)
{
    qev_calib_num x, y;
    int64_t ta, tb;
    memset(ch, 0, sizeof *ch);
    ch->key = key;
    ch->old_text = qev_calib_get(a, key);
    ch->new_text = qev_calib_get(b, key);
    ch->change = ch->per_day = ch->sigmas = NAN;
    if (!ch->old_text || !ch->new_text || qev_calib_parse_number(ch->old_text, &x) != QEV_OK ||
        qev_calib_parse_number(ch->new_text, &y) != QEV_OK || x.dim != y.dim)
        return;
    ch->numeric = 1;
    ch->dim = x.dim;
    ch->change = y.value - x.value;
    double s = sqrt(variance(x.sigma) + variance(y.sigma));
    if (isfinite(x.sigma) && isfinite(y.sigma) && s > 0)
        ch->sigmas = fabs(ch->change) / s;
    if (measured_at(a, key, &ta) == QEV_OK && measured_at(b, key, &tb) == QEV_OK && tb != ta)
        ch->per_day = ch->change / ((double)(tb - ta) / 86400);
}
