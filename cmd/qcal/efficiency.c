/* qcal efficiency: Klyshko efficiencies of both arms of a pair source
 * (efficiency.h). */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "efficiency.h"
#include "qcal.h"
#include "report.h"

static const char help[] =
    "qcal efficiency: Klyshko efficiencies of both arms of a pair source.\n"
    "  -p, --pair=A:B         the two arms (default 1:2)\n"
    "  -w, --window=T         coincidence window, full width (default: +-5 peak sd)\n"
    "      --dark=FILE        dark counts to subtract: a calibration file from qcal\n"
    "                         dark, or a dark acquisition (QEV)\n"
    "      --cal=FILE         take the delay from a calibration file\n"
    "      --range=T, --accidental-delay=T, --accidentals=singles|offpeak|delayed\n";

struct measured {
    qcal_efficiency_params p;
    qcal_efficiency_result r;
};

/* The delay of b against a from a calibration file; *found when it names one. */
static int64_t cal_delay(const struct opts *o, int *found)
{
    qev_calib *c = load_calibration(o->cal);
    static int64_t delay[65536];
    static uint8_t set[65536];
    if (qev_calib_delays(c, delay, set) < 0)
        cli_die(o->cal, "%s", qev_calib_error(c));
    qev_calib_free(c);
    *found = set[o->pair_b] || set[o->pair_a];
    return delay[o->pair_b] - delay[o->pair_a];
}

static qcal_efficiency *correlate(const struct opts *o, qev_reader *r)
{
    qcal_efficiency_opts eo = {o->pair_a, o->pair_b, o->range, o->coarse_bin,
                               o->sigmas, o->min_snr, stream_resolution(r)};
    qcal_efficiency *e = qcal_efficiency_new(&eo);
    if (!e)
        cli_die(NULL, "out of memory (%" PRId64 " bins of 1 ps)", 2 * o->range + 1);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0)
        if (qcal_efficiency_add(e, ev, (size_t)n) != QEV_OK)
            die_disorder(r, qcal_efficiency_disorder_at(e));
    cli_check_read(r, n);
    return e;
}

/* The delay and window: from the peak, or the delay from --cal. */
static void place_window(const struct opts *o, const qcal_efficiency *e, const qev_reader *r,
                         qcal_efficiency_params *p)
{
    qcal_peak pk;
    if (qcal_efficiency_peak(e, &pk) != QEV_OK)
        cli_die(NULL, "the range holds fewer than three coarse bins; lower --coarse-bin");
    int from_cal = 0;
    int64_t d = o->cal ? cal_delay(o, &from_cal) : 0;
    if (!from_cal && (!pk.found || pk.snr < o->min_snr))
        cli_die(qev_reader_name(r), "no significant coincidence peak of %u:%u (signal-to-noise "
                "%.2g); give the delay with --cal", o->pair_a, o->pair_b, pk.found ? pk.snr : 0.0);
    p->delay = from_cal ? (double)d : pk.delay;
    p->window = o->window ? o->window : qcal_efficiency_window(pk.width);
}

static void measure_stream(const struct opts *o, const char *path, const struct dark_input *dk,
                           struct measured *m)
{
    qev_reader *r = cli_reader(path);
    qcal_efficiency *e = correlate(o, r);
    place_window(o, e, r, &m->p);
    m->p.accidental_delay = o->acc_delay;
    m->p.accidentals = o->accidentals;
    m->p.duration = o->duration;
    m->p.dark[0] = dark_rate(dk, o->pair_a);
    m->p.dark[1] = dark_rate(dk, o->pair_b);
    int rc = qcal_efficiency_measure(e, &m->p, &m->r);
    if (rc == QEV_EINVAL)
        cli_usage_error("--range must be at least %" PRId64 " ps for this window, delay and "
                        "--accidental-delay", qcal_efficiency_reach(&m->p));
    if (rc != QEV_OK)
        cli_die(NULL, "out of memory");
    qcal_efficiency_free(e);
    cli_reader_close(r);
}

static void json(const struct opts *o, const struct measured *m, int dark)
{
    struct report_json j;
    report_json_begin(&j, cli_output_stream(o->output, 0), 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "a", "%u", o->pair_a);
    report_json_put(&j, "b", "%u", o->pair_b);
    report_json_put(&j, "window_ps", "%" PRId64, m->p.window);
    report_json_put(&j, "dark_subtracted", "%s", dark ? "true" : "false");
    report_json_put_number(&j, "delay_ps", m->p.delay);
    report_json_put_number(&j, "coincidences", m->r.st.coincidences);
    report_json_put_number(&j, "accidentals", m->r.st.accidentals);
    report_json_put_number(&j, "eta_a", m->r.arm[0].eta);
    report_json_put_number(&j, "sigma_eta_a", m->r.arm[0].sigma);
    report_json_put_number(&j, "eta_b", m->r.arm[1].eta);
    report_json_put_number(&j, "sigma_eta_b", m->r.arm[1].sigma);
    report_json_end(&j);
}

static void calibration(const struct opts *o, const struct measured *m, const char *source,
                        int dark)
{
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal efficiency: Klyshko eta_B = (C - A)/(N_A - dark_A T), eta_A = (C - A)/(N_B - "
             "dark_B T); C in a %" PRId64 " ps window at %.1f ps; binomial sigma; dark %s",
             m->p.window, m->p.delay, dark ? "subtracted" : "not subtracted");
    section_start(c, "efficiency", comment, source);
    check_calib(c, qev_calib_setf(c, "efficiency.pair", "%u:%u", o->pair_a, o->pair_b));
    setn(c, (double)m->p.window, NAN, "ps", "efficiency.window");
    setn(c, m->r.st.coincidences, NAN, "", "efficiency.coincidences");
    setn(c, m->r.st.accidentals, m->r.st.sigma_accidentals, "", "efficiency.accidentals");
    setn(c, m->r.arm[0].eta, m->r.arm[0].sigma, "", "efficiency.%u", o->pair_a);
    setn(c, m->r.arm[1].eta, m->r.arm[1].sigma, "", "efficiency.%u", o->pair_b);
    write_calibration(o, c);
    qev_calib_free(c);
}

static void measure(const struct opts *o, const char *path)
{
    struct dark_input *dk = o->dark ? load_dark(o->dark) : NULL;
    struct measured m;
    memset(&m, 0, sizeof m);
    measure_stream(o, path, dk, &m);
    if (o->json)
        json(o, &m, dk != NULL);
    else
        calibration(o, &m, path, dk != NULL);
    free_dark(dk);
}

const struct qcal_command efficiency_command = {"efficiency", help, measure, NULL};
