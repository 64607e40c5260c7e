/* qssim: SSIM (named variants), MS-SSIM, PSNR, MSE and MAE of images. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "report.h"
#include "ssim.h"

static const char usage[] =
    "Usage: qssim [OPTION]... IMAGE REFERENCE\n"
    "  or:  qssim [OPTION]... --batch=FILE\n"
    "Score IMAGE against REFERENCE: SSIM (Wang et al. 2004 unless --variant says\n"
    "otherwise), PSNR, MSE and MAE. Images are PGM (8/16-bit), PFM, PNG (8/16-bit\n"
    "grey) or raw floats (--size). IMAGE or REFERENCE may be - for standard input.\n"
    "\n"
    "  -v, --variant=NAME   wang (default), matlab, skimage, ffmpeg or msssim\n"
    "  -r, --range=L        the data range L; required for 16-bit and float input,\n"
    "                       255 by default for 8-bit input\n"
    "      --size=WxH       the inputs are raw samples, W by H, row by row\n"
    "      --raw-type=T     raw sample type: f32 (default), f64, f32be, f64be\n"
    "      --luma           convert colour input to BT.601 luma,\n"
    "                       Y = 0.299 R + 0.587 G + 0.114 B, instead of refusing it\n"
    "  -m, --map=FILE       write the SSIM map: FILE.pfm (values), .pgm or .png\n"
    "                       (0..1 as 0..255, negative values as 0)\n"
    "  -b, --batch=FILE     score the pairs listed in FILE (- for standard input),\n"
    "                       one \"IMAGE REFERENCE\" a line\n"
    "      --min-ssim=X     exit 3 when an SSIM is below X\n"
    "      --min-psnr=Y     exit 3 when a PSNR is below Y dB\n"
    "  -j, --json           one JSON document\n"
    "  -t, --tsv            tab-separated values with a header line\n"
    "  -p, --prom           Prometheus text format (qpipe_ metrics)\n"
    "  -o, --output=FILE    write to FILE, renamed into place only on success\n"
    "  -h, --help           print this help and exit\n"
    "  -V, --version        print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error,\n"
    "3 a --min-ssim or --min-psnr check failed.\n";

enum form { FORM_TEXT, FORM_JSON, FORM_TSV, FORM_PROM };
enum { OPT_SIZE = CLI_OPT_FIRST_TOOL_OPTION, OPT_RAW_TYPE, OPT_LUMA, OPT_MIN_SSIM, OPT_MIN_PSNR };

struct opts {
    qev_ssim_opts ssim;
    int range_set;
    qev_image_read_opts read;
    enum form form;
    int form_set;
    const char *map, *batch, *output;
    double min_ssim, min_psnr;
    int gate_ssim, gate_psnr;
};

/* One scored pair, or the reason it could not be scored. */
struct row {
    char *image, *reference;
    size_t width, height;
    const char *kind;
    double range;
    qev_ssim_result r;
    int ok, gate_failed;
    const char *bad; /* the input the error is about */
    char error[400];
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static void set_form(struct opts *o, enum form f)
{
    if (o->form_set && o->form != f)
        cli_usage_error("choose one of --json, --tsv and --prom");
    o->form = f;
    o->form_set = 1;
}

static void parse_size(const char *arg, qev_image_read_opts *r)
{
    char buf[64];
    const char *x = strchr(arg, 'x');
    if (!x || strlen(arg) >= sizeof buf)
        cli_usage_error("--size: '%s' is not WxH", arg);
    memcpy(buf, arg, (size_t)(x - arg));
    buf[x - arg] = '\0';
    long w = cli_int("--size", buf, 1, (long)QEV_IMAGE_MAX_PIXELS);
    long h = cli_int("--size", x + 1, 1, (long)QEV_IMAGE_MAX_PIXELS);
    if ((size_t)w > QEV_IMAGE_MAX_PIXELS / (size_t)h)
        cli_usage_error("--size: %s is above %zu pixels", arg, QEV_IMAGE_MAX_PIXELS);
    r->format = QEV_IMAGE_RAW;
    r->raw_width = (size_t)w;
    r->raw_height = (size_t)h;
}

static void parse_option(int c, struct opts *o)
{
    switch (c) {
    case 'v':
        if (qev_ssim_variant_parse(optarg, &o->ssim.variant) != QEV_OK)
            cli_usage_error("--variant: '%s': wang, matlab, skimage, ffmpeg or msssim", optarg);
        break;
    case 'r':
        o->ssim.range = cli_real("--range", optarg, NULL, 0, 1e300);
        if (!(o->ssim.range > 0))
            cli_usage_error("--range must be positive");
        o->range_set = 1;
        break;
    case OPT_SIZE: parse_size(optarg, &o->read); break;
    case OPT_RAW_TYPE:
        if (qev_raw_type_parse(optarg, &o->read.raw_type) != QEV_OK)
            cli_usage_error("--raw-type: '%s': f32, f64, f32be or f64be", optarg);
        break;
    case OPT_LUMA: o->read.luma = 1; break;
    case 'm': o->map = optarg; break;
    case 'b': o->batch = optarg; break;
    case OPT_MIN_SSIM:
        o->min_ssim = cli_real("--min-ssim", optarg, NULL, -1, 1);
        o->gate_ssim = 1;
        break;
    case OPT_MIN_PSNR:
        o->min_psnr = cli_real("--min-psnr", optarg, NULL, -1e300, 1e300);
        o->gate_psnr = 1;
        break;
    case 'j': set_form(o, FORM_JSON); break;
    case 't': set_form(o, FORM_TSV); break;
    case 'p': set_form(o, FORM_PROM); break;
    case 'o': o->output = optarg; break;
    default: cli_common_option(c, usage);
    }
}

static enum qev_image_format map_format(const char *path)
{
    enum qev_image_format f = qev_image_format_for_path(path);
    if (f == QEV_IMAGE_AUTO)
        cli_usage_error("--map: '%s' should end in .pfm, .pgm or .png", path);
    return f;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"variant", required_argument, NULL, 'v'},
        {"range", required_argument, NULL, 'r'},
        {"size", required_argument, NULL, OPT_SIZE},
        {"raw-type", required_argument, NULL, OPT_RAW_TYPE},
        {"luma", no_argument, NULL, OPT_LUMA},
        {"map", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"min-ssim", required_argument, NULL, OPT_MIN_SSIM},
        {"min-psnr", required_argument, NULL, OPT_MIN_PSNR},
        {"json", no_argument, NULL, 'j'},
        {"tsv", no_argument, NULL, 't'},
        {"prom", no_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->ssim.variant = QEV_SSIM_WANG;
    o->read.raw_type = QEV_RAW_F32LE;
    int c;
    while ((c = getopt_long(argc, argv, "v:r:m:b:jtpo:hV", longopts, NULL)) != -1)
        parse_option(c, o);
    int operands = argc - optind;
    if (o->batch && operands != 0)
        cli_usage_error("--batch takes its pairs from FILE, not from operands");
    if (!o->batch && operands != 2)
        cli_usage_error("expected IMAGE and REFERENCE, got %d operand%s", operands,
                        operands == 1 ? "" : "s");
    if (o->map && o->batch)
        cli_usage_error("--map writes one map: it cannot be used with --batch");
    if (o->map && o->ssim.variant == QEV_SSIM_MS)
        cli_usage_error("--map: msssim has no single SSIM map");
    if (o->map)
        map_format(o->map);
    if (!o->batch && strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
        cli_usage_error("only one of IMAGE and REFERENCE can be standard input");
}

/* ---- scoring ---- */

static double data_range(const struct opts *o, const qev_image *a, const qev_image *b,
                         const char *path)
{
    if (o->range_set)
        return o->ssim.range;
    const qev_image *odd = a->bits == 8 && a->maxval == 255 ? b : a;
    if (odd->bits == 8 && odd->maxval == 255)
        return 255;
    if (odd->bits == 0)
        cli_usage_error("%s holds floating-point samples: give their data range with --range L "
                        "(1 for samples in 0..1); qssim does not guess it",
                        path);
    cli_usage_error("%s holds %s samples of full scale %u: give their data range with --range L "
                    "(%u for full-scale data); qssim does not guess it",
                    path, qev_image_kind(odd), odd->maxval, odd->maxval);
}

static int is_full_scale_integer(const qev_image *im, double L)
{
    return im->bits && (double)im->maxval == L && (im->maxval == 255 || im->maxval == 65535);
}

static void write_map(const struct opts *o, const qev_image *map)
{
    char why[400];
    enum qev_image_format f = map_format(o->map);
    qev_image_scale s = {0, 1};
    if (qev_image_save(o->map, map, f, 8, s, why, sizeof why) != QEV_OK)
        cli_die(o->map, "%s", why);
}

static void score(const struct opts *o, struct row *row)
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
    so.range = data_range(o, &a, &b, a.bits == 8 && a.maxval == 255 ? row->reference : row->image);
    so.ffmpeg_integer = is_full_scale_integer(&a, so.range) && is_full_scale_integer(&b, so.range);
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

static struct row *add_row(struct rows *rs, const char *image, const char *reference)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 16;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
    }
    if (!rs->v)
        cli_die(NULL, "out of memory");
    struct row *r = &rs->v[rs->n++];
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

static void read_batch(const char *path, struct rows *rs)
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
        add_row(rs, image, reference);
    }
    if (ferror(f))
        cli_die(path, "read error: %s", strerror(errno));
    free(line);
    if (!std)
        fclose(f);
    if (rs->n == 0)
        cli_die(path, "no pairs to score");
}

