/* k-way time merge of time-sorted streams, in bounded memory. */
#ifndef QEV_MERGE_H
#define QEV_MERGE_H

#include <stddef.h>

#include "qev.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qev_merger qev_merger;

/* The readers stay owned by the caller. Ties in time keep input order. */
QEV_API qev_merger *qev_merger_new(qev_reader **readers, size_t k);

/* Any source of event blocks: read works like qev_read, error gives the
 * source's message after a failed read. */
typedef long qev_source_read(void *handle, const qev_event **events);
typedef const char *qev_source_error(const void *handle);
/* Merges k sources of one kind: handles[i] is read with read, and its message
 * comes from error. The handles stay owned by the caller. */
QEV_API qev_merger *qev_merger_new_sources(void *const *handles, size_t k, qev_source_read *read,
                                           qev_source_error *error);
/* Like qev_read: >= 0 merged events, QEV_END, or an error. */
QEV_API long qev_merger_read(qev_merger *m, const qev_event **events);
/* The sticky status: QEV_OK, QEV_END after the last event, or the error. */
QEV_API int qev_merger_status(const qev_merger *m);
/* After an error: the input it came from, and its message. */
QEV_API size_t qev_merger_failed_input(const qev_merger *m);
QEV_API const char *qev_merger_error(const qev_merger *m);
QEV_API void qev_merger_free(qev_merger *m);

#ifdef __cplusplus
}
#endif

#endif
