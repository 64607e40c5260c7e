/* qssim's options. */
#include "qssim.h"

#include "cli.h"

#include <getopt.h>
#include <string.h>

enum { OPT_SIZE = CLI_OPT_FIRST_TOOL_OPTION, OPT_RAW_TYPE, OPT_LUMA, OPT_MIN_SSIM, OPT_MIN_PSNR };

static void set_form(struct qssim_opts *o, enum qssim_form f)
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

static void parse_option(int c, struct qssim_opts *o)
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
    default: cli_common_option(c, qssim_usage);
    }
}

enum qev_image_format qssim_map_format(const char *path)
{
    enum qev_image_format f = qev_image_format_for_path(path);
    if (f == QEV_IMAGE_AUTO)
        cli_usage_error("--map: '%s' should end in .pfm, .pgm or .png", path);
    return f;
}

void qssim_parse_args(int argc, char **argv, struct qssim_opts *o)
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
        qssim_map_format(o->map);
    if (!o->batch && strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
        cli_usage_error("only one of IMAGE and REFERENCE can be standard input");
}
