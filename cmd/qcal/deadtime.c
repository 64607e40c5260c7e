/* qcal deadtime: dead time per channel from the shortest intervals
 * (deadtime.h). */
#include <inttypes.h>
#include <math.h>

#include "cli.h"
#include "deadtime.h"
#include "qcal.h"

static const char help[] =
    "qcal deadtime: dead time per channel from the shortest intervals.\n"
    "  -C, --channels=LIST    channels (default: every photon channel)\n"
    "      --rank=K           use the K-th and 2K-th shortest intervals (default 10)\n";

static qcal_deadtimes *intervals(const struct opts *o, qev_reader *r)
{
    qcal_deadtimes *d = qcal_deadtimes_new((size_t)o->rank);
    if (!d)
        cli_die(NULL, "out of memory");
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        int rc = qcal_deadtimes_add(d, ev, (size_t)n, o->channels);
        if (rc == QEV_EINVAL)
            cli_die(qev_reader_name(r), "channel %u goes back in time; " QEV_ORDER_HINT,
                    qcal_deadtimes_disorder_channel(d));
        if (rc != QEV_OK)
            cli_die(NULL, "out of memory");
    }
    cli_check_read(r, n);
    return d;
}

static void entry(const struct opts *o, qev_calib *c, qcal_deadtimes *d, uint16_t ch,
                  int64_t res_ps, const char *source)
{
    qcal_deadtime_result dt;
    if (qcal_deadtimes_result(d, ch, res_ps, &dt) == QEV_OK) {
        setn(c, dt.tau, dt.sigma, "ps", "deadtime.%u", ch);
        setn(c, (double)dt.intervals, NAN, "", "deadtime.%u.intervals", ch);
    } else {
        cli_warn(source, "channel %u: fewer than %ld intervals", ch, 2 * o->rank);
    }
}

static void measure(const struct opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    int64_t res_ps = stream_resolution(r);
    qcal_deadtimes *d = intervals(o, r);
    qev_calib *c = new_calibration();
    char comment[400];
    snprintf(comment, sizeof comment,
             "qcal deadtime: tau = 2 d(%ld) - d(%ld) from the shortest intervals d(i) between "
             "photons of a channel; sigma^2 = 2 k g^2 + r^2/12, g = (mean interval - tau) / "
             "intervals, k = %ld, r = %" PRId64 " ps",
             o->rank, 2 * o->rank, o->rank, res_ps);
    section_start(c, "deadtime", comment, qev_reader_name(r));
    setn(c, (double)o->rank, NAN, "", "deadtime.rank");
    for (size_t ch = 0; ch < 65536; ch++)
        if (qcal_deadtimes_seen(d, (uint16_t)ch))
            entry(o, c, d, (uint16_t)ch, res_ps, qev_reader_name(r));
    write_calibration(o, c);
    qev_calib_free(c);
    qcal_deadtimes_free(d);
    cli_reader_close(r);
}

const struct qcal_command deadtime_command = {"deadtime", help, measure, NULL};
