/* A calibration's corrections on a qcal_shift (calib_apply.h). */
#include "calib_apply.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct apply {
    qcal_shift *s;
    qev_calib *c;
    qcal_corrections *n;
    char *why;
    size_t cap;
    int64_t delay[65536];
    uint8_t delay_set[65536], clock_done[65536];
};

static int set_delays(struct apply *ap)
{
    if (qev_calib_delays(ap->c, ap->delay, ap->delay_set) < 0) {
        snprintf(ap->why, ap->cap, "%s", qev_calib_error(ap->c));
        return QEV_EFORMAT;
    }
    for (size_t ch = 0; ch < 65536; ch++)
        if (ap->delay_set[ch]) {
            qcal_shift_set_delay(ap->s, (uint16_t)ch, ap->delay[ch]);
            ap->n->delays++;
        }
    return QEV_OK;
}

/* The clock's knots map the recorded time t + delay(t) to the reference time t. */
static int set_knots(struct apply *ap, unsigned ch, const qev_calib_clock *k)
{
    int64_t *rec = malloc(k->n * sizeof *rec);
    if (!rec)
        return QEV_ENOMEM;
    for (size_t i = 0; i < k->n; i++)
        rec[i] = k->time[i] + (int64_t)llround(k->delay[i]);
    int rc = qcal_shift_set_clock(ap->s, (uint16_t)ch, rec, k->time, k->n);
    free(rec);
    if (rc != QEV_OK) {
        snprintf(ap->why, ap->cap, "clock.%u: the knots do not make an increasing map of time",
                 ch);
        return QEV_EFORMAT;
    }
    ap->n->clocks++;
    return QEV_OK;
}

static int set_clock(struct apply *ap, unsigned ch)
{
    qev_calib_clock k;
    int rc = qev_calib_get_clock(ap->c, ch, &k);
    if (rc == QEV_END)
        return QEV_OK;
    if (rc != QEV_OK) {
        snprintf(ap->why, ap->cap,
                 "clock.%u: not a clock (offset, drift, or knots with time and delay)", ch);
        return QEV_EFORMAT;
    }
    rc = set_knots(ap, ch, &k);
    qev_calib_clock_free(&k);
    return rc;
}

static int set_mask(struct apply *ap, const char *key)
{
    unsigned ch, x, y;
    char tail;
    if (sscanf(key, "%*[a-z].%u.%u.%u%c", &ch, &x, &y, &tail) != 3 || ch > 65535 || x > 65535 ||
        y > 65535)
        return QEV_OK;
    if (qcal_shift_mask_pixel(ap->s, (uint16_t)ch, qev_pixel_aux((uint16_t)x, (uint16_t)y)) !=
        QEV_OK)
        return QEV_ENOMEM;
    ap->n->masks++;
    return QEV_OK;
}

static int set_rename(struct apply *ap, const char *key, const char *value, unsigned ch)
{
    unsigned to;
    char tail;
    if (sscanf(value, "%u%c", &to, &tail) != 1 || to > 65535) {
        snprintf(ap->why, ap->cap, "%s = %s is not a channel number", key, value);
        return QEV_EFORMAT;
    }
    qcal_shift_rename(ap->s, (uint16_t)ch, (uint16_t)to);
    ap->n->renames++;
    return QEV_OK;
}

static int set_entry(struct apply *ap, size_t i)
{
    const char *key = qev_calib_key(ap->c, i), *value = qev_calib_value(ap->c, i);
    unsigned ch;
    char tail;
    if (qev_calib_key_channel(key, "rename", &ch))
        return set_rename(ap, key, value, ch);
    if (sscanf(key, "clock.%u.%c", &ch, &tail) == 2 && ch <= 65535 && !ap->clock_done[ch]) {
        ap->clock_done[ch] = 1;
        return set_clock(ap, ch);
    }
    if (strncmp(key, "hot.", 4) == 0 || strncmp(key, "mask.", 5) == 0)
        return set_mask(ap, key);
    return QEV_OK;
}

int qcal_shift_from_calib(qcal_shift *s, qev_calib *c, qcal_corrections *n, char *why,
                          size_t cap)
{
    struct apply *ap = calloc(1, sizeof *ap);
    if (!ap)
        return QEV_ENOMEM;
    ap->s = s;
    ap->c = c;
    ap->n = n;
    ap->why = why;
    ap->cap = cap;
    memset(n, 0, sizeof *n);
    int rc = set_delays(ap);
    for (size_t i = 0; rc == QEV_OK && i < qev_calib_count(c); i++)
        rc = set_entry(ap, i);
    free(ap);
    return rc;
}
