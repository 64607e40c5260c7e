/* qcal drift: clock offset and drift of a channel against the reference,
 * window by window (qcal_drift.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "qcal.h"
#include "report.h"
#include "qcal_drift.h"
#include "qcal_peak.h"

static const char help[] =
    "qcal drift: clock offset and drift of a channel (or of its tagger) against\n"
    "the reference, tracked window by window; piecewise linear for long runs.\n"
    "  -r, --ref=CH, -c, --channel=CH  the two channels\n"
    "  -e, --every=T          window length (default 10ms)\n"
    "      --range, --coarse-bin, --sigmas, --min-snr  as for delays, per window\n"
    "      --knots=N          knots of the fit (default: as many as the residuals\n"
    "                         need, up to --max-knots, default 65)\n"
    "      --residuals=FILE   write each window's delay, fit and residual as TSV\n"
    "\n";

static void residuals(const struct opts *o, const qcal_drift_point *p, size_t n,
                      const qcal_spline *fit)
{
    FILE *f = fopen(o->residuals, "w");
    if (!f)
        cli_die(o->residuals, "cannot open: %s", strerror(errno));
    fputs("start_ps\tend_ps\ttime_ps\tdelay_ps\tsigma_ps\tsnr\tused\tfit_ps\tresidual_ps\n", f);
    for (size_t i = 0; i < n; i++) {
        double y = qcal_spline_eval(fit, p[i].time);
        fprintf(f, "%" PRId64 "\t%" PRId64 "\t%.1f\t%.4f\t%.4f\t%.3g\t%d\t%.4f\t%.4f\n",
                p[i].start, p[i].end, p[i].time, p[i].delay, p[i].sigma, p[i].snr, p[i].used,
                y, p[i].used ? p[i].delay - y : NAN);
    }
    if (fclose(f) != 0)
        cli_die(o->residuals, "write error: %s", strerror(errno));
}

static void calibration(const struct opts *o, const qcal_drift_point *p, size_t n,
                        const qcal_spline *fit, const char *source)
{
    qev_calib *c = new_calibration();
    char section[32], comment[400];
    unsigned ch = (unsigned)o->channel;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += p[i].used;
    qcal_line l = qcal_drift_line(p, n);
    snprintf(section, sizeof section, "clock.%u", ch);
    snprintf(comment, sizeof comment,
             "qcal drift: delay tau(t) = t_%u - t_%d against reference time t, from the "
             "coincidence peak in windows of %.6g s; offset + drift t is the straight line, "
             "the knots a continuous piecewise-linear fit; apply maps t' = (t - offset)/(1 + "
             "drift), or through the knots",
             ch, o->ref, (double)o->every * 1e-12);
    section_start(c, section, comment, source);
    setn(c, o->ref, NAN, "", "clock.%u.reference", ch);
    setn(c, l.offset, l.sigma_offset, "ps", "clock.%u.offset", ch);
    setn(c, l.drift, l.sigma_drift, "ppm", "clock.%u.drift", ch);
    setn(c, (double)fit->k, NAN, "", "clock.%u.knots", ch);
    for (size_t j = 0; j < fit->k; j++) {
        setn(c, round(fit->knot[j]), NAN, "ps", "clock.%u.knot.%zu.time", ch, j);
        setn(c, fit->beta[j], qcal_spline_sigma(fit, fit->knot[j]), "ps",
             "clock.%u.knot.%zu.delay", ch, j);
    }
    setn(c, (double)used, NAN, "", "clock.%u.windows", ch);
    setn(c, (double)(n - used), NAN, "", "clock.%u.windows_without_peak", ch);
    setn(c, qcal_drift_residual_rms(p, n, fit), NAN, "ps", "clock.%u.residual_rms", ch);
    setn(c, fit->ndf ? fit->chi2 / (double)fit->ndf : NAN, NAN, "", "clock.%u.chi2_ndf", ch);
    write_calibration(o, c);
    qev_calib_free(c);
}

static void json(const struct opts *o, const qcal_drift_point *p, size_t n,
                 const qcal_spline *fit)
{
    struct report_json j;
    qcal_line l = qcal_drift_line(p, n);
    report_json_begin(&j, cli_output_stream(o->output, 0), 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "reference", "%d", o->ref);
    report_json_put(&j, "channel", "%d", o->channel);
    report_json_put_number(&j, "offset_ps", l.offset);
    report_json_put_number(&j, "sigma_offset_ps", l.sigma_offset);
    report_json_put_number(&j, "drift_ppm", l.drift);
    report_json_put_number(&j, "sigma_drift_ppm", l.sigma_drift);
    report_json_put_number(&j, "residual_rms_ps", qcal_drift_residual_rms(p, n, fit));
    report_json_put_number(&j, "chi2", fit->chi2);
    report_json_put(&j, "ndf", "%zu", fit->ndf);
    report_json_array(&j, "knots");
    for (size_t k = 0; k < fit->k; k++) {
        report_json_object(&j, NULL);
        report_json_put(&j, "time_ps", "%.0f", fit->knot[k]);
        report_json_put_number(&j, "delay_ps", fit->beta[k]);
        report_json_put_number(&j, "sigma_ps", qcal_spline_sigma(fit, fit->knot[k]));
        report_json_end(&j);
    }
    report_json_end(&j);
    report_json_array(&j, "windows");
    for (size_t i = 0; i < n; i++) {
        report_json_object(&j, NULL);
        report_json_put(&j, "start_ps", "%" PRId64, p[i].start);
        report_json_put(&j, "end_ps", "%" PRId64, p[i].end);
        report_json_put(&j, "used", "%s", p[i].used ? "true" : "false");
        report_json_put_number(&j, "delay_ps", p[i].used ? p[i].delay : NAN);
        report_json_put_number(&j, "sigma_ps", p[i].used ? p[i].sigma : NAN);
        report_json_put_number(&j, "snr", p[i].snr);
        report_json_end(&j);
    }
    report_json_end(&j);
    report_json_end(&j);
}

static qcal_drift *track(const struct opts *o, qev_reader *r)
{
    qcal_drift_opts d = {(uint16_t)o->ref, (uint16_t)o->channel, o->every, o->range,
                         qcal_coarse_bin(o->coarse_bin, o->range, 1), o->sigmas, o->min_snr,
                         stream_resolution(r)};
    qcal_drift *dr = qcal_drift_new(&d);
    if (!dr)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        int rc = qcal_drift_add(dr, ev, (size_t)n);
        if (rc == QEV_EINVAL)
            die_disorder(r, qcal_drift_disorder_at(dr));
        if (rc != QEV_OK)
            cli_die(NULL, "out of memory");
    }
    cli_check_read(r, n);
    if (qcal_drift_finish(dr) != QEV_OK)
        cli_die(NULL, "out of memory");
    return dr;
}

static void measure(const struct opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    qcal_drift *dr = track(o, r);
    size_t np;
    const qcal_drift_point *p = qcal_drift_points(dr, &np);
    qcal_spline fit;
    int rc = qcal_drift_fit(p, np, (size_t)o->knots, (size_t)o->max_knots, &fit);
    if (rc == QEV_EINVAL)
        cli_die(qev_reader_name(r),
                "fewer than two of %zu windows hold a significant peak of channel %d against "
                "%d; lengthen --every or widen --range",
                np, o->channel, o->ref);
    if (rc != QEV_OK)
        cli_die(qev_reader_name(r), "the fit failed: a segment without windows; use fewer --knots");
    if (o->residuals)
        residuals(o, p, np, &fit);
    if (o->json)
        json(o, p, np, &fit);
    else
        calibration(o, p, np, &fit, qev_reader_name(r));
    qcal_spline_free(&fit);
    qcal_drift_free(dr);
    cli_reader_close(r);
}

const struct qcal_command drift_command = {"drift", help, measure, NULL};