/* ---- output ---- */

static void fmt_psnr(char *buf, size_t n, double v, const char *inf, const char *fmt)
{
    if (isinf(v) && v > 0)
        snprintf(buf, n, "%s", inf);
    else
        snprintf(buf, n, fmt, v);
}

static void text_widths(const struct rows *rs, int *wi, int *wr)
{
    *wi = 5;
    *wr = 9;
    for (size_t i = 0; i < rs->n; i++) {
        int a = (int)strlen(rs->v[i].image), b = (int)strlen(rs->v[i].reference);
        *wi = a > *wi ? a : *wi;
        *wr = b > *wr ? b : *wr;
    }
}

static void print_text(FILE *f, const struct opts *o, const struct rows *rs)
{
    int wi, wr, gates = o->gate_ssim || o->gate_psnr;
    text_widths(rs, &wi, &wr);
    fprintf(f, "variant  %s: %s\n\n", qev_ssim_variant_name(o->ssim.variant),
            qev_ssim_variant_definition(o->ssim.variant));
    fprintf(f, "%-*s  %-*s  %9s  %9s  %12s  %12s  %8s%s\n", wi, "image", wr, "reference", "ssim",
            "psnr_db", "mse", "mae", "range", gates ? "  check" : "");
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];
        if (!r->ok)
            continue;
        fprintf(f, "%-*s  %-*s  ", wi, r->image, wr, r->reference);
        char psnr[32];
        fmt_psnr(psnr, sizeof psnr, r->r.psnr, "inf", "%.4f");
        fprintf(f, "%9.6f  %9s  %12.6g  %12.6g  %8g%s\n", r->r.ssim, psnr, r->r.mse, r->r.mae,
                r->range, !gates ? "" : r->gate_failed ? "  FAIL" : "  pass");
    }
}

