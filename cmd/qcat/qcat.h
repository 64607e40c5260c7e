/* qcat: what its files share. */
#ifndef QCAT_H
#define QCAT_H

#include "filter.h"
#include "sink.h"

struct qcat_opts {
    enum sink_mode mode;
    int mode_set;
    const char *output;
    int merge;
    int level;
    int64_t from, to;   /* --from, --to */
    qev_filter *filter; /* the window, channels and kinds to keep */
    long shard, shards; /* --shard I/N, I from 1 */
    int64_t overlap;
};

extern const char qcat_usage[];
void qcat_parse_args(int argc, char **argv, struct qcat_opts *o);

/* The selection, and the count of what it read and left out for --tally. */
qev_reader *qcat_open_input(const char *path, const struct qcat_opts *o);
void qcat_pass_events(struct sink *s, qev_filter *f, const qev_event *ev, long n,
                      qev_event *scratch);
void qcat_count_input(const qev_reader *r);
void qcat_tally(const struct sink *s, const qev_filter *f);

void qcat_concatenate(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                      qev_event *scratch);
void qcat_cut_shard(const char *path, struct qcat_opts *o, struct sink *s, qev_event *scratch);
void qcat_merge(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                qev_event *scratch);

#endif
