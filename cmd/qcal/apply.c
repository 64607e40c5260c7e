/* qcal apply: a calibration's corrections on a stream (calib_apply.h),
 * recorded in each output segment's metadata. */
#include <inttypes.h>
#include <string.h>

#include "calib_apply.h"
#include "cli.h"
#include "qcal.h"
#include "sink.h"

static const char help[] =
    "qcal apply: delays and clocks, renames and pixel masks; output is QEV.\n"
    "      --force            apply although another calibration was applied\n"
    "      --tally            at the end, print on stderr the events read, written and\n"
    "                         dropped (masked pixels)\n"
    "  -l, --level=N          zstd level (default 1)\n"
    "\n";

struct applied {
    const char *name;
    qev_calib *cal;
    uint64_t fingerprint;
    qcal_shift *shift;
    qcal_corrections n;
};

static void prepare(struct applied *ap)
{
    char why[400];
    ap->shift = qcal_shift_new();
    if (!ap->shift)
        cli_die(NULL, "out of memory");
    qcal_shift_set_batch(ap->shift, QEV_BLOCK_EVENTS);
    int rc = qcal_shift_from_calib(ap->shift, ap->cal, &ap->n, why, sizeof why);
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_die(ap->name, "%s", why);
    ap->fingerprint = qev_calib_fingerprint(ap->cal);
}

static void check_not_applied(const struct opts *o, const struct applied *ap, const qev_reader *r)
{
    int any;
    const qev_meta *in = qev_reader_meta(r);
    if (qev_calib_applied(in, ap->fingerprint, &any))
        cli_die(qev_reader_name(r),
                "calibration %016" PRIx64 " (%s) was applied to this stream already; applying it "
                "twice would shift the times twice",
                ap->fingerprint, ap->name);
    if (any && !o->force)
        cli_die(qev_reader_name(r), "another calibration (%s) was applied to this stream; "
                "use --force to apply %s as well", qev_meta_get(in, "calibration_applied"),
                ap->name);
}

static qev_meta *applied_meta(const struct opts *o, const struct applied *ap, const qev_reader *r)
{
    check_not_applied(o, ap, r);
    qev_meta *m = qev_meta_dup(qev_reader_meta(r));
    const char *created = qev_calib_get(ap->cal, "created");
    if (!m || qev_calib_mark_applied(m, ap->fingerprint) != QEV_OK)
        cli_die(NULL, "out of memory");
    const char *slash = strrchr(ap->name, '/');
    qev_meta_set(m, "calibration_file", slash ? slash + 1 : ap->name);
    if (created)
        qev_meta_set(m, "calibration_created", created);
    qev_meta_setf(m, "calibration_corrections",
                  "%zu delays, %zu clocks, %zu renames, %zu masked pixels", ap->n.delays,
                  ap->n.clocks, ap->n.renames, ap->n.masks);
    qev_meta_set(m, "calibration_rule",
                 "t' = t - delay, or t' = (t - offset)/(1 + drift) through the clock's knots "
                 "(clocks win over delays), rounded to the nearest ps; events kept in time order");
    return m;
}

static void drain(struct sink *s, qcal_shift *sh)
{
    const qev_event *out;
    size_t m = qcal_shift_ready(sh, &out);
    if (m)
        sink_events(s, out, m);
}

/* Ends an output segment: what is waiting, and the masked count. */
static void end_segment(struct sink *s, qcal_shift *sh, uint64_t *masked_before)
{
    qcal_shift_finish(sh);
    drain(s, sh);
    qev_meta *closing = qev_meta_new();
    if (!closing)
        cli_die(NULL, "out of memory");
    qev_meta_setf(closing, "calibration_events_masked", "%" PRIu64,
                  qcal_shift_masked(sh) - *masked_before);
    *masked_before = qcal_shift_masked(sh);
    sink_closing(s, closing);
    qev_meta_free(closing);
}

static void correct(const struct opts *o, struct applied *ap, qev_reader *r, struct sink *s)
{
    const qev_event *ev;
    long k;
    uint64_t segments = 0, masked = 0;
    while ((k = qev_read(r, &ev)) >= 0) {
        if (qev_reader_count(r, QEV_READ_SEGMENTS) != segments) { /* a new header */
            if (segments++)
                end_segment(s, ap->shift, &masked);
            qev_meta *m = applied_meta(o, ap, r);
            sink_segment(s, m, NULL);
            qev_meta_free(m);
        }
        int rc = qcal_shift_add(ap->shift, ev, (size_t)k);
        if (rc == QEV_ENOMEM)
            cli_die(NULL, "out of memory");
        if (rc != QEV_OK)
            die_disorder(r, qcal_shift_disorder_at(ap->shift));
        drain(s, ap->shift);
    }
    cli_check_read(r, k);
    if (segments)
        end_segment(s, ap->shift, &masked);
}

static void run(const struct opts *o, char **paths, int n)
{
    if (n < 1 || n > 2)
        cli_usage_error("qcal apply needs a calibration file and at most one stream");
    struct applied ap = {paths[0], load_calibration(paths[0]), 0, NULL, {0, 0, 0, 0}};
    prepare(&ap);
    if (n == 1)
        cli_need_input(0, qcal_usage());
    qev_reader *r = cli_reader(n == 2 ? paths[1] : "-");
    struct sink *s = sink_open(SINK_QEV, o->output, o->level);
    correct(o, &ap, r, s);
    qev_balance b = {.in = qev_reader_count(r, QEV_READ_EVENTS), .out = sink_events_written(s)};
    qev_balance_add(&b, "masked_pixel", qcal_shift_masked(ap.shift));
    cli_tally(&b);
    sink_close(s);
    cli_reader_close(r);
    qcal_shift_free(ap.shift);
    qev_calib_free(ap.cal);
}

const struct qcal_command apply_command = {"apply", help, NULL, run};
