/* Event selection by time window, channel and kind, shared by the tools. */
#ifndef QEV_FILTER_H
#define QEV_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A filter is a value, not a stream: each call returns its own status, and
 * nothing sticks. */
typedef struct qev_filter qev_filter;

/* A filter that keeps every event; NULL without memory. */
QEV_API qev_filter *qev_filter_new(void);
QEV_API void qev_filter_free(qev_filter *f);
/* Keeps only from <= t < to: nothing when to <= from. */
QEV_API void qev_filter_set_window(qev_filter *f, int64_t from, int64_t to);
QEV_API void qev_filter_window(const qev_filter *f, int64_t *from, int64_t *to);
/* Adds channels from a list like "1,3,5-8"; from the first list on, only the
 * channels listed are kept. QEV_EINVAL on a malformed list, which leaves the
 * filter as it was. */
QEV_API int qev_filter_add_channels(qev_filter *f, const char *list);
/* Adds kinds from a list like "photon,marker", in the same way. */
QEV_API int qev_filter_add_kinds(qev_filter *f, const char *list);
/* 1 when events of the channel pass the channel test. */
QEV_API int qev_filter_has_channel(const qev_filter *f, uint16_t channel);
/* 1 once a channel list was added: only the channels listed pass. */
QEV_API int qev_filter_channels_listed(const qev_filter *f);
/* 1 when the filter keeps every event. */
QEV_API int qev_filter_is_trivial(const qev_filter *f);

/* Compacts the events kept into out (which may equal in); returns their count. */
QEV_API size_t qev_filter_apply(const qev_filter *f, const qev_event *in, size_t n,
                                qev_event *out);

/* The tests of a filter, in the order they are made. */
enum qev_filter_test {
    QEV_FILTER_WINDOW = 0,
    QEV_FILTER_CHANNEL = 1,
    QEV_FILTER_KIND = 2,
};
/* Counts in f the events of in that it does not keep, each under the first
 * test it fails. */
QEV_API void qev_filter_count_rejects(qev_filter *f, const qev_event *in, size_t n);
/* The events counted under that test; 0 for a test this library does not know. */
QEV_API uint64_t qev_filter_rejected(const qev_filter *f, enum qev_filter_test test);

#ifdef __cplusplus
}
#endif

#endif
