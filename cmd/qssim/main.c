/* qssim: SSIM (named variants), MS-SSIM, PSNR, MSE and MAE of images. This
 * file scores the pairs and judges them against the --min gates. */
#include "qssim.h"

#include "cli.h"

#include <getopt.h>

const char qssim_usage[] =
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

/* Reports the pairs that could not be scored and applies the gates; returns
 * the exit status the results call for. */
static int judge(const struct qssim_opts *o, struct qssim_rows *rs, size_t *scored)
{
    int errors = 0, failed = 0;
    for (size_t i = 0; i < rs->n; i++) {
        struct qssim_row *r = &rs->v[i];
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
    struct qssim_opts o;
    cli_init("qssim", argc, argv);
    qssim_parse_args(argc, argv, &o);
    struct qssim_rows rs = {0};
    if (o.batch)
        qssim_read_batch(o.batch, &rs);
    else
        qssim_add_row(&rs, argv[optind], argv[optind + 1]);
    for (size_t i = 0; i < rs.n; i++)
        qssim_score(&o, &rs.v[i]);
    size_t scored = 0;
    int status = judge(&o, &rs, &scored);
    if (scored == 0)
        cli_exit(status);
    qssim_print(cli_output_stream(o.output, 0), &o, &rs);
    cli_exit(status);
}
