/* Fuzzes the files qrecon reads besides streams (lib/recon/recon_io.h,
 * lib/recon/recon_data.h): pattern files, as a PGM stack and as raw bytes of a
 * frame size taken from the first byte; bucket values from "index value"
 * text rows; and partial results as qrecon merge takes them: the heralded
 * sums, or the buckets and pattern specification, rebuilt from a partial,
 * and the pattern operator made from them.
 *
 * Besides crashes it checks that a failure says why, that patterns read hold
 * whole frames of the size asked with values in 0..1, and that bucket values
 * read fill every measurement. */
#include "fuzz.h"
#include "partial.h"
#include "qev.h"
#include "recon.h"
#include "recon_data.h"
#include "recon_io.h"

#include <math.h>
#include <string.h>

#define MAX_VALUE_BYTES (64u << 20)

static void read_patterns(const char *path, size_t width, size_t height)
{
    size_t w = width, h = height, rows = 0;
    float *v = NULL;
    char why[256] = "";
    if (qev_patterns_read(path, &w, &h, &v, &rows, MAX_VALUE_BYTES, why, sizeof why) != QEV_OK) {
        FUZZ_CHECK(why[0] != '\0', "patterns refused without a reason");
        free(v);
        return;
    }
    FUZZ_CHECK(w > 0 && h > 0 && rows > 0, "%zu frames of %zux%zu", rows, w, h);
    if (width)
        FUZZ_CHECK(w == width && h == height, "%zux%zu asked, %zux%zu read", width, height, w, h);
    FUZZ_CHECK(rows * w * h * sizeof *v <= MAX_VALUE_BYTES, "%zu frames of %zux%zu above the cap",
               rows, w, h);
    for (size_t i = 0; i < rows * w * h; i++)
        FUZZ_CHECK(v[i] >= 0 && v[i] <= 1, "value %zu is %g", i, (double)v[i]);
    free(v);
}

static void read_buckets(const uint8_t *data, size_t size, size_t measurements)
{
    FILE *f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
    FUZZ_CHECK(f != NULL, "fmemopen failed");
    double b[64];
    for (size_t i = 0; i < measurements; i++)
        b[i] = NAN;
    char why[256] = "";
    int rc = qev_buckets_read_tsv(f, measurements, b, why, sizeof why);
    fclose(f);
    if (rc != QEV_OK) {
        FUZZ_CHECK(why[0] != '\0', "buckets refused without a reason");
        return;
    }
    for (size_t i = 0; i < measurements; i++)
        FUZZ_CHECK(!isnan(b[i]), "measurement %zu has no value", i);
}

/* As qrecon merge: sums, or buckets and the operator of their patterns. */
static void rebuild_from_partial(const uint8_t *data, size_t size)
{
    FILE *f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
    FUZZ_CHECK(f != NULL, "fmemopen failed");
    char why[256] = "";
    qev_partial *p = qev_partial_read(f, why, sizeof why);
    fclose(f);
    if (!p)
        return;
    /* Both rebuilders clear their output first and may have allocated part
     * of it when they refuse: it is freed either way. */
    if (strcmp(qev_partial_kind(p), QEV_PARTIAL_HERALDED) == 0) {
        qev_herald_sums s;
        if (qev_herald_from_partial(p, &s, why, sizeof why) != QEV_OK)
            FUZZ_CHECK(why[0] != '\0', "heralded sums refused without a reason");
        qev_herald_sums_free(&s);
    } else if (strcmp(qev_partial_kind(p), QEV_PARTIAL_COMPUTATIONAL) == 0) {
        qev_buckets b;
        qev_pattern_spec spec;
        if (qev_buckets_from_partial(p, &b, &spec, why, sizeof why) == QEV_OK) {
            qev_recon_op *op = NULL;
            if (spec.kind != QEV_PATTERNS_FILE &&
                qev_pattern_op(&spec, &op, why, sizeof why) == QEV_OK)
                qev_op_free(op);
        } else {
            FUZZ_CHECK(why[0] != '\0', "buckets refused without a reason");
        }
        qev_buckets_free(&b);
    }
    qev_partial_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd(data, size);
    if (fd < 0)
        return 0;
    char path[64];
    fuzz_fd_path(fd, path, sizeof path);
    read_patterns(path, 0, 0);
    if (size > 0)
        read_patterns(path, 1 + data[0] % 8, 1 + data[0] / 32);
    close(fd);
    read_buckets(data, size, 4);
    read_buckets(data, size, 64);
    rebuild_from_partial(data, size);
    return 0;
}
