/* qcat without --merge: each input's segments in turn, or one shard of a file. */
#include "cli.h"
#include "qcat.h"
#include "shard.h"

/* The output segment for the reader's current one: its metadata, plus the
 * shard's ownership when cutting a shard. */
static void start_segment(struct sink *s, const qev_reader *r, const qev_meta *extra)
{
    if (!extra) {
        sink_segment(s, qev_reader_meta(r), qev_reader_name(r));
        return;
    }
    qev_meta *m = qev_meta_dup(qev_reader_meta(r));
    if (!m)
        cli_die(NULL, "out of memory");
    for (size_t i = 0; i < qev_meta_count(extra); i++)
        qev_meta_set(m, qev_meta_key(extra, i), qev_meta_value(extra, i));
    sink_segment(s, m, qev_reader_name(r));
    qev_meta_free(m);
}

static void copy_stream(qev_reader *r, const struct qcat_opts *o, const qev_meta *extra,
                        struct sink *s, qev_event *scratch)
{
    start_segment(s, r, extra);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (n > 0) {
            qcat_pass_events(s, o->filter, ev, n, scratch);
            continue;
        }
        sink_closing(s, qev_reader_closing_meta(r));
        start_segment(s, r, extra);
    }
    cli_check_read(r, n);
    sink_closing(s, qev_reader_closing_meta(r));
    qcat_count_input(r);
    cli_reader_close(r);
}

void qcat_concatenate(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                      qev_event *scratch)
{
    for (int i = 0; i < npaths; i++)
        copy_stream(qcat_open_input(paths[i], o), o, NULL, s, scratch);
}

void qcat_cut_shard(const char *path, struct qcat_opts *o, struct sink *s, qev_event *scratch)
{
    qev_reader *r = cli_reader(path);
    int64_t tmin, tmax;
    if (qev_reader_file_span(r, &tmin, &tmax) != QEV_OK)
        cli_die(path, "--shard needs a whole QEV file (its trailers give the time range)");
    qev_shard shard;
    if (qev_shard_span(tmin, tmax, o->shard, o->shards, o->overlap, &shard) != QEV_OK)
        cli_usage_error("--shard %ld/%ld with --overlap %lld ps", o->shard, o->shards,
                        (long long)o->overlap);
    qev_meta *ownership = qev_meta_new();
    if (!ownership || qev_shard_describe(&shard, ownership) != QEV_OK)
        cli_die(NULL, "out of memory");
    o->from = shard.from;
    o->to = shard.to;
    qev_filter_set_window(o->filter, shard.from, shard.to);
    qev_reader_set_window(r, shard.from, shard.to);
    copy_stream(r, o, ownership, s, scratch);
    qev_meta_free(ownership);
}
