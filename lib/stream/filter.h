/* Event selection by time window, channel and kind, shared by the tools. */
#ifndef QEV_FILTER_H
#define QEV_FILTER_H

#include <stdint.h>

#include "qev.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qev_filter {
    int64_t from, to;               /* keep from <= t < to */
    int any_channel, any_kind;
    uint8_t channels[65536 / 8];
    uint8_t kinds[256 / 8];
} qev_filter;

QEV_API void qev_filter_init(qev_filter *f);
/* Adds channels from a list like "1,3,5-8". QEV_EINVAL on a malformed list. */
QEV_API int qev_filter_add_channels(qev_filter *f, const char *list);
/* Adds kinds from a list like "photon,marker". */
QEV_API int qev_filter_add_kinds(qev_filter *f, const char *list);
QEV_API int qev_filter_is_trivial(const qev_filter *f);

static inline int qev_filter_in_window(const qev_filter *f, const qev_event *e)
{
    return e->t >= f->from && e->t < f->to;
}

static inline int qev_filter_channel_selected(const qev_filter *f, const qev_event *e)
{
    return f->any_channel || (f->channels[e->channel >> 3] >> (e->channel & 7) & 1);
}

static inline int qev_filter_kind_selected(const qev_filter *f, const qev_event *e)
{
    return f->any_kind || (f->kinds[e->kind >> 3] >> (e->kind & 7) & 1);
}

static inline int qev_filter_keep(const qev_filter *f, const qev_event *e)
{
    return qev_filter_in_window(f, e) && qev_filter_channel_selected(f, e) &&
           qev_filter_kind_selected(f, e);
}

/* Compacts the events kept into out (which may equal in); returns their count. */
QEV_API size_t qev_filter_apply(const qev_filter *f, const qev_event *in, size_t n, qev_event *out);

/* The events a filter does not keep, each under the first test it fails:
 * the time window, then the channel, then the kind. */
typedef struct qev_filter_rejects {
    uint64_t outside_window, channel_not_selected, kind_not_selected;
} qev_filter_rejects;
/* Adds the events of in that f does not keep to r. */
QEV_API void qev_filter_count_rejects(const qev_filter *f, const qev_event *in, size_t n,
                              qev_filter_rejects *r);

#ifdef __cplusplus
}
#endif

#endif
