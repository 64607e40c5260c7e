/* qcat --merge: time-sorted inputs into one time-sorted segment. */
#include <stdlib.h>

#include "cli.h"
#include "merge.h"
#include "qcat.h"

void qcat_merge(char **paths, int npaths, const struct qcat_opts *o, struct sink *s,
                qev_event *scratch)
{
    qev_reader **readers = calloc((size_t)npaths, sizeof *readers);
    if (!readers)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < npaths; i++)
        readers[i] = qcat_open_input(paths[i], o);
    qev_meta *meta = sink_merged_meta(readers, (size_t)npaths);
    sink_segment(s, meta, NULL);
    qev_meta_free(meta);
    qev_merger *m = qev_merger_new(readers, (size_t)npaths);
    if (!m)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_merger_read(m, &ev)) > 0)
        qcat_pass_events(s, o->filter, ev, n, scratch);
    if (n < QEV_END)
        cli_die(qev_reader_name(readers[qev_merger_failed_input(m)]), "%s", qev_merger_error(m));
    qev_merger_free(m);
    for (int i = 0; i < npaths; i++) {
        qcat_count_input(readers[i]);
        cli_reader_close(readers[i]);
    }
    free(readers);
}
