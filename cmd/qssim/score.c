/* qssim's inputs: the pairs to score, from the operands or a --batch file,
 * and their scores. */
#include "qssim.h"

#include "cli.h"
#include "cli_image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The data range: --range, or the one the inputs imply. */
static double data_range(const struct qssim_opts *o, const qev_image *a, const qev_image *b,
                         const struct qssim_row *row)
{
    double L;
    const qev_image *open;
    if (o->range_set)
        return o->ssim.range;
    if (qev_ssim_implied_range(a, b, &L, &open) == QEV_OK)
        return L;
    const char *path = open == a ? row->image : row->reference;
    if (open->bits == 0)
        cli_usage_error("%s holds floating-point samples: give their data range with --range L "
                        "(1 for samples in 0..1); qssim does not guess it",
                        path);
    cli_usage_error("%s holds %s samples of full scale %u: give their data range with --range L "
                    "(%u for full-scale data); qssim does not guess it",
                    path, qev_image_kind(open), open->maxval, open->maxval);
}

static void write_map(const struct qssim_opts *o, const qev_image *map)
{
    qev_image_scale s = {0, 1};
    cli_image_save(o->map, map, qssim_map_format(o->map), 8, s);
}

void qssim_score(const struct qssim_opts *o, struct qssim_row *row)
{
    qev_image a, b, map;
    if (qev_image_read(row->image, &o->read, &a, row->error, sizeof row->error) != QEV_OK) {
        row->bad = row->image;
        return;
    }
    if (qev_image_read(row->reference, &o->read, &b, row->error, sizeof row->error) != QEV_OK) {
        row->bad = row->reference;
        qev_image_free(&a);
        return;
    }
    qev_ssim_opts so = o->ssim;
    so.range = data_range(o, &a, &b, row);
    so.ffmpeg_integer = qev_ssim_integer_inputs(&a, &b, so.range);
    row->width = a.width;
    row->height = a.height;
    row->kind = qev_image_kind(&a);
    row->range = so.range;
    if (qev_ssim_compare(&a, &b, &so, &row->r, o->map ? &map : NULL, row->error,
                         sizeof row->error) != QEV_OK) {
        row->bad = row->image;
    } else {
        row->ok = 1;
        if (o->map) {
            write_map(o, &map);
            qev_image_free(&map);
        }
    }
    qev_image_free(&a);
    qev_image_free(&b);
}

struct qssim_row *qssim_add_row(struct qssim_rows *rs, const char *image, const char *reference)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 16;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
    }
    if (!rs->v)
        cli_die(NULL, "out of memory");
    struct qssim_row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->image = strdup(image);
    r->reference = strdup(reference);
    if (!r->image || !r->reference)
        cli_die(NULL, "out of memory");
    return r;
}

/* A batch line: "IMAGE<tab>REFERENCE", or two fields separated by blanks. */
static int split_pair(char *line, char **image, char **reference)
{
    char *tab = strchr(line, '\t');
    if (tab) {
        *tab = '\0';
        *image = line;
        *reference = tab + 1;
        return **image && **reference && !strchr(*reference, '\t');
    }
    char *save = NULL;
    *image = strtok_r(line, " ", &save);
    *reference = *image ? strtok_r(NULL, " ", &save) : NULL;
    return *reference && !strtok_r(NULL, " ", &save);
}

void qssim_read_batch(const char *path, struct qssim_rows *rs)
{
    int std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "r");
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    char *line = NULL, *image, *reference;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        size_t lead = strspn(line, " ");
        if (line[lead] == '\0' || line[lead] == '#')
            continue;
        char ctx[64];
        snprintf(ctx, sizeof ctx, "line %zu", lineno);
        if (!split_pair(line + lead, &image, &reference))
            cli_die(path, "%s: expected two paths, IMAGE and REFERENCE", ctx);
        qssim_add_row(rs, image, reference);
    }
    if (ferror(f))
        cli_die(path, "read error: %s", strerror(errno));
    free(line);
    if (!std)
        fclose(f);
    if (rs->n == 0)
        cli_die(path, "no pairs to score");
}
