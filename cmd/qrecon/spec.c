/* The patterns qrecon reconstructs with: from the options, else from the
 * stream's metadata (qsim spi writes it), and their operator. */
#include "qrecon.h"

#include "cli.h"
#include "recon_io.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void spec_kind(const struct qrecon_opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    const char *kind = o->patterns ? o->patterns : m ? qev_meta_get(m, "patterns") : NULL;
    if (!kind || strcmp(kind, "hadamard") == 0)
        s->kind = QEV_PATTERNS_HADAMARD;
    else if (strcmp(kind, "random") == 0)
        s->kind = QEV_PATTERNS_RANDOM;
    else if (o->patterns)
        s->kind = QEV_PATTERNS_FILE;
    else
        cli_die(NULL, "the stream's patterns=%s are not hadamard or random: give --patterns FILE",
                kind);
}

static void spec_order(const struct qrecon_opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    const char *name = m ? qev_meta_get(m, "pattern_order") : NULL;
    s->order = QEV_ORDER_NATURAL;
    if (o->has_order)
        s->order = o->order;
    else if (name && qev_order_parse(name, &s->order) != QEV_OK)
        cli_die(NULL, "the stream's pattern_order=%s is not an ordering qrecon knows", name);
}

static void spec_numbers(const struct qrecon_opts *o, const qev_meta *m, qev_pattern_spec *s)
{
    int64_t v;
    const char *fill = m ? qev_meta_get(m, "pattern_fill") : NULL;
    s->seed = o->seed;
    if (!o->has_seed && qrecon_meta_int(m, "pattern_seed", &v))
        s->seed = (uint64_t)v;
    s->fill = o->has_fill || !fill ? o->fill : strtod(fill, NULL);
    uint64_t npix = (uint64_t)s->width * s->height;
    if (o->has_count)
        s->count = o->count;
    else if (o->sampling > 0)
        s->count = qev_patterns_of_sampling(o->sampling, npix);
    else if (qrecon_meta_int(m, "pattern_count", &v) && v > 0)
        s->count = (uint64_t)v;
    else
        s->count = npix;
    s->split = s->kind == QEV_PATTERNS_HADAMARD && !o->no_split;
}

qev_pattern_spec qrecon_resolve_spec(struct qrecon_opts *o, const qev_meta *m, const char *what)
{
    qev_pattern_spec s = {0};
    spec_kind(o, m, &s);
    if (s.kind != QEV_PATTERNS_FILE)
        qrecon_image_size(o, m, what);
    s.width = o->width;
    s.height = o->height;
    spec_order(o, m, &s);
    spec_numbers(o, m, &s);
    return s;
}

qev_recon_op *qrecon_pattern_op(struct qrecon_opts *o, qev_pattern_spec *s)
{
    qev_recon_op *op = NULL;
    char why[256];
    if (s->kind != QEV_PATTERNS_FILE) {
        if (qev_pattern_op(s, &op, why, sizeof why) != QEV_OK)
            cli_die(NULL, "%s", why);
        return op;
    }
    size_t w = o->has_size ? o->width : 0, h = o->has_size ? o->height : 0, rows;
    float *v;
    if (qev_patterns_read(o->patterns, &w, &h, &v, &rows, (size_t)1 << 31, why, sizeof why))
        cli_die(o->patterns, "%s", why);
    if (s->width && (w != s->width || h != s->height))
        cli_die(o->patterns, "patterns of %zux%zu, but the image is %ux%u", w, h, s->width,
                s->height);
    s->width = (uint32_t)w;
    s->height = (uint32_t)h;
    s->count = rows;
    int rc = qev_op_dense(w, h, rows, v, &op);
    free(v);
    if (rc != QEV_OK)
        cli_die(o->patterns, "%s", rc == QEV_ENOMEM ? "out of memory" : "too many patterns");
    return op;
}

const char *qrecon_spec_text(const qev_pattern_spec *s, char *buf, size_t cap)
{
    if (s->kind == QEV_PATTERNS_HADAMARD)
        snprintf(buf, cap, "hadamard %s, %s", qev_order_name(s->order),
                 s->split ? "split (2k = P+, 2k+1 = P-)" : "signed");
    else if (s->kind == QEV_PATTERNS_RANDOM)
        snprintf(buf, cap, "random, fill %g, seed %" PRIu64, s->fill, s->seed);
    else
        snprintf(buf, cap, "from a file");
    return buf;
}
