/* qrecon heralded: coincidence groups per pixel, less their accidentals,
 * divided by the flat field, optionally deconvolved. */
#include "qrecon.h"

#include "calib.h"
#include "cli.h"
#include "herald_image.h"
#include "recon_herald.h"
#include "recon_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static qev_reader *open_groups(const char *path, uint8_t need)
{
    qev_reader *r = cli_reader(path);
    uint8_t fields = 0;
    qev_meta_fields(qev_reader_meta(r), &fields);
    if ((fields & need) != need)
        cli_die(qev_reader_name(r), "%s: run qcorr coinc on the camera stream first",
                need & QEV_F_GROUP ? "no coincidence groups with pixels"
                                   : "no pixel photons");
    return r;
}

static void tally_stream(qev_reader *r, qev_tally *t, int singles, uint16_t herald)
{
    const qev_event *ev;
    long n;
    char why[256];
    while ((n = qev_read(r, &ev)) >= 0) {
        int rc = singles ? qev_tally_singles(t, ev, (size_t)n, herald, why, sizeof why)
                         : qev_tally_groups(t, ev, (size_t)n, why, sizeof why);
        if (rc != QEV_OK)
            cli_die(qev_reader_name(r), "%s", why);
        cli_progress(qev_reader_count(r, QEV_READ_BYTES), qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
}

static void new_tally(qev_tally *t, const struct qrecon_opts *o, const qev_meta *m)
{
    int64_t from, to;
    qrecon_owned_interval(m, &from, &to);
    if (qev_tally_init(t, o->width, o->height, from, to) != QEV_OK)
        cli_die(NULL, "out of memory");
}

/* The channel whose channel_role.N is role, or -1. */
static long role_channel(const qev_meta *m, const char *role)
{
    for (size_t i = 0; m && i < qev_meta_count(m); i++) {
        const char *k = qev_meta_key(m, i);
        if (strncmp(k, "channel_role.", 13) == 0 && strcmp(qev_meta_value(m, i), role) == 0)
            return atol(k + 13);
    }
    return -1;
}

static uint16_t herald_channel(const struct qrecon_opts *o, const qev_meta *m)
{
    if (o->herald >= 0)
        return (uint16_t)o->herald;
    long ch = role_channel(m, "bucket");
    return ch >= 0 && ch <= 65535 ? (uint16_t)ch : 1;
}

static void read_delayed(const struct qrecon_opts *o, qev_herald_sums *s, int64_t window)
{
    qev_reader *r = open_groups(o->accidentals, QEV_F_GROUP | QEV_F_PIXEL);
    const qev_meta *m = qev_reader_meta(r);
    int64_t w;
    if (!qrecon_meta_int(m, "coincidence_window_ps", &w) || w != window)
        cli_die(o->accidentals, "its coincidence window differs from the stream's (%" PRId64
                                " ps)", window);
    new_tally(&s->delayed, o, m);
    tally_stream(r, &s->delayed, 0, 0);
    cli_reader_close(r);
}

static void read_singles(const struct qrecon_opts *o, qev_herald_sums *s)
{
    qev_reader *r = cli_reader(o->singles);
    const qev_meta *m = qev_reader_meta(r);
    new_tally(&s->singles, o, m);
    tally_stream(r, &s->singles, 1, herald_channel(o, m));
    cli_reader_close(r);
}

static void gather_heralded(struct qrecon_opts *o, const char *path, qev_herald_sums *s)
{
    qev_reader *r = open_groups(path, QEV_F_GROUP | QEV_F_PIXEL);
    const qev_meta *m = qev_reader_meta(r);
    qrecon_image_size(o, m, qev_reader_name(r));
    memset(s, 0, sizeof *s);
    s->width = o->width;
    s->height = o->height;
    s->camera_channel = role_channel(m, "spad_array");
    new_tally(&s->coinc, o, m);
    if (!qrecon_meta_int(m, "resolution_ps", &s->quantum_ps))
        s->quantum_ps = 1;
    int have_window = qrecon_meta_int(m, "coincidence_window_ps", &s->window_ps);
    if ((o->accidentals || o->singles) && !have_window)
        cli_die(qev_reader_name(r), "the stream does not say its coincidence window");
    tally_stream(r, &s->coinc, 0, 0);
    cli_reader_close(r);
    s->acc = o->accidentals ? QEV_ACC_DELAYED : o->singles ? QEV_ACC_SINGLES : QEV_ACC_NONE;
    if (o->accidentals)
        read_delayed(o, s, s->window_ps);
    if (o->singles)
        read_singles(o, s);
}

static int is_calibration(const char *path)
{
    char head[32] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    int yes = fgets(head, sizeof head, f) &&
              strncmp(head, QEV_CALIB_MAGIC, strlen(QEV_CALIB_MAGIC)) == 0;
    fclose(f);
    return yes;
}

/* The flat field from a calibration file (qcal flat): its only flat section,
 * or the one of the camera's channel when it holds several. */
static void flat_from_calibration(const struct qrecon_opts *o, const qev_herald_sums *s,
                                  double *flat)
{
    qev_calib *c = qev_calib_new();
    FILE *f = fopen(o->flat, "r");
    char why[256];
    if (!c || !f)
        cli_die(o->flat, "cannot open: %s", c ? strerror(errno) : "out of memory");
    if (qev_calib_read(c, f, o->flat) != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
    fclose(f);
    int rc = qev_flat_from_calib(c, -1, s->width, s->height, flat, why, sizeof why);
    if (rc != QEV_OK && s->camera_channel >= 0 && strstr(why, "several"))
        rc = qev_flat_from_calib(c, s->camera_channel, s->width, s->height, flat, why,
                                 sizeof why);
    if (rc != QEV_OK)
        cli_die(o->flat, "%s", why);
    qev_calib_free(c);
}

static double *load_flat(const struct qrecon_opts *o, const qev_herald_sums *s)
{
    if (!o->flat)
        return NULL;
    if (is_calibration(o->flat)) {
        double *flat = malloc((size_t)s->width * s->height * sizeof *flat);
        if (!flat)
            cli_die(NULL, "out of memory");
        flat_from_calibration(o, s, flat);
        return flat;
    }
    qev_image im;
    char why[256];
    if (qev_image_read(o->flat, NULL, &im, why, sizeof why) != QEV_OK)
        cli_die(o->flat, "%s", why);
    if (im.width != s->width || im.height != s->height)
        cli_die(o->flat, "the flat field is %zux%zu, the image %ux%u", im.width, im.height,
                s->width, s->height);
    return im.px;
}

static void report_heralded(const qev_herald_sums *s, const qev_herald_image *im)
{
    static const char *const methods[] = {"none", "delayed window", "singles rates"};
    struct report *r = &qrecon_report;
    report_add(r, "image", 1, "%ux%u", s->width, s->height);
    report_add(r, "groups", 0, "%" PRIu64, s->coinc.groups);
    report_add(r, "photons_used", 0, "%" PRIu64, s->coinc.photons);
    report_add(r, "accidentals_method", 1, "%s", methods[s->acc]);
    report_add_number(r, "accidentals_subtracted", im->accidentals);
    if (s->acc == QEV_ACC_SINGLES)
        report_add(r, "heralds", 0, "%" PRIu64, s->singles.heralds);
    report_add_number(r, "net_counts", im->net_counts);
    report_add(r, "masked_pixels", 0, "%zu", im->masked);
    report_add_number(r, "snr_total", im->snr_total);
    report_add_number(r, "snr_pixel", im->snr_pixel);
}

/* Richardson-Lucy in place of the net image; says so in what. */
static void deconvolve(const struct qrecon_opts *o, const qev_herald_sums *s,
                       qev_herald_image *im, const double *flat, char *what, size_t cap)
{
    qev_rl_result res;
    char why[256];
    unsigned its = o->iterations ? o->iterations : QEV_RL_ITERATIONS;
    double tol = o->tolerance > 0 ? o->tolerance : QEV_RL_TOLERANCE;
    if (qev_richardson_lucy(s->width, s->height, s->coinc.count, im->acc, flat, o->deconvolve,
                            its, tol, im->net, &res, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    struct report *r = &qrecon_report;
    report_add_number(r, "deconvolve_sigma_px", o->deconvolve);
    report_add(r, "iterations", 0, "%u", res.iterations);
    report_add(r, "converged", 0, "%s", res.converged ? "true" : "false");
    snprintf(what, cap, "coincidences per pixel, Richardson-Lucy estimate "
                        "(Gaussian PSF of sd %g pixels)", o->deconvolve);
}

void qrecon_heralded_image(const struct qrecon_opts *o, const qev_herald_sums *s)
{
    static const char *const acc_text[] = {"", ", accidentals of a delayed window subtracted",
                                           ", accidentals from the singles subtracted"};
    qev_herald_image im;
    char why[256], what[200];
    int rc = qev_herald_image_init(&im, s, why, sizeof why);
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_die(NULL, "--singles: %s", why);
    double *flat = load_flat(o, s);
    qev_herald_image_net(&im, s, flat);
    report_heralded(s, &im);
    snprintf(what, sizeof what, "coincidences per pixel%s%s", acc_text[s->acc],
             flat ? ", divided by the flat field" : "");
    if (o->deconvolve > 0)
        deconvolve(o, s, &im, flat, what, sizeof what);
    qrecon_write_image(o, s->width, s->height, im.net, what);
    qrecon_print_report(o, "heralded");
    qev_herald_image_free(&im);
    free(flat);
}

void qrecon_heralded(struct qrecon_opts *o, const char *path)
{
    qev_herald_sums s;
    gather_heralded(o, path, &s);
    if (o->partial)
        qrecon_write_partial(o, qev_herald_partial(&s));
    else
        qrecon_heralded_image(o, &s);
    qev_herald_sums_free(&s);
}
