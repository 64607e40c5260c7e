/* qcat's selection of events, and the account of what it read and left out. */
#include "cli.h"
#include "qcat.h"

/* The events of the inputs, including those in blocks a time window skipped,
 * and why the selection left some out. */
static uint64_t events_in, events_skipped;

void qcat_count_input(const qev_reader *r)
{
    uint64_t skipped = qev_reader_count(r, QEV_READ_EVENTS_SKIPPED);
    events_in += qev_reader_count(r, QEV_READ_EVENTS) + skipped;
    events_skipped += skipped;
}

qev_reader *qcat_open_input(const char *path, const struct qcat_opts *o)
{
    qev_reader *r = cli_reader(path);
    if (o->from != INT64_MIN || o->to != INT64_MAX)
        qev_reader_set_window(r, o->from, o->to);
    return r;
}

void qcat_pass_events(struct sink *s, qev_filter *f, const qev_event *ev, long n,
                      qev_event *scratch)
{
    if (qev_filter_is_trivial(f)) {
        sink_events(s, ev, (size_t)n);
        return;
    }
    size_t kept = qev_filter_apply(f, ev, (size_t)n, scratch);
    if (kept < (size_t)n && cli_tally_wanted())
        qev_filter_count_rejects(f, ev, (size_t)n);
    sink_events(s, scratch, kept);
}

void qcat_tally(const struct sink *s, const qev_filter *f)
{
    qev_balance t = {.in = events_in, .out = sink_events_written(s)};
    qev_balance_add(&t, "outside_window",
                    qev_filter_rejected(f, QEV_FILTER_WINDOW) + events_skipped);
    qev_balance_add(&t, "channel_not_selected", qev_filter_rejected(f, QEV_FILTER_CHANNEL));
    qev_balance_add(&t, "kind_not_selected", qev_filter_rejected(f, QEV_FILTER_KIND));
    cli_tally(&t);
}