static void print_tsv(FILE *f, const struct opts *o, const struct rows *rs)
{
    int gates = o->gate_ssim || o->gate_psnr;
    fprintf(f, "image\treference\tvariant\tssim\tpsnr_db\tmse\tmae\trange%s\n",
            gates ? "\tcheck" : "");
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];
        if (!r->ok)
            continue;
        char psnr[32];
        fmt_psnr(psnr, sizeof psnr, r->r.psnr, "inf", "%.17g");
        fprintf(f, "%s\t%s\t%s\t%.17g\t%s\t%.17g\t%.17g\t%.17g%s\n", r->image, r->reference,
                qev_ssim_variant_name(o->ssim.variant), r->r.ssim, psnr, r->r.mse, r->r.mae,
                r->range, !gates ? "" : r->gate_failed ? "\tfail" : "\tpass");
    }
}

static void json_field(FILE *f, const char *key, double v)
{
    fprintf(f, ", \"%s\": ", key);
    report_json_number(f, v);
}

static void json_scales(FILE *f, const qev_ssim_result *r)
{
    fputs(", \"scales\": [", f);
    for (int l = 0; l < QEV_SSIM_SCALES; l++) {
        fprintf(f, "%s{\"ssim\": ", l ? ", " : "");
        report_json_number(f, r->scale_ssim[l]);
        fputs(", \"cs\": ", f);
        report_json_number(f, r->scale_cs[l]);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_row(FILE *f, const struct opts *o, const struct row *r)
{
    fputs("{\"image\": ", f);
    report_json_string(f, r->image);
    fputs(", \"reference\": ", f);
    report_json_string(f, r->reference);
    fprintf(f, ", \"width\": %zu, \"height\": %zu, \"kind\": \"%s\"", r->width, r->height, r->kind);
    json_field(f, "range", r->range);
    json_field(f, "ssim", r->r.ssim);
    if (isinf(r->r.psnr) && r->r.psnr > 0)
        fputs(", \"psnr_db\": \"inf\"", f);
    else
        json_field(f, "psnr_db", r->r.psnr);
    json_field(f, "mse", r->r.mse);
    json_field(f, "mae", r->r.mae);
    if (o->ssim.variant == QEV_SSIM_MATLAB)
        fprintf(f, ", \"downsample\": %d", r->r.downsample);
    if (o->ssim.variant == QEV_SSIM_MS)
        json_scales(f, &r->r);
    if (o->gate_ssim || o->gate_psnr)
        fprintf(f, ", \"check\": \"%s\"", r->gate_failed ? "fail" : "pass");
    fputc('}', f);
}

static void print_json(FILE *f, const struct opts *o, const struct rows *rs)
{
    fputs("{\"variant\": ", f);
    report_json_string(f, qev_ssim_variant_name(o->ssim.variant));
    fputs(", \"definition\": ", f);
    report_json_string(f, qev_ssim_variant_definition(o->ssim.variant));
    fprintf(f, ", \"k1\": %g, \"k2\": %g", QEV_SSIM_K1, QEV_SSIM_K2);
    if (o->gate_ssim)
        json_field(f, "min_ssim", o->min_ssim);
    if (o->gate_psnr)
        json_field(f, "min_psnr_db", o->min_psnr);
    fputs(",\n \"results\": [", f);
    for (size_t i = 0, shown = 0; i < rs->n; i++) {
        if (!rs->v[i].ok)
            continue;
        fputs(shown++ ? ",\n  " : "\n  ", f);
        json_row(f, o, &rs->v[i]);
    }
    fputs("\n ]}\n", f);
}

static void prom_labels(FILE *f, const struct opts *o, const struct row *r)
{
    fputs("{image=\"", f);
    report_prom_label(f, r->image);
    fputs("\",reference=\"", f);
    report_prom_label(f, r->reference);
    fprintf(f, "\",variant=\"%s\"}", qev_ssim_variant_name(o->ssim.variant));
}

static void prom_metric(FILE *f, const struct opts *o, const struct rows *rs, const char *name,
                        const char *help, int which)
{
    report_prom_family(f, name, "gauge", help);
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];
        if (!r->ok)
            continue;
        double v = which == 0 ? r->r.ssim : which == 1 ? r->r.psnr : which == 2 ? r->r.mse : r->r.mae;
        fputs(name, f);
        prom_labels(f, o, r);
        fputc(' ', f);
        report_prom_number(f, v);
    }
}

