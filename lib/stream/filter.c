/* Event selection by time window, channel and kind. */
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void qev_filter_init(qev_filter *f)
{
    memset(f, 0, sizeof *f);
    f->from = INT64_MIN;
    f->to = INT64_MAX;
    f->any_channel = f->any_kind = 1;
}

static int parse_channel(const char *s, char **end, long *v)
{
    errno = 0;
    *v = strtol(s, end, 10);
    return *end != s && !errno && *v >= 0 && *v <= 65535;
}

int qev_filter_add_channels(qev_filter *f, const char *list)
{
    const char *p = list;
    do {
        char *end;
        long lo, hi;
        if (!parse_channel(p, &end, &lo))
            return QEV_EINVAL;
        hi = lo;
        if (*end == '-' && !parse_channel(end + 1, &end, &hi))
            return QEV_EINVAL;
        if (hi < lo || (*end && *end != ','))
            return QEV_EINVAL;
        for (long c = lo; c <= hi; c++)
            f->channels[c >> 3] |= (uint8_t)(1u << (c & 7));
        p = *end ? end + 1 : end;
    } while (*p);
    f->any_channel = 0;
    return QEV_OK;
}

int qev_filter_add_kinds(qev_filter *f, const char *list)
{
    char name[32];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        uint8_t kind;
        if (len == 0 || len >= sizeof name)
            return QEV_EINVAL;
        memcpy(name, p, len);
        name[len] = '\0';
        if (qev_kind_parse(name, &kind) != QEV_OK)
            return QEV_EINVAL;
        f->kinds[kind >> 3] |= (uint8_t)(1u << (kind & 7));
        p += len + (p[len] == ',');
    }
    f->any_kind = 0;
    return QEV_OK;
}

int qev_filter_is_trivial(const qev_filter *f)
{
    return f->from == INT64_MIN && f->to == INT64_MAX && f->any_channel && f->any_kind;
}

size_t qev_filter_apply(const qev_filter *f, const qev_event *in, size_t n, qev_event *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (qev_filter_keep(f, &in[i]))
            out[k++] = in[i];
    return k;
}

void qev_filter_count_rejects(const qev_filter *f, const qev_event *in, size_t n,
                              qev_filter_rejects *r)
{
    for (size_t i = 0; i < n; i++) {
        if (!qev_filter_in_window(f, &in[i]))
            r->outside_window++;
        else if (!qev_filter_channel_selected(f, &in[i]))
            r->channel_not_selected++;
        else if (!qev_filter_kind_selected(f, &in[i]))
            r->kind_not_selected++;
    }
}
