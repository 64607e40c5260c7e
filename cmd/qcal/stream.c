/* What the measurements share: the stream's quantum, its order and its
 * counts. */
#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"
#include "counts.h"
#include "qcal.h"

int64_t stream_resolution(const qev_reader *r)
{
    const char *res = qev_meta_get(qev_reader_meta(r), "resolution_ps");
    long long q = res ? atoll(res) : 1;
    return q > 0 ? q : 1;
}

_Noreturn void die_disorder(const qev_reader *r, uint64_t at)
{
    cli_die(qev_reader_name(r), "event %" PRIu64 " goes back in time; " QEV_ORDER_HINT, at);
}

int wanted_channel(const struct opts *o, uint16_t ch)
{
    return qev_filter_has_channel(o->channels, ch);
}

/* The photons of a stream; its duration is duration (ps) when positive. */
struct qcal_counts *count_stream(const char *path, int64_t duration)
{
    qcal_counts *k = qcal_counts_new();
    if (!k)
        cli_die(NULL, "out of memory");
    qev_reader *r = cli_reader(path);
    const qev_meta *m = qev_reader_meta(r);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0)
        if (qcal_counts_add(k, ev, (size_t)n) != QEV_OK)
            cli_die(NULL, "%s", qcal_counts_error(k));
    cli_check_read(r, n);
    int rc = qcal_counts_finish(k, m, (double)duration);
    cli_reader_close(r);
    if (rc != QEV_OK)
        cli_die(path, "no duration: the stream holds fewer than two photons and no "
                      "duration_ps; give --duration");
    return k;
}
