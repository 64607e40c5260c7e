/* Shards of one acquisition, for a cluster: N equal time spans of a file's
 * range, each widened by an overlap so that correlations near its edges
 * still see their partners. Each shard owns its span and says so in its
 * metadata, so that a correlation counts only what the shard owns and the
 * shards add up exactly to one pass. */
#ifndef QEV_SHARD_H
#define QEV_SHARD_H

#include <stdint.h>

#include "qev.h"

typedef struct qev_shard {
    long index, count;             /* shard index (from 1) of count */
    int64_t overlap;               /* ps added on both sides of the owned span */
    int64_t owned_from, owned_to;  /* [from, to): the first and last reach to the ends of time */
    int64_t from, to;              /* the events the shard holds: owned +- overlap, saturated */
} qev_shard;

/* Shard index of count over the times [tmin, tmax] (one ps when tmax < tmin):
 * spans of ceil(range / count) ps from tmin. QEV_EINVAL unless 1 <= index <=
 * count and overlap >= 0. */
int qev_shard_span(int64_t tmin, int64_t tmax, long index, long count, int64_t overlap,
                   qev_shard *out);
/* Sets shard, owned_from_ps, owned_to_ps and shard_overlap_ps. */
int qev_shard_describe(const qev_shard *s, qev_meta *m);
/* The owned span that metadata states; 0 when it states none. */
int qev_shard_owned(const qev_meta *m, int64_t *from, int64_t *to);
/* The overlap that metadata states; 0 when it states none. */
int qev_shard_overlap(const qev_meta *m, int64_t *overlap);

#endif
