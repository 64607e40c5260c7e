/* qcorr merge: partial results of shards, merged exactly. */
#include "cli.h"
#include "corrhist.h"
#include "qcorr.h"

void qcorr_merge(struct corr_opts *o, char **paths, int n)
{
    qev_partial *sum = cli_merge_partials(paths, n);
    char why[200];
    if ((qcorr_is_stats(sum) ? qev_coinc_stats_partial_check(sum, why, sizeof why)
                             : qev_hist_partial_check(sum, why, sizeof why)) != QEV_OK)
        cli_die(paths[0], "%s", why);
    qcorr_write_result(o, sum, "merged");
    qev_partial_free(sum);
}
