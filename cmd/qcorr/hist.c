/* qcorr hist: correlation histograms (g2). */
#include <inttypes.h>

#include "cli.h"
#include "corrhist.h"
#include "qcorr.h"

static void warn_comb(const struct corr_opts *o, const qev_reader *r)
{
    int64_t q = qcorr_stream_resolution(r);
    if (q > 1 && o->bin % q)
        cli_warn(qev_reader_name(r), "bin width %" PRId64 " ps is not a multiple of the "
                                     "stream's resolution (%" PRId64 " ps): expect comb artefacts",
                 o->bin, q);
}

void qcorr_hist(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    qcorr_owned_interval(o, qev_reader_meta(r));
    warn_comb(o, r);
    int64_t half = qev_hist_half_bins(o->range, o->bin);
    qcorr_check_shard_reach(o, r, half * o->bin + o->bin / 2);
    qev_correlator *c = qcorr_new_correlator(o, o->bin, half, o->start_stop);
    qcorr_correlate(r, c);
    qev_partial *p = qev_hist_partial(c, o->pairs, o->npairs, o->bin, half,
                                      o->start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                      o->duration);
    if (!p)
        cli_die(NULL, "out of memory");
    qcorr_write_result(o, p, qev_reader_name(r));
    cli_reader_close(r);
    qev_partial_free(p);
    qev_correlator_free(c);
}
