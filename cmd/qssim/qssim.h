/* qssim: what its files share. */
#ifndef QSSIM_H
#define QSSIM_H

#include <stdio.h>

#include "image.h"
#include "ssim.h"

enum qssim_form { FORM_TEXT, FORM_JSON, FORM_TSV, FORM_PROM };

struct qssim_opts {
    qev_ssim_opts ssim;
    int range_set;
    qev_image_read_opts read;
    enum qssim_form form;
    int form_set;
    const char *map, *batch, *output;
    double min_ssim, min_psnr;
    int gate_ssim, gate_psnr;
};

/* One scored pair, or the reason it could not be scored. */
struct qssim_row {
    char *image, *reference;
    size_t width, height;
    const char *kind;
    double range;
    qev_ssim_result r;
    int ok, gate_failed;
    const char *bad; /* the input the error is about */
    char error[400];
};

struct qssim_rows {
    struct qssim_row *v;
    size_t n, cap;
};

extern const char qssim_usage[];
/* The options; operands are left at argv + optind. */
void qssim_parse_args(int argc, char **argv, struct qssim_opts *o);
/* The format a --map file's name asks for; a usage error for any other name. */
enum qev_image_format qssim_map_format(const char *path);

struct qssim_row *qssim_add_row(struct qssim_rows *rs, const char *image, const char *reference);
/* The pairs of a --batch file, "-" for standard input. */
void qssim_read_batch(const char *path, struct qssim_rows *rs);
/* Scores one pair, and writes --map; a failure is kept in the row. */
void qssim_score(const struct qssim_opts *o, struct qssim_row *row);

/* The scored rows, in the form asked for. */
void qssim_print(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs);

#endif