static void print_prom(FILE *f, const struct opts *o, const struct rows *rs)
{
    prom_metric(f, o, rs, "qpipe_ssim", "SSIM of an image against its reference (label variant).", 0);
    prom_metric(f, o, rs, "qpipe_psnr_decibels", "PSNR of an image against its reference.", 1);
    prom_metric(f, o, rs, "qpipe_mse", "Mean squared difference, in squared sample units.", 2);
    prom_metric(f, o, rs, "qpipe_mae", "Mean absolute difference, in sample units.", 3);
}

/* Reports the pairs that could not be scored and applies the gates; returns
 * the exit status the results call for. */
static int judge(const struct opts *o, struct rows *rs, size_t *scored)
{
    int errors = 0, failed = 0;
    for (size_t i = 0; i < rs->n; i++) {
        struct row *r = &rs->v[i];
        if (!r->ok) {
            cli_warn(r->bad, "%s", r->error);
            errors = 1;
            continue;
        }
        if (o->gate_ssim && !(r->r.ssim >= o->min_ssim)) {
            cli_warn(r->image, "SSIM %.6f is below --min-ssim %g", r->r.ssim, o->min_ssim);
            r->gate_failed = 1;
        }
        if (o->gate_psnr && !(r->r.psnr >= o->min_psnr)) {
            cli_warn(r->image, "PSNR %.4f dB is below --min-psnr %g", r->r.psnr, o->min_psnr);
            r->gate_failed = 1;
        }
        failed |= r->gate_failed;
        ++*scored;
    }
    return errors ? CLI_DATA : failed ? CLI_CHECK : CLI_OK;
}

int main(int argc, char **argv)
{
    struct opts o;
    cli_init("qssim", argc, argv);
    parse_args(argc, argv, &o);
    struct rows rs = {0};
    if (o.batch)
        read_batch(o.batch, &rs);
    else
        add_row(&rs, argv[optind], argv[optind + 1]);
    for (size_t i = 0; i < rs.n; i++)
        score(&o, &rs.v[i]);
    size_t scored = 0;
    int status = judge(&o, &rs, &scored);
    if (scored == 0)
        cli_exit(status);
    FILE *out = cli_output_stream(o.output, 0);
    if (o.form == FORM_JSON)
        print_json(out, &o, &rs);
    else if (o.form == FORM_TSV)
        print_tsv(out, &o, &rs);
    else if (o.form == FORM_PROM)
        print_prom(out, &o, &rs);
    else
        print_text(out, &o, &rs);
    cli_exit(status);
}
