/* Unit tests of the --tally accounts: the balance of events and the reasons
 * a selection gives for what it leaves out. */
#include <string.h>

#include "balance.h"
#include "filter.h"
#include "qev.h"
#include "tap.h"

static void test_format(void)
{
    qev_balance b = {.in = 10, .out = 6};
    qev_balance_add(&b, "outside_window", 3);
    qev_balance_add(&b, "dead_time", 0);
    qev_balance_add(&b, "outside_window", 1);
    char line[200];
    int len = qev_balance_format(&b, line, sizeof line);
    const char *want = "in=10 out=6 filtered=4 outside_window=4 dead_time=0";
    tap_ok(strcmp(line, want) == 0 && len == (int)strlen(want),
           "format: in, out, filtered, then each reason once, in the order first named");
    tap_ok(qev_balance_holds(&b), "10 = 6 + 4 holds");
    char small[12];
    len = qev_balance_format(&b, small, sizeof small);
    tap_ok(len == (int)strlen(want) && strcmp(small, "in=10 out=6") == 0,
           "format into a short buffer: cut, and the length it needs");
}

static void test_imbalance(void)
{
    qev_balance lost = {.in = 10, .out = 6};
    qev_balance_add(&lost, "overflow_records", 3);
    tap_ok(!qev_balance_holds(&lost), "an event in no count does not balance");
    qev_balance made = {.in = 10, .out = 11};
    tap_ok(!qev_balance_holds(&made), "more out than in does not balance");
    qev_balance wraps = {.in = 5, .out = 5};
    qev_balance_add(&wraps, "a", UINT64_MAX);
    qev_balance_add(&wraps, "b", 1);
    tap_ok(qev_balance_filtered(&wraps) == 0 && !qev_balance_holds(&wraps),
           "reasons whose sum wraps to zero do not balance");
}

static void test_reason_names(void)
{
    qev_balance b = {0};
    tap_ok(qev_balance_add(&b, "Bad-name", 1) == QEV_EINVAL && qev_balance_add(&b, "", 1) ==
                                                                  QEV_EINVAL,
           "a reason is named with [a-z_]");
    static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    int rc = QEV_OK;
    for (size_t i = 0; i < 9 && rc == QEV_OK; i++)
        rc = qev_balance_add(&b, names[i], 1);
    tap_ok(rc == QEV_EINVAL && b.nreasons == QEV_BALANCE_REASONS,
           "a ninth reason is refused, not dropped silently");
}

/* Events at t = 0..99 on channels 0..3 (t % 4), kind photon except every
 * fifth (t % 5 == 0), a marker. */
static void test_filter_rejects(void)
{
    qev_event ev[100], kept[100];
    for (int i = 0; i < 100; i++)
        ev[i] = (qev_event){i, (uint16_t)(i % 4), i % 5 ? QEV_PHOTON : QEV_MARKER, 0, 0};
    qev_filter *f = qev_filter_new();
    qev_filter_set_window(f, 20, 60);
    qev_filter_add_channels(f, "1,2");
    qev_filter_add_kinds(f, "photon");
    size_t n = qev_filter_apply(f, ev, 100, kept);
    qev_filter_count_rejects(f, ev, 100);
    /* 60 outside [20, 60); of the 40 inside, channels 0 and 3 are 20; of the
     * 20 on channels 1 and 2, t % 5 == 0 at t = 25, 30, 45, 50: 4 markers. */
    tap_is_i64((int64_t)qev_filter_rejected(f, QEV_FILTER_WINDOW), 60,
               "outside the window: t < 20 or t >= 60");
    tap_is_i64((int64_t)qev_filter_rejected(f, QEV_FILTER_CHANNEL), 20,
               "inside it, channels 0 and 3");
    tap_is_i64((int64_t)qev_filter_rejected(f, QEV_FILTER_KIND), 4,
               "inside it on channels 1 and 2, the markers");
    tap_is_i64((int64_t)n, 16, "and the 16 kept make up the rest");
    qev_filter_free(f);
}

int main(void)
{
    test_format();
    test_imbalance();
    test_reason_names();
    test_filter_rejects();
    return tap_done();
}
