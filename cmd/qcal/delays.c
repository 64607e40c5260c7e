/* qcal delays: the delay of each channel against a reference (delays.h). */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "delays.h"
#include "qcal.h"
#include "report.h"

static const char help[] =
    "qcal delays: the delay of each channel against a reference, from the peak of\n"
    "their cross-correlation, to sub-bin precision, with an uncertainty and the\n"
    "peak's signal-to-noise ratio.\n"
    "  -r, --ref=CH           the reference channel\n"
    "  -C, --channels=LIST    channels to calibrate (default: the photon channels\n"
    "                         of the first block)\n"
    "      --range=T          search delays from -T to +T (default 100ns)\n"
    "      --coarse-bin=T     bin of the coarse search (default range/1000)\n"
    "      --sigmas=K         centroid window, +-K peak widths (default 3)\n"
    "      --min-snr=S        a smaller signal-to-noise ratio is no peak (default 5)\n"
    "\n";

/* The first block with events (0 at the end of an empty stream). */
static long first_block(qev_reader *r, const qev_event **ev)
{
    long n;
    while ((n = qev_read(r, ev)) == 0)
        ;
    cli_check_read(r, n);
    return n < 0 ? 0 : n;
}

static qcal_delays *new_delays(const struct opts *o, const uint16_t *chans, size_t k,
                               int64_t res_ps)
{
    qcal_delays_opts d = {(uint16_t)o->ref, chans, k, o->range, o->coarse_bin,
                          o->sigmas, o->min_snr, res_ps};
    qcal_delays *dl = qcal_delays_new(&d);
    int64_t bin, half;
    qcal_delays_binning(o->range, k, &bin, &half);
    if (!dl)
        cli_die(NULL, "out of memory (%" PRId64 " bins of %" PRId64 " ps)", 2 * half + 1, bin);
    return dl;
}

/* The first pass, the first block already read. */
static void first_pass(qev_reader *r, qcal_delays *d, const qev_event *ev, long n)
{
    for (; n >= 0; n = qev_read(r, &ev))
        if (qcal_delays_add(d, ev, (size_t)n) != QEV_OK)
            die_disorder(r, qcal_delays_disorder_at(d));
    cli_check_read(r, n);
    if (qcal_delays_finish(d) != QEV_OK)
        cli_die(NULL, "the range holds fewer than three coarse bins; lower --coarse-bin");
}

static void check_refine(const qev_reader *r, const qcal_delays *d, int rc)
{
    if (rc == QEV_ECORRUPT)
        cli_die(NULL, "events out of order after shifting");
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        die_disorder(r, qcal_delays_disorder_at(d));
}

static void second_pass(const char *path, qcal_delays *d)
{
    if (qcal_delays_refine_start(d) != QEV_OK)
        cli_die(NULL, "out of memory");
    qev_reader *r = cli_reader(path);
    const qev_event *ev;
    long k;
    while ((k = qev_read(r, &ev)) >= 0)
        check_refine(r, d, qcal_delays_refine_add(d, ev, (size_t)k));
    cli_check_read(r, k);
    check_refine(r, d, qcal_delays_refine_finish(d));
    cli_reader_close(r);
}

static int is_regular_file(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void warn(const struct opts *o, const qcal_delay *d, const char *source)
{
    const qcal_peak *p = &d->pk;
    if (p->at_edge && p->found)
        cli_warn(source, "channel %u: the peak lies at the end of the range; widen --range",
                 d->ch);
    else if (!d->significant)
        cli_warn(source, "channel %u: no significant peak (signal-to-noise %.2g, below %g)",
                 d->ch, p->found ? p->snr : 0.0, o->min_snr);
}

static void calibration(const struct opts *o, const qcal_delay *res, size_t n, const char *source)
{
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal delays: t_CH - t_ref at the cross-correlation peak; centroid of the "
             "background-subtracted 1 ps bins within +-%g peak sd; sigma = sqrt(sum h (tau - "
             "mu)^2) / net counts",
             o->sigmas);
    section_start(c, "delay", comment, source);
    check_calib(c, qev_calib_setf(c, "delay.reference", "%d", o->ref));
    for (size_t i = 0; i < n; i++) {
        const qcal_peak *p = &res[i].pk;
        if (!res[i].significant) {
            snprintf(comment, sizeof comment, "channel %u: no significant peak (SNR %.3g)",
                     res[i].ch, p->found ? p->snr : 0.0);
            check_calib(c, qev_calib_comment(c, comment));
            continue;
        }
        setn(c, p->delay, p->sigma_delay, "ps", "delay.%u", res[i].ch);
        setn(c, p->snr, NAN, "", "delay.%u.snr", res[i].ch);
        setn(c, p->width, NAN, "ps", "delay.%u.width", res[i].ch);
        setn(c, round(p->counts), NAN, "", "delay.%u.counts", res[i].ch);
    }
    write_calibration(o, c);
    qev_calib_free(c);
}

static void json(const struct opts *o, const qcal_delay *res, size_t n)
{
    struct report_json j;
    report_json_begin(&j, cli_output_stream(o->output, 0), 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "reference", "%d", o->ref);
    report_json_array(&j, "channels");
    for (size_t i = 0; i < n; i++) {
        const qcal_peak *p = &res[i].pk;
        report_json_object(&j, NULL);
        report_json_put(&j, "channel", "%u", res[i].ch);
        report_json_put(&j, "significant", "%s", res[i].significant ? "true" : "false");
        report_json_put_number(&j, "delay_ps", p->found ? p->delay : NAN);
        report_json_put_number(&j, "sigma_ps", p->found ? p->sigma_delay : NAN);
        report_json_put_number(&j, "snr", p->snr);
        report_json_put_number(&j, "width_ps", p->found ? p->width : NAN);
        report_json_put_number(&j, "counts", p->found ? p->counts : NAN);
        report_json_put_number(&j, "background", p->found ? p->background : NAN);
        report_json_put_number(&j, "coarse_delay_ps", p->coarse_delay);
        report_json_put(&j, "replicas", "%d", p->replicas);
        report_json_end(&j);
    }
    report_json_end(&j);
    report_json_end(&j);
}

static void measure(const struct opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    const qev_event *ev;
    long n = first_block(r, &ev);
    uint16_t chans[QCAL_DELAYS_MAX];
    size_t k;
    if (qcal_delays_channels(ev, (size_t)n, (uint16_t)o->ref, o->channels, chans, &k) != QEV_OK)
        cli_usage_error("at most %d channels against one reference", QCAL_DELAYS_MAX);
    if (k == 0)
        cli_die(qev_reader_name(r), "no channel to calibrate against channel %d", o->ref);
    qcal_delays *d = new_delays(o, chans, k, stream_resolution(r));
    first_pass(r, d, ev, n);
    if (qcal_delays_bin(d) > 1 && is_regular_file(path))
        second_pass(path, d);
    else if (qcal_delays_bin(d) > 1)
        cli_warn(qev_reader_name(r), "a range this wide is searched at %" PRId64 " ps bins; "
                 "give a file rather than a pipe to refine at 1 ps", qcal_delays_bin(d));
    const qcal_delay *res = qcal_delays_result(d, &k);
    for (size_t i = 0; i < k; i++)
        warn(o, &res[i], qev_reader_name(r));
    if (o->json)
        json(o, res, k);
    else
        calibration(o, res, k, qev_reader_name(r));
    qcal_delays_free(d);
    cli_reader_close(r);
}

const struct qcal_command delays_command = {"delays", help, measure, NULL};
