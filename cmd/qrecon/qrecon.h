/* qrecon: what its files share. */
#ifndef QRECON_H
#define QRECON_H

#include <stdint.h>

#include "partial.h"
#include "patterns.h"
#include "qev.h"
#include "recon.h"
#include "recon_data.h"
#include "report.h"

/* Images larger than this are refused, whatever a header or an option says. */
#define QRECON_MAX_PIXELS (1ul << 24)

enum qrecon_sub { SUB_HERALDED, SUB_COMPUTATIONAL, SUB_PATTERNS, SUB_MERGE, SUB_COUNT };

struct qrecon_opts {
    enum qrecon_sub sub;
    const char *accidentals, *singles, *flat, *buckets, *patterns, *output, *report, *prom, *format;
    long herald;
    double deconvolve, fill, sampling, tolerance, lambda, scale_lo, scale_hi;
    uint32_t width, height;
    enum qev_order order;
    uint64_t seed, count;
    long marker_channel, bucket_channel;
    unsigned iterations;
    enum qev_recon_algo algo;
    enum qev_recon_basis basis;
    int has_algo, has_size, has_order, has_seed, has_fill, has_count, no_split, has_scale;
    int partial, quiet;
    double started; /* monotonic seconds at the start of the run */
};

extern const char qrecon_usage[];
/* What qrecon SUBCOMMAND --help prints: that subcommand's usage only. */
const char *qrecon_subcommand_usage(enum qrecon_sub sub);
extern const char *const qrecon_subcommands[SUB_COUNT];
/* The run's report; its command is the subcommand that made the image. */
extern struct report qrecon_report;

void qrecon_parse_args(int argc, char **argv, struct qrecon_opts *o);

/* ---- metadata ---- */
/* 1 and *v when m holds key as an integer, 0 when it does not hold it. */
int qrecon_meta_int(const qev_meta *m, const char *key, int64_t *v);
/* The span a shard owns (qcat --shard), or all time. */
void qrecon_owned_interval(const qev_meta *m, int64_t *from, int64_t *to);
/* The image size from --size, else from the stream's metadata. */
void qrecon_image_size(struct qrecon_opts *o, const qev_meta *m, const char *what);

/* ---- output ---- */
/* Writes the image of w x h values; states the scaling of viewable formats
 * on stderr and in the file. */
void qrecon_write_image(const struct qrecon_opts *o, uint32_t w, uint32_t h, const double *px,
                        const char *what);
void qrecon_write_partial(const struct qrecon_opts *o, qev_partial *p);
/* The report of command: --report, --prom, and stderr unless -q. */
void qrecon_print_report(const struct qrecon_opts *o, const char *command);

/* ---- the patterns (spec.c) ---- */
/* The patterns from the options, else the stream's metadata (m may be NULL). */
qev_pattern_spec qrecon_resolve_spec(struct qrecon_opts *o, const qev_meta *m, const char *what);
/* The operator; for a file, its frames fix the measurements (and the size). */
qev_recon_op *qrecon_pattern_op(struct qrecon_opts *o, qev_pattern_spec *s);
const char *qrecon_spec_text(const qev_pattern_spec *s, char *buf, size_t cap);

/* ---- the subcommands ---- */
void qrecon_heralded(struct qrecon_opts *o, const char *path);
void qrecon_heralded_image(const struct qrecon_opts *o, const qev_herald_sums *s);
void qrecon_computational(struct qrecon_opts *o, const char *path);
/* From the sums to the image: shared by a run and by merge. */
void qrecon_computational_image(struct qrecon_opts *o, qev_pattern_spec *s, const qev_buckets *b);
void qrecon_patterns(struct qrecon_opts *o);
void qrecon_merge(struct qrecon_opts *o, char **paths, int n);

#endif
