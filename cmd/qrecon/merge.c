/* qrecon merge: the partial sums of shards, added, give the whole run's
 * image or sums. */
#include "qrecon.h"

#include "cli.h"
#include "partial.h"

#include <string.h>

static void merged_image(struct qrecon_opts *o, const qev_partial *p)
{
    char why[256];
    if (strcmp(qev_partial_kind(p), QEV_PARTIAL_HERALDED) == 0) {
        qev_herald_sums s;
        if (qev_herald_from_partial(p, &s, why, sizeof why) != QEV_OK)
            cli_die("merged", "%s", why);
        qrecon_heralded_image(o, &s);
        qev_herald_sums_free(&s);
        return;
    }
    qev_buckets b;
    qev_pattern_spec s;
    if (qev_buckets_from_partial(p, &b, &s, why, sizeof why) != QEV_OK)
        cli_die("merged", "%s", why);
    if (s.kind == QEV_PATTERNS_FILE && !o->patterns)
        cli_usage_error("the shards used patterns from a file: give --patterns FILE");
    qrecon_computational_image(o, &s, &b);
    qev_buckets_free(&b);
}

void qrecon_merge(struct qrecon_opts *o, char **paths, int n)
{
    qev_partial *sum = cli_merge_partials(paths, n);
    const char *kind = qev_partial_kind(sum);
    if (strcmp(kind, QEV_PARTIAL_HERALDED) != 0 && strcmp(kind, QEV_PARTIAL_COMPUTATIONAL) != 0)
        cli_die(paths[0], "a partial result of %s, not of qrecon", kind);
    if (o->partial)
        qrecon_write_partial(o, sum);
    else {
        merged_image(o, sum);
        qev_partial_free(sum);
    }
}
