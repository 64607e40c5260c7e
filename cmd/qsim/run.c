/* Running a physical setup: options, the object and patterns, the truth, then
 * the stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsim.h"
#include "sink.h"

void qsim_progress(uint64_t wanted, uint64_t left, int64_t t, int64_t duration)
{
    if (wanted != UINT64_MAX)
        cli_progress(wanted - left, wanted, "events");
    else
        cli_progress(t > 0 ? (uint64_t)t : 0, duration != INT64_MAX ? (uint64_t)duration : 0, "ps");
}

static void defaults(struct phys_opts *o, const struct qsim_setup *setup)
{
    memset(o, 0, sizeof *o);
    qev_sim_config_default(&o->c, setup->setup);
    o->setup = setup;
    o->c.rate_hz = setup->default_rate_hz;
    o->object = "usaf";
    o->patterns = "hadamard";
    o->pattern_seed = 1;
    o->fill = 0.5;
    o->truth_window = 1000;
    snprintf(o->usage, sizeof o->usage, "%s\n%s", setup->help, qsim_detector_help);
}

static qev_sim *new_simulation(const struct phys_opts *o)
{
    qev_sim *sim = qev_sim_new(&o->c);
    if (!sim)
        cli_die(NULL, "out of memory");
    if (qev_sim_status(sim) == QEV_EINVAL)
        cli_usage_error("%s", qev_sim_error(sim));
    if (qev_sim_status(sim) != QEV_OK)
        cli_die(NULL, "%s", qev_sim_error(sim));
    return sim;
}

static void run(const struct phys_opts *o, struct sink *s, qev_sim *sim)
{
    uint64_t wanted = o->has_events ? o->events : UINT64_MAX, left = wanted;
    while (left) {
        const qev_event *ev;
        size_t n = qev_sim_next(sim, &ev, left < SIZE_MAX ? (size_t)left : SIZE_MAX);
        if (qev_sim_status(sim) != QEV_OK)
            cli_die(NULL, "%s", qev_sim_error(sim));
        if (n == 0)
            break;
        sink_events(s, ev, n);
        left -= n;
        qsim_progress(wanted, left, ev[n - 1].t, o->c.duration_ps);
    }
}

int qsim_physical(int argc, char **argv, const struct qsim_setup *setup)
{
    static struct phys_opts o;
    defaults(&o, setup);
    qsim_parse_physical(argc, argv, &o);
    if (setup->prepare)
        setup->prepare(&o);
    qev_sim *sim = new_simulation(&o);
    if (o.truth)
        qsim_write_truth(&o, sim);
    struct sink *s = sink_open(o.text ? SINK_TEXT : SINK_QEV, o.output, o.level);
    qev_meta *m = qsim_physical_meta(&o);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    run(&o, s, sim);
    sink_close(s);
    qev_sim_free(sim);
    qev_spi_free(&o.spi);
    free(o.object_pixels);
    free(o.pattern_pixels);
    return CLI_OK;
}
