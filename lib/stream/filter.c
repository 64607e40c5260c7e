/* Event selection by time window, channel and kind. */
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct qev_filter {
    int64_t from, to; /* keep from <= t < to */
    int any_channel, any_kind;
    uint8_t channels[65536 / 8];
    uint8_t kinds[256 / 8];
    uint64_t rejected[QEV_FILTER_KIND + 1];
};

qev_filter *qev_filter_new(void)
{
    qev_filter *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->from = INT64_MIN;
    f->to = INT64_MAX;
    f->any_channel = f->any_kind = 1;
    return f;
}

void qev_filter_free(qev_filter *f) { free(f); }

void qev_filter_set_window(qev_filter *f, int64_t from, int64_t to)
{
    f->from = from;
    f->to = to;
}

void qev_filter_window(const qev_filter *f, int64_t *from, int64_t *to)
{
    *from = f->from;
    *to = f->to;
}

static int parse_channel(const char *s, char **end, long *v)
{
    errno = 0;
    *v = strtol(s, end, 10);
    return *end != s && !errno && *v >= 0 && *v <= 65535;
}

/* Marks the channels of list in bits, or returns QEV_EINVAL. */
static int channel_bits(const char *list, uint8_t *bits)
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
            bits[c >> 3] |= (uint8_t)(1u << (c & 7));
        p = *end ? end + 1 : end;
    } while (*p);
    return QEV_OK;
}

/* Marks the kinds of list in bits, or returns QEV_EINVAL. */
static int kind_bits(const char *list, uint8_t *bits)
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
        bits[kind >> 3] |= (uint8_t)(1u << (kind & 7));
        p += len + (p[len] == ',');
    }
    return QEV_OK;
}

/* Marks a list in a copy of bits first, so that a malformed one changes
 * nothing; from the first list on, only what is marked passes. */
static int add_list(uint8_t *bits, size_t size, int *any, const char *list,
                    int (*mark)(const char *list, uint8_t *bits))
{
    uint8_t copy[65536 / 8];
    memcpy(copy, bits, size);
    if (mark(list, copy) != QEV_OK)
        return QEV_EINVAL;
    memcpy(bits, copy, size);
    *any = 0;
    return QEV_OK;
}

int qev_filter_add_channels(qev_filter *f, const char *list)
{
    return add_list(f->channels, sizeof f->channels, &f->any_channel, list, channel_bits);
}

int qev_filter_add_kinds(qev_filter *f, const char *list)
{
    return add_list(f->kinds, sizeof f->kinds, &f->any_kind, list, kind_bits);
}

static int in_window(const qev_filter *f, const qev_event *e)
{
    return e->t >= f->from && e->t < f->to;
}

static int channel_selected(const qev_filter *f, uint16_t channel)
{
    return f->any_channel || (f->channels[channel >> 3] >> (channel & 7) & 1);
}

int qev_filter_has_channel(const qev_filter *f, uint16_t channel)
{
    return channel_selected(f, channel);
}

int qev_filter_channels_listed(const qev_filter *f) { return !f->any_channel; }

static int kind_selected(const qev_filter *f, const qev_event *e)
{
    return f->any_kind || (f->kinds[e->kind >> 3] >> (e->kind & 7) & 1);
}

static int keeps(const qev_filter *f, const qev_event *e)
{
    return in_window(f, e) && channel_selected(f, e->channel) && kind_selected(f, e);
}

int qev_filter_is_trivial(const qev_filter *f)
{
    return f->from == INT64_MIN && f->to == INT64_MAX && f->any_channel && f->any_kind;
}

size_t qev_filter_apply(const qev_filter *f, const qev_event *in, size_t n, qev_event *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keeps(f, &in[i]))
            out[k++] = in[i];
    return k;
}

void qev_filter_count_rejects(qev_filter *f, const qev_event *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!in_window(f, &in[i]))
            f->rejected[QEV_FILTER_WINDOW]++;
        else if (!channel_selected(f, in[i].channel))
            f->rejected[QEV_FILTER_CHANNEL]++;
        else if (!kind_selected(f, &in[i]))
            f->rejected[QEV_FILTER_KIND]++;
    }
}

uint64_t qev_filter_rejected(const qev_filter *f, enum qev_filter_test test)
{
    return (unsigned)test <= QEV_FILTER_KIND ? f->rejected[test] : 0;
}
