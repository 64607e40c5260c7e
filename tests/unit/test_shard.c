/* Unit tests of shard spans against spans worked out by hand. */
#include <string.h>

#include "shard.h"
#include "tap.h"

static void check_span(int64_t tmin, int64_t tmax, long i, long n, int64_t overlap,
                       int64_t owned_from, int64_t owned_to, int64_t from, int64_t to,
                       const char *name)
{
    qev_shard s;
    char what[160];
    tap_ok(qev_shard_span(tmin, tmax, i, n, overlap, &s) == QEV_OK, name);
    snprintf(what, sizeof what, "%s: owned from", name);
    tap_is_i64(s.owned_from, owned_from, what);
    snprintf(what, sizeof what, "%s: owned to", name);
    tap_is_i64(s.owned_to, owned_to, what);
    snprintf(what, sizeof what, "%s: held from", name);
    tap_is_i64(s.from, from, what);
    snprintf(what, sizeof what, "%s: held to", name);
    tap_is_i64(s.to, to, what);
}

/* 0..99 ps in 4 shards: 100 ps of range, 25 ps each. */
static void test_even(void)
{
    check_span(0, 99, 1, 4, 10, INT64_MIN, 25, INT64_MIN, 35, "even: shard 1 owns all before");
    check_span(0, 99, 2, 4, 10, 25, 50, 15, 60, "even: shard 2");
    check_span(0, 99, 3, 4, 0, 50, 75, 50, 75, "even: shard 3 without overlap");
    check_span(0, 99, 4, 4, 10, 75, INT64_MAX, 65, INT64_MAX, "even: shard 4 owns all after");
}

/* 10..19 ps in 3 shards: 10 ps of range, ceil(10 / 3) = 4 ps each. */
static void test_uneven(void)
{
    check_span(10, 19, 2, 3, 1, 14, 18, 13, 19, "uneven: the middle shard");
    check_span(10, 19, 3, 3, 1, 18, INT64_MAX, 17, INT64_MAX, "uneven: the last is shorter");
}

/* An empty file (tmax < tmin) counts as one ps; a huge overlap saturates. */
static void test_edges(void)
{
    check_span(5, 4, 1, 1, 0, INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, "one shard: all time");
    check_span(5, 4, 2, 2, 3, 6, INT64_MAX, 3, INT64_MAX, "empty range: one ps");
    check_span(INT64_MIN, INT64_MAX, 1, 2, INT64_MAX, INT64_MIN, 0, INT64_MIN, INT64_MAX,
               "the first half of all int64 time, saturated");
    check_span(INT64_MIN, INT64_MAX, 2, 2, INT64_MAX, 0, INT64_MAX, -INT64_MAX, INT64_MAX,
               "the second half of all int64 time");
    qev_shard s;
    tap_ok(qev_shard_span(0, 9, 0, 3, 0, &s) == QEV_EINVAL, "shard 0 is refused");
    tap_ok(qev_shard_span(0, 9, 4, 3, 0, &s) == QEV_EINVAL, "shard 4 of 3 is refused");
    tap_ok(qev_shard_span(0, 9, 1, 3, -1, &s) == QEV_EINVAL, "a negative overlap is refused");
}

/* The owned spans of all shards tile the time line, each ps exactly once. */
static void test_tiling(void)
{
    int ok = 1;
    for (long n = 1; n <= 9; n++) {
        int64_t next = INT64_MIN;
        for (long i = 1; i <= n; i++) {
            qev_shard s;
            qev_shard_span(-7, 123, i, n, 5, &s);
            ok &= s.owned_from == next && s.owned_to > s.owned_from;
            next = s.owned_to;
        }
        ok &= next == INT64_MAX;
    }
    tap_ok(ok, "the owned spans of 1 to 9 shards meet end to end");
}

static void test_metadata(void)
{
    qev_shard s;
    qev_shard_span(0, 99, 2, 4, 10, &s);
    qev_meta *m = qev_meta_new();
    int64_t from = 0, to = 0, overlap = 0;
    tap_ok(!qev_shard_owned(m, &from, &to) && !qev_shard_overlap(m, &overlap),
           "metadata without a shard states no span and no overlap");
    tap_ok(qev_shard_describe(&s, m) == QEV_OK, "describe");
    tap_ok(strcmp(qev_meta_get(m, "shard"), "2/4") == 0, "shard=2/4");
    tap_ok(strcmp(qev_meta_get(m, "owned_from_ps"), "25") == 0, "owned_from_ps=25");
    tap_ok(strcmp(qev_meta_get(m, "owned_to_ps"), "50") == 0, "owned_to_ps=50");
    tap_ok(strcmp(qev_meta_get(m, "shard_overlap_ps"), "10") == 0, "shard_overlap_ps=10");
    tap_ok(qev_shard_owned(m, &from, &to) && from == 25 && to == 50, "the owned span reads back");
    tap_ok(qev_shard_overlap(m, &overlap) && overlap == 10, "the overlap reads back");
    qev_meta_free(m);
}

int main(void)
{
    test_even();
    test_uneven();
    test_edges();
    test_tiling();
    test_metadata();
    return tap_done();
}
