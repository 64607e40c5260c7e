/* Fuzzes the partial-result reader (lib/stream/partial.c, qev_partial_read), and
 * what `qcorr merge` does with a partial once read: the histogram and stats
 * checks, a merge, and every rendering (to /dev/null). (What qrecon merge
 * does with a partial is in fuzz_recon.c.)
 *
 * Besides crashes it checks that a partial that reads is one that writes and
 * reads back to the same text, that a failure says why, and that a partial
 * merges with a copy of itself (same kind, rules and lengths by construction). */
#include "corrhist.h"
#include "corrstats.h"
#include "corr_report.h"
#include "fuzz.h"
#include "partial.h"
#include "qev.h"

#include <string.h>

/* The text form of p, allocated. */
static char *text_of(const qev_partial *p, size_t *len)
{
    char *s = NULL;
    FILE *f = open_memstream(&s, len);
    FUZZ_CHECK(f != NULL, "open_memstream failed");
    FUZZ_CHECK(qev_partial_write(p, f) == QEV_OK, "a partial that read does not write");
    FUZZ_CHECK(fclose(f) == 0, "fclose failed");
    return s;
}

static qev_partial *read_text(const char *s, size_t len, char *why, size_t cap)
{
    FILE *f = fmemopen((void *)s, len, "r");
    FUZZ_CHECK(f != NULL || len == 0, "fmemopen failed");
    if (!f) /* glibc refuses an empty buffer: an empty input */
        f = fopen("/dev/null", "r");
    why[0] = '\0';
    qev_partial *p = qev_partial_read(f, why, cap);
    fclose(f);
    return p;
}

/* As qcorr merge: a stats partial or a histogram, checked, then rendered. */
static void render(const qev_partial *p)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    FUZZ_CHECK(null != NULL, "cannot open /dev/null");
    char why[256] = "";
    int stats = qev_partial_get(p, "window_ps", NULL) != NULL;
    int rc = stats ? qev_coinc_stats_partial_check(p, why, sizeof why)
                   : qev_hist_partial_check(p, why, sizeof why);
    if (rc != QEV_OK) {
        FUZZ_CHECK(why[0] != '\0', "a partial refused without a reason");
        return;
    }
    if (stats) {
        corr_report_stats_text(null, p);
        corr_report_stats_json(null, p);
        corr_report_stats_prom(null, p, "fuzz");
        corr_report_stats_tsv_row(null, p, 0, 1000);
    } else {
        corr_report_hist_tsv(null, p, 0);
        corr_report_hist_tsv(null, p, 1);
        corr_report_hist_json(null, p);
        corr_report_hist_svg(null, p, 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    qev_partial *p = read_text((const char *)data, size, why, sizeof why);
    if (!p) {
        FUZZ_CHECK(why[0] != '\0', "a refusal without a reason");
        return 0;
    }
    size_t len1, len2;
    char *t1 = text_of(p, &len1);
    qev_partial *q = read_text(t1, len1, why, sizeof why);
    FUZZ_CHECK(q != NULL, "the written form does not read back: %s", why);
    char *t2 = text_of(q, &len2);
    FUZZ_CHECK(len1 == len2 && memcmp(t1, t2, len1) == 0, "the written form changes on a "
               "second round trip");
    FUZZ_CHECK(qev_partial_merge(q, p, why, sizeof why) == QEV_OK,
               "a partial does not merge with its own copy: %s", why);
    render(p);
    render(q);
    free(t1);
    free(t2);
    qev_partial_free(q);
    qev_partial_free(p);
    return 0;
}
