/* The text form of events: one tab-separated line per event. */
#include "internal.h"

#include <stdio.h>

static const char *const kind_names[] = {"photon", "sync", "marker"};

const char *qev_kind_name(uint8_t kind)
{
    return kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : NULL;
}

int qev_kind_parse(const char *name, uint8_t *kind)
{
    for (uint8_t k = 0; k < sizeof kind_names / sizeof *kind_names; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *kind = k;
            return QEV_OK;
        }
    }
    return QEV_EINVAL;
}

int qev_text_header(uint8_t fields, char sep, char *buf, size_t cap)
{
    static const char *const optional[] = {"x", "y", "micro", "value", "group"};
    const uint8_t need[] = {QEV_F_PIXEL, QEV_F_PIXEL, QEV_F_MICRO, QEV_F_VALUE, QEV_F_GROUP};
    int n = snprintf(buf, cap, "time_ps%cchannel%ckind", sep, sep);
    for (size_t i = 0; i < sizeof optional / sizeof *optional && n > 0 && (size_t)n < cap; i++)
        if (fields & need[i])
            n += snprintf(buf + n, cap - (size_t)n, "%c%s", sep, optional[i]);
    if (n > 0 && (size_t)n + 1 < cap) {
        buf[n] = '\n';
        buf[n + 1] = '\0';
        return QEV_OK;
    }
    return QEV_EINVAL;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* The aux column for one declared field: the value, or "-" when the event does
 * not carry it. */
static char *put_aux(char *p, const qev_event *e, uint8_t field, char sep)
{
    *p++ = sep;
    if (!(e->flags & field))
        return put_str(p, "-");
    return put_u64(p, e->aux);
}

size_t qev_text_line(const qev_event *e, uint8_t fields, uint64_t group_index, char sep,
                     char *buf, size_t cap)
{
    if (cap < 128)
        return 0;
    char *p = put_i64(buf, e->t);
    *p++ = sep;
    p = put_u64(p, e->channel);
    *p++ = sep;
    const char *kind = qev_kind_name(e->kind);
    p = kind ? put_str(p, kind) : put_u64(p, e->kind);
    if (fields & QEV_F_PIXEL) {
        if (e->flags & QEV_F_PIXEL) {
            *p++ = sep;
            p = put_u64(p, qev_pixel_x(e));
            *p++ = sep;
            p = put_u64(p, qev_pixel_y(e));
        } else {
            *p++ = sep;
            *p++ = '-';
            *p++ = sep;
            *p++ = '-';
        }
    }
    if (fields & QEV_F_MICRO)
        p = put_aux(p, e, QEV_F_MICRO, sep);
    if (fields & QEV_F_VALUE)
        p = put_aux(p, e, QEV_F_VALUE, sep);
    if (fields & QEV_F_GROUP) {
        *p++ = sep;
        p = put_u64(p, group_index);
    }
    *p++ = '\n';
    return (size_t)(p - buf);
}
