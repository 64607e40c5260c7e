/* qtag-read --merge: the files merged by time into one segment. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "merge.h"
#include "qtag_read.h"

struct tag_source {
    qtag_reader *r;
    qev_event *buf;
};

static long tag_source_read(void *handle, const qev_event **events)
{
    struct tag_source *t = handle;
    *events = t->buf;
    return qtag_read(t->r, t->buf, QTAG_READ_CHUNK);
}

static const char *tag_source_error(const void *handle)
{
    return qtag_error(((const struct tag_source *)handle)->r);
}

/* Opens every file and starts the segment with their merged metadata. */
static void open_sources(char **paths, int n, const qtag_opts *opts, struct sink *s,
                         struct tag_source *ts, void **handles)
{
    qev_meta **metas = calloc((size_t)n, sizeof *metas);
    if (!metas)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        ts[i].r = qtag_read_open(paths[i], opts);
        ts[i].buf = malloc(QTAG_READ_CHUNK * sizeof *ts[i].buf);
        if (!ts[i].buf)
            cli_die(NULL, "out of memory");
        handles[i] = &ts[i];
        metas[i] = qtag_read_segment_meta(ts[i].r, paths[i]);
    }
    qev_meta *m = qev_meta_merged((const qev_meta *const *)metas, (size_t)n);
    if (!m)
        cli_die(NULL, "out of memory");
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    for (int i = 0; i < n; i++)
        qev_meta_free(metas[i]);
    free(metas);
}

/* The closing metadata of each file, its keys numbered by the file (key.1,
 * key.2, ...); closes the files. */
static void close_sources(char **paths, int n, struct tag_source *ts, struct sink *s)
{
    qev_meta *closing = qev_meta_new();
    if (!closing)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        qev_meta *one = qtag_read_finish_file(ts[i].r, paths[i]);
        for (size_t k = 0; k < qev_meta_count(one); k++) {
            char key[128];
            snprintf(key, sizeof key, "%s.%d", qev_meta_key(one, k), i + 1);
            qev_meta_set(closing, key, qev_meta_value(one, k));
        }
        qev_meta_free(one);
        qtag_close(ts[i].r);
        free(ts[i].buf);
    }
    sink_closing(s, closing);
    qev_meta_free(closing);
}

void qtag_read_merge(char **paths, int n, const qtag_opts *opts, struct sink *s)
{
    struct tag_source *ts = calloc((size_t)n, sizeof *ts);
    void **handles = calloc((size_t)n, sizeof *handles);
    if (!ts || !handles)
        cli_die(NULL, "out of memory");
    open_sources(paths, n, opts, s, ts, handles);
    qev_merger *mg = qev_merger_new_sources(handles, (size_t)n, tag_source_read, tag_source_error);
    if (!mg)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long got;
    while ((got = qev_merger_read(mg, &ev)) > 0)
        sink_events(s, ev, (size_t)got);
    if (got < QEV_END)
        cli_die(paths[qev_merger_failed_input(mg)], "%s", qev_merger_error(mg));
    close_sources(paths, n, ts, s);
    qev_merger_free(mg);
    free(ts);
    free(handles);
}
