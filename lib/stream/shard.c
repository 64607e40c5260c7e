/* Shards: owned spans of a file's time range, and the metadata naming them. */
#include "shard.h"

#include <inttypes.h>
#include <stdlib.h>

static int64_t saturating_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

int qev_shard_span(int64_t tmin, int64_t tmax, long index, long count, int64_t overlap,
                   qev_shard *out)
{
    if (count < 1 || index < 1 || index > count || overlap < 0)
        return QEV_EINVAL;
    __int128 range = tmax >= tmin ? (__int128)tmax - tmin + 1 : 1;
    __int128 len = (range + count - 1) / count;
    out->index = index;
    out->count = count;
    out->overlap = overlap;
    out->owned_from = index == 1 ? INT64_MIN : (int64_t)(tmin + len * (index - 1));
    out->owned_to = index == count ? INT64_MAX : (int64_t)(tmin + len * index);
    out->from = saturating_add(out->owned_from, -overlap);
    out->to = saturating_add(out->owned_to, overlap);
    return QEV_OK;
}

int qev_shard_describe(const qev_shard *s, qev_meta *m)
{
    int rc = qev_meta_setf(m, "shard", "%ld/%ld", s->index, s->count);
    if (rc == QEV_OK)
        rc = qev_meta_setf(m, "owned_from_ps", "%" PRId64, s->owned_from);
    if (rc == QEV_OK)
        rc = qev_meta_setf(m, "owned_to_ps", "%" PRId64, s->owned_to);
    if (rc == QEV_OK)
        rc = qev_meta_setf(m, "shard_overlap_ps", "%" PRId64, s->overlap);
    return rc;
}

int qev_shard_owned(const qev_meta *m, int64_t *from, int64_t *to)
{
    const char *f = qev_meta_get(m, "owned_from_ps"), *t = qev_meta_get(m, "owned_to_ps");
    if (!f || !t)
        return 0;
    *from = strtoll(f, NULL, 10);
    *to = strtoll(t, NULL, 10);
    return 1;
}

int qev_shard_overlap(const qev_meta *m, int64_t *overlap)
{
    const char *v = qev_meta_get(m, "shard_overlap_ps");
    if (!v)
        return 0;
    *overlap = strtoll(v, NULL, 10);
    return 1;
}
