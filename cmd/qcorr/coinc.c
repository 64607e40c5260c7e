/* qcorr coinc: a QEV stream of coincidence groups. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "qcorr.h"
#include "sink.h"

static int write_events(void *ctx, const qev_event *ev, size_t n)
{
    sink_events(ctx, ev, n);
    return QEV_OK;
}

/* The events read against the events written, from the reader and the sink,
 * so that the search's own counts are checked, not restated. */
static void tally_coinc(const struct corr_opts *o, const qev_reader *r, const struct sink *s,
                        const qev_coinc_counts *k)
{
    qev_balance b = {.in = qev_reader_count(r, QEV_READ_EVENTS), .out = sink_events_written(s)};
    qev_balance_add(&b, "channel_not_selected", o->channels_set ? k->ignored : 0);
    qev_balance_add(&b, "not_photon", o->channels_set ? 0 : k->ignored);
    qev_balance_add(&b, "no_coincidence", k->dropped);
    qev_balance_add(&b, "collapsed_into_group", o->collapse ? k->grouped - k->groups : 0);
    cli_tally(&b);
}

static qev_meta *coinc_meta(const struct corr_opts *o, const qev_reader *r)
{
    qev_meta *m = qev_meta_dup(qev_reader_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    uint8_t fields = 0;
    qev_meta_fields(m, &fields);
    fields = o->collapse ? QEV_F_VALUE : (uint8_t)(fields | QEV_F_GROUP);
    char names[64];
    qev_fields_string(fields, names, sizeof names);
    qev_meta_set(m, "fields", names);
    qev_meta_setf(m, "coincidence_window_ps", "%" PRId64, o->window);
    qev_meta_setf(m, "coincidence_min_fold", "%u", o->min_fold);
    if (o->delayed)
        qev_meta_setf(m, "coincidence_delayed_ps", "%" PRId64, o->delayed);
    qev_meta_set(m, "coincidence_rule", "a group starts at the earliest unused event and takes "
                                        "every event with 2 (t - t_first) <= window after delays");
    return m;
}

static void coinc_closing(struct sink *s, const qev_coinc_counts *k)
{
    qev_meta *m = qev_meta_new();
    if (!m)
        cli_die(NULL, "out of memory");
    qev_meta_setf(m, "coincidence_events_in", "%" PRIu64, k->in);
    qev_meta_setf(m, "coincidence_events_ignored", "%" PRIu64, k->ignored);
    qev_meta_setf(m, "coincidence_events_grouped", "%" PRIu64, k->grouped);
    qev_meta_setf(m, "coincidence_events_dropped", "%" PRIu64, k->dropped);
    qev_meta_setf(m, "coincidence_groups", "%" PRIu64, k->groups);
    sink_closing(s, m);
    qev_meta_free(m);
}

/* Without --channels, every photon takes part. */
static qev_coinc *new_search(const struct corr_opts *o)
{
    static int64_t delay[65536];
    static uint8_t photons[65536];
    if (!o->channels_set)
        memset(photons, 1, sizeof photons);
    const uint8_t *takes_part = o->channels_set ? o->takes_part : photons;
    qev_coinc_delay_partners(o->delay, takes_part, o->delayed, delay);
    qev_coinc_opts co = {.window = o->window,
                         .min_fold = o->min_fold,
                         .delay = delay,
                         .takes_part = takes_part,
                         .photons_only = !o->channels_set,
                         .collapse = o->collapse,
                         .group_time = o->group_time,
                         .collapse_channel = o->collapse_channel};
    qev_coinc *c = qev_coinc_new(&co);
    if (!c)
        cli_die(NULL, "out of memory");
    return c;
}

void qcorr_coinc(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    qcorr_check_cal(o, r);
    qev_coinc *c = new_search(o);
    struct sink *s = sink_open(SINK_QEV, o->output, 0);
    qev_meta *m = coinc_meta(o, r);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_coinc_add(c, ev, (size_t)n, qev_read_sorted(r), write_events, s) == QEV_EINVAL)
            qcorr_die_disorder(r, qev_coinc_disorder_at(c));
        cli_progress(qev_reader_count(r, QEV_READ_BYTES), qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
    if (qev_coinc_finish(c, write_events, s) != QEV_OK)
        cli_die(NULL, "out of memory");
    qev_coinc_counts k = qev_coinc_get_counts(c);
    coinc_closing(s, &k);
    tally_coinc(o, r, s, &k);
    sink_close(s);
    cli_reader_close(r);
    qev_coinc_free(c);
}
