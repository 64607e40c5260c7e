/* qsim poisson: independent Poisson channels. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsim.h"
#include "sink.h"

static const char usage[] =
    "Usage: qsim poisson [OPTION]...\n"
    "Simulate independent Poisson channels and write them as one QEV stream.\n"
    "Channels are numbered 1..N in the order of their rates.\n"
    "\n"
    "  -r, --rate=R[,R]...     rate of each channel in Hz (e.g. 1M,250k; default 1M)\n"
    "  -c, --channels=N        N channels at the one rate given (default 1)\n"
    "  -d, --duration=T        simulate T of acquisition (e.g. 10s; default 1s)\n"
    "  -n, --events=N          stop after N events (e.g. 1e7)\n"
    "      --resolution=T      time quantum of the tagger (default 1ps)\n"
    QSIM_OUTPUT_HELP;

enum { OPT_RESOLUTION = CLI_OPT_FIRST_TOOL_OPTION, OPT_TEXT };

struct poisson_opts {
    double rates[QEV_SIM_MAX_CHANNELS];
    size_t nrates;
    long channels;
    int64_t duration, resolution;
    uint64_t events, seed;
    int has_duration, has_events, text, level;
    const char *output;
};

static void parse_rates(const char *list, struct poisson_opts *o)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy)
        cli_die(NULL, "out of memory");
    o->nrates = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (o->nrates == QEV_SIM_MAX_CHANNELS)
            cli_usage_error("--rate: at most %d channels", QEV_SIM_MAX_CHANNELS);
        o->rates[o->nrates++] = cli_real("--rate", tok, "Hz cps /s", 1e-9, 1e13);
    }
    free(copy);
    if (o->nrates == 0)
        cli_usage_error("--rate: '%s' holds no rate", list);
}

/* --channels N with one rate: N channels at that rate. */
static void expand_channels(struct poisson_opts *o)
{
    if (o->channels == 0)
        return;
    if (o->nrates != 1 && (size_t)o->channels != o->nrates)
        cli_usage_error("--channels %ld does not match the %zu rates given", o->channels,
                        o->nrates);
    if (o->nrates == 1)
        for (size_t i = 1; i < (size_t)o->channels; i++)
            o->rates[i] = o->rates[0];
    o->nrates = (size_t)o->channels;
}

static void check_args(struct poisson_opts *o)
{
    if (o->resolution <= 0)
        cli_usage_error("--resolution must be positive");
    if (o->duration < 0)
        cli_usage_error("--duration must not be negative");
    if (o->has_events && !o->has_duration)
        o->duration = INT64_MAX;
    expand_channels(o);
}

static void parse_args(int argc, char **argv, struct poisson_opts *o)
{
    static const struct option longopts[] = {
        {"rate", required_argument, NULL, 'r'},   {"channels", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'd'}, {"events", required_argument, NULL, 'n'},
        {"resolution", required_argument, NULL, OPT_RESOLUTION},
        {"seed", required_argument, NULL, 's'},   {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, 'l'},  {"text", no_argument, NULL, OPT_TEXT},
        CLI_COMMON_LONGOPTS,                      {NULL, 0, NULL, 0}};
    *o = (struct poisson_opts){.rates = {1e6}, .nrates = 1, .resolution = 1, .seed = 1,
                               .duration = 1000000000000};
    int c;
    while ((c = getopt_long(argc, argv, "r:c:d:n:s:o:l:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': parse_rates(optarg, o); break;
        case 'c': o->channels = cli_int("--channels", optarg, 1, QEV_SIM_MAX_CHANNELS); break;
        case 'd': o->duration = cli_time("--duration", optarg); o->has_duration = 1; break;
        case 'n': o->events = cli_count("--events", optarg); o->has_events = 1; break;
        case OPT_RESOLUTION: o->resolution = cli_time("--resolution", optarg); break;
        case 's': o->seed = cli_count("--seed", optarg); break;
        case 'o': o->output = optarg; break;
        case 'l': o->level = (int)cli_int("--level", optarg, -7, 22); break;
        case OPT_TEXT: o->text = 1; break;
        default: cli_common_option(c, usage);
        }
    }
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
    check_args(o);
}

static qev_meta *poisson_meta(const struct poisson_opts *o)
{
    qev_meta *m = qev_meta_new();
    if (!m)
        cli_die(NULL, "out of memory");
    qev_meta_set(m, "source", "qsim poisson");
    qev_meta_setf(m, "resolution_ps", "%lld", (long long)o->resolution);
    qev_meta_setf(m, "seed", "%llu", (unsigned long long)o->seed);
    if (o->duration != INT64_MAX)
        qev_meta_setf(m, "duration_ps", "%lld", (long long)o->duration);
    for (size_t i = 0; i < o->nrates; i++) {
        char key[32];
        snprintf(key, sizeof key, "rate_hz.%zu", i + 1);
        qev_meta_setf(m, key, "%.17g", o->rates[i]);
    }
    return m;
}

static void run(const struct poisson_opts *o, struct sink *s)
{
    static qev_poisson p;
    uint16_t channels[QEV_SIM_MAX_CHANNELS];
    for (size_t i = 0; i < o->nrates; i++)
        channels[i] = (uint16_t)(i + 1);
    if (qev_poisson_init(&p, o->rates, channels, o->nrates, o->resolution, o->seed) != QEV_OK)
        cli_usage_error("invalid rates or resolution");
    enum { CHUNK = 8192 };
    static qev_event ev[CHUNK];
    uint64_t wanted = o->has_events ? o->events : UINT64_MAX, left = wanted;
    while (left) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        size_t n = qev_poisson_fill_before(&p, ev, want, o->duration);
        sink_events(s, ev, n);
        left -= n;
        if (n < want)
            break;
        qsim_progress(wanted, left, ev[n - 1].t, o->duration);
    }
}

int qsim_poisson(int argc, char **argv)
{
    struct poisson_opts o;
    parse_args(argc, argv, &o);
    struct sink *s = sink_open(o.text ? SINK_TEXT : SINK_QEV, o.output, o.level);
    qev_meta *m = poisson_meta(&o);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    run(&o, s);
    sink_close(s);
    return CLI_OK;
}
