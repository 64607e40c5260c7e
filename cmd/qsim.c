/* qsim: simulated acquisitions as QEV streams. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_side.h"
#include "image.h"
#include "patterns.h"
#include "phantom.h"
#include "recon_io.h"
#include "report.h"
#include "sim.h"
#include "sink.h"

static const char poisson_usage[] =
    "Usage: qsim poisson [OPTION]...\n"
    "Simulate independent Poisson channels and write them as one QEV stream.\n"
    "Channels are numbered 1..N in the order of their rates.\n"
    "\n"
    "  -r, --rate=R[,R]...     rate of each channel in Hz (e.g. 1M,250k; default 1M)\n"
    "  -c, --channels=N        N channels at the one rate given (default 1)\n"
    "  -d, --duration=T        simulate T of acquisition (e.g. 10s; default 1s)\n"
    "  -n, --events=N          stop after N events (e.g. 1e7)\n"
    "      --resolution=T      time quantum of the tagger (default 1ps)\n"
    "  -s, --seed=N            seed of the random generator (default 1)\n"
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"
    "  -l, --level=N           zstd level (default 1)\n"
    "      --text              write text events, as qcat prints them\n"
    "      --no-provenance     do not add a provenance line\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 I/O error, 2 usage error.\n";

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

static void parse_poisson(int argc, char **argv, struct poisson_opts *o)
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
        default: cli_common_option(c, poisson_usage);
        }
    }
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (o->resolution <= 0)
        cli_usage_error("--resolution must be positive");
    if (o->duration < 0)
        cli_usage_error("--duration must not be negative");
    if (o->has_events && !o->has_duration)
        o->duration = INT64_MAX;
    expand_channels(o);
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

/* Progress by events when a count was asked for, else by simulated time. */
static void show_progress(uint64_t wanted, uint64_t left, int64_t t, int64_t duration)
{
    if (wanted != UINT64_MAX)
        cli_progress(wanted - left, wanted, "events");
    else
        cli_progress(t > 0 ? (uint64_t)t : 0, duration != INT64_MAX ? (uint64_t)duration : 0, "ps");
}

static void run_poisson(const struct poisson_opts *o, struct sink *s)
{
    static qev_poisson p;
    uint16_t channels[QEV_SIM_MAX_CHANNELS];
    for (size_t i = 0; i < o->nrates; i++)
        channels[i] = (uint16_t)(i + 1);
    if (qev_poisson_init(&p, o->rates, channels, o->nrates, o->resolution, o->seed) != QEV_OK)
        cli_usage_error("invalid rates or resolution");
    enum { CHUNK = 8192 };
    static qev_event ev[CHUNK];
    uint64_t left = o->has_events ? o->events : UINT64_MAX;
    while (left) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        size_t n = qev_poisson_fill(&p, ev, want);
        size_t keep = n;
        while (keep && ev[keep - 1].t >= o->duration)
            keep--;
        sink_events(s, ev, keep);
        left -= keep;
        if (keep < want)
            break;
        show_progress(o->has_events ? o->events : UINT64_MAX, left, ev[keep - 1].t, o->duration);
    }
}

/* ==== physical setups ==== */

static const char top_usage[] =
    "Usage: qsim poisson [OPTION]...\n"
    "  or:  qsim spdc|thermal|coherent|emitter [OPTION]...\n"
    "  or:  qsim ghost|spi [OPTION]...\n"
    "Simulate a photon-counting acquisition and write it as one QEV stream.\n"
    "\n"
    "Setups:\n"
    "  poisson   independent Poisson channels\n"
    "  spdc      photon pairs (signal on channel 1, idler on channel 2), CW or pulsed\n"
    "  thermal   chaotic light on a 50/50 splitter to channels 1 and 2 (g2(0) = 2)\n"
    "  coherent  laser light on the splitter (g2 = 1)\n"
    "  emitter   a two-level single-photon emitter on the splitter (g2(0) = 0)\n"
    "  ghost     heralded ghost imaging: bucket on channel 1, SPAD array on channel 2\n"
    "  spi       single-pixel imaging: pattern markers on channel 0, bucket on channel 1\n"
    "\n"
    "Common options (qsim SETUP --help lists each setup's own):\n"
    "  -d, --duration=T        simulate T of acquisition (default 1s)\n"
    "  -n, --events=N          stop after N events\n"
    "  -s, --seed=N            seed of the random generator (default 1)\n"
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"
    "      --text              write text events, as qcat prints them\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 I/O error, 2 usage error.\n";

static const char detector_help[] =
    "Detectors and taggers (every setup but poisson):\n"
    "      --det=CH:KEY=VAL[,KEY=VAL]...  the detector of channel CH (or 'all'):\n"
    "                          eff=P efficiency (1), dark=R dark counts in Hz (0),\n"
    "                          jitter=T Gaussian sd (0), tail=T exponential tail mean,\n"
    "                          tailfrac=P share of clicks with the tail (1),\n"
    "                          dead=T dead time (0), ap=P afterpulse probability,\n"
    "                          apdelay=T afterpulse delay (exponential mean, or the\n"
    "                          centre when apwidth=T gives a Gaussian sd),\n"
    "                          delay=T fixed delay, tagger=N the tagger (1)\n"
    "      --tagger=N:KEY=VAL[,KEY=VAL]...  tagger N (1 to 4): res=T quantum (1ps),\n"
    "                          offset=T clock offset, drift=X clock drift in ppm\n"
    "      --resolution=T      the quantum of tagger 1\n"
    "      --truth=FILE        write the expected rates (and the object) as JSON\n"
    "      --truth-window=T    coincidence window of the truth's accidentals (1ns)\n"
    "  -d, --duration=T        simulate T of acquisition (default 1s)\n"
    "  -n, --events=N          stop after N events\n"
    "  -s, --seed=N            seed of the random generator (default 1)\n"
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"
    "  -l, --level=N           zstd level (default 1)\n"
    "      --text              write text events, as qcat prints them\n"
    "      --no-provenance     do not add a provenance line\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 I/O error, 2 usage error.\n";

static const char *const setup_names[] = {"spdc", "thermal", "coherent", "emitter", "ghost", "spi"};

static const char *const setup_help[] = {
    "Usage: qsim spdc [OPTION]...\n"
    "Photon pairs from spontaneous parametric down-conversion: signal on channel 1,\n"
    "idler on channel 2, born together.\n"
    "\n"
    "  -r, --rate=R            mean pair rate in Hz (default 100k)\n"
    "      --rep-rate=F        pulsed pump at F Hz (default: CW)\n"
    "      --pulse-width=T     FWHM of the Gaussian pump pulse (default 0ps)\n"
    "      --pairs=STATS       pairs per pulse: poisson (default) or thermal\n"
    "      --sync              a sync event per pulse on channel 0\n",
    "Usage: qsim thermal [OPTION]...\n"
    "Chaotic light with g2(tau) = 1 + exp(-2|tau|/tau_c) on a splitter.\n"
    "\n"
    "  -r, --rate=R            photon rate before the splitter in Hz (default 1M)\n"
    "      --coherence-time=T  tau_c (default 1ns)\n"
    "      --model=M           shot (default) or jump; see qsim(1)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n",
    "Usage: qsim coherent [OPTION]...\n"
    "Laser light (Poisson photons, g2 = 1) on a splitter.\n"
    "\n"
    "  -r, --rate=R            photon rate before the splitter in Hz (default 1M)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n",
    "Usage: qsim emitter [OPTION]...\n"
    "A two-level emitter pumped at a rate: g2(tau) = 1 - exp(-|tau|(r + 1/T1)).\n"
    "\n"
    "      --pump-rate=R       excitation rate r in Hz (default 10M)\n"
    "      --lifetime=T        excited-state lifetime T1 (default 10ns)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n",
    "Usage: qsim ghost [OPTION]...\n"
    "Heralded ghost imaging: the idler crosses the object to a bucket detector\n"
    "(channel 1); the signal lands on a SPAD array (channel 2, pixel x/y).\n"
    "\n"
    "  -r, --rate=R            pair rate in Hz (default 100k)\n"
    "      --size=WxH          array and object size in pixels (default 32x32)\n"
    "      --object=NAME|FILE  usaf, discs, letters[:TEXT] or a PGM/PFM file (usaf)\n"
    "      --blur=S            sd of the signal pixel around the idler's (0)\n"
    "      --beam=S            Gaussian pump profile sd in pixels (default flat)\n"
    "      --pixel-eff-sd=S    relative sd of the pixel efficiencies (0)\n"
    "      --hot-pixels=N      N pixels with the hot dark rate (0)\n"
    "      --hot-rate=R        dark rate of a hot pixel in Hz (10k)\n"
    "      --crosstalk=P       probability that a click fires a neighbour (0)\n",
    "Usage: qsim spi [OPTION]...\n"
    "Single-pixel imaging: patterns shown in turn, a marker (channel 0, value =\n"
    "measurement index) at the start of each, the bucket's photons on channel 1.\n"
    "\n"
    "      --size=N|WxH        pattern and object size (default 32)\n"
    "      --object=NAME|FILE  usaf, discs, letters[:TEXT] or a PGM/PFM file (usaf)\n"
    "      --patterns=KIND     hadamard (default, split: 2k = P+, 2k+1 = P-),\n"
    "                          random, or a file of patterns (a PGM stack, as\n"
    "                          qrecon patterns writes, or one tall image)\n"
    "      --order=NAME        natural, zigzag, cake, rd, walsh, random (natural)\n"
    "      --pattern-seed=N    seed of random patterns and the random order (1)\n"
    "      --fill=P            share of pixels on in random patterns (0.5)\n"
    "      --count=N           use the first N patterns (default all)\n"
    "      --sampling=P        use the first P x npixels patterns (0 to 1)\n"
    "      --exposure=T        time per measurement (default 1ms)\n"
    "      --flux=R            photons/s on the object, every pixel lit (1M)\n"
    "  The duration defaults to one pass over the measurements.\n",
};

enum {
    O_RESOLUTION = CLI_OPT_FIRST_TOOL_OPTION, O_TEXT, O_DET, O_TAGGER, O_TRUTH, O_TRUTH_WINDOW,
    O_REP, O_PULSE, O_PAIRS, O_SYNC, O_COHERENCE, O_MODEL, O_SPLIT, O_PUMP, O_LIFETIME, O_SIZE,
    O_OBJECT, O_BLUR, O_BEAM, O_PIXEL_EFF_SD, O_HOT_PIXELS, O_HOT_RATE, O_CROSSTALK, O_PATTERNS,
    O_ORDER, O_PATTERN_SEED, O_FILL, O_COUNT, O_SAMPLING, O_EXPOSURE, O_FLUX,
};

#define S_(x) (1u << (x))
#define S_ALL 0x3Fu
#define S_HBT (S_(QEV_SIM_THERMAL) | S_(QEV_SIM_COHERENT) | S_(QEV_SIM_EMITTER))
#define S_IMG (S_(QEV_SIM_GHOST) | S_(QEV_SIM_SPI))

/* Which setups take each option. */
static const struct {
    int opt;
    unsigned setups;
} option_setups[] = {
    {'r', S_ALL & ~S_(QEV_SIM_EMITTER) & ~S_(QEV_SIM_SPI)},
    {O_REP, S_(QEV_SIM_SPDC)},       {O_PULSE, S_(QEV_SIM_SPDC)},
    {O_PAIRS, S_(QEV_SIM_SPDC)},     {O_SYNC, S_(QEV_SIM_SPDC)},
    {O_COHERENCE, S_(QEV_SIM_THERMAL)}, {O_MODEL, S_(QEV_SIM_THERMAL)},
    {O_SPLIT, S_HBT},                {O_PUMP, S_(QEV_SIM_EMITTER)},
    {O_LIFETIME, S_(QEV_SIM_EMITTER)}, {O_SIZE, S_IMG},
    {O_OBJECT, S_IMG},               {O_BLUR, S_(QEV_SIM_GHOST)},
    {O_BEAM, S_(QEV_SIM_GHOST)},     {O_PIXEL_EFF_SD, S_(QEV_SIM_GHOST)},
    {O_HOT_PIXELS, S_(QEV_SIM_GHOST)}, {O_HOT_RATE, S_(QEV_SIM_GHOST)},
    {O_CROSSTALK, S_(QEV_SIM_GHOST)}, {O_PATTERNS, S_(QEV_SIM_SPI)},
    {O_ORDER, S_(QEV_SIM_SPI)},      {O_PATTERN_SEED, S_(QEV_SIM_SPI)},
    {O_FILL, S_(QEV_SIM_SPI)},       {O_COUNT, S_(QEV_SIM_SPI)},
    {O_SAMPLING, S_(QEV_SIM_SPI)},   {O_EXPOSURE, S_(QEV_SIM_SPI)},
    {O_FLUX, S_(QEV_SIM_SPI)},
};

static const struct option phys_longopts[] = {
    {"rate", required_argument, NULL, 'r'},
    {"duration", required_argument, NULL, 'd'},
    {"events", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"output", required_argument, NULL, 'o'},
    {"level", required_argument, NULL, 'l'},
    {"text", no_argument, NULL, O_TEXT},
    {"resolution", required_argument, NULL, O_RESOLUTION},
    {"det", required_argument, NULL, O_DET},
    {"tagger", required_argument, NULL, O_TAGGER},
    {"truth", required_argument, NULL, O_TRUTH},
    {"truth-window", required_argument, NULL, O_TRUTH_WINDOW},
    {"rep-rate", required_argument, NULL, O_REP},
    {"pulse-width", required_argument, NULL, O_PULSE},
    {"pairs", required_argument, NULL, O_PAIRS},
    {"sync", no_argument, NULL, O_SYNC},
    {"coherence-time", required_argument, NULL, O_COHERENCE},
    {"model", required_argument, NULL, O_MODEL},
    {"split", required_argument, NULL, O_SPLIT},
    {"pump-rate", required_argument, NULL, O_PUMP},
    {"lifetime", required_argument, NULL, O_LIFETIME},
    {"size", required_argument, NULL, O_SIZE},
    {"object", required_argument, NULL, O_OBJECT},
    {"blur", required_argument, NULL, O_BLUR},
    {"beam", required_argument, NULL, O_BEAM},
    {"pixel-eff-sd", required_argument, NULL, O_PIXEL_EFF_SD},
    {"hot-pixels", required_argument, NULL, O_HOT_PIXELS},
    {"hot-rate", required_argument, NULL, O_HOT_RATE},
    {"crosstalk", required_argument, NULL, O_CROSSTALK},
    {"patterns", required_argument, NULL, O_PATTERNS},
    {"order", required_argument, NULL, O_ORDER},
    {"pattern-seed", required_argument, NULL, O_PATTERN_SEED},
    {"fill", required_argument, NULL, O_FILL},
    {"count", required_argument, NULL, O_COUNT},
    {"sampling", required_argument, NULL, O_SAMPLING},
    {"exposure", required_argument, NULL, O_EXPOSURE},
    {"flux", required_argument, NULL, O_FLUX},
    CLI_COMMON_LONGOPTS,
    {NULL, 0, NULL, 0},
};

struct phys_opts {
    qev_sim_config c;
    const char *setup_name;
    char usage[4096];
    uint64_t events;
    int has_events, has_duration, has_size, text, level, has_count;
    const char *output, *truth, *object, *patterns;
    int64_t truth_window;
    enum qev_order order;
    uint64_t pattern_seed, count;
    double fill, sampling;
    float *object_pixels, *pattern_pixels;
    uint64_t file_patterns;
    qev_spi spi;
};

static const char *option_name(int opt)
{
    for (const struct option *o = phys_longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

static void check_option_applies(int opt, const struct phys_opts *o)
{
    for (size_t i = 0; i < sizeof option_setups / sizeof *option_setups; i++)
        if (option_setups[i].opt == opt && !(option_setups[i].setups >> o->c.setup & 1))
            cli_usage_error("--%s does not apply to the %s setup", option_name(opt), o->setup_name);
}

/* ---- --det and --tagger ---- */

static double prob_value(const char *what, const char *v)
{
    return cli_real(what, v, NULL, 0, 1);
}

static double time_value(const char *what, const char *v, int64_t min)
{
    int64_t t = cli_time(what, v);
    if (t < min)
        cli_usage_error("%s: '%s' must not be %s", what, v, min == 0 ? "negative" : "so small");
    return (double)t;
}

static void set_detector_key(qev_sim_detector *d, const char *key, const char *v)
{
    char what[64];
    snprintf(what, sizeof what, "--det %s", key);
    if (strcmp(key, "eff") == 0)
        d->eff = prob_value(what, v);
    else if (strcmp(key, "dark") == 0)
        d->dark_hz = cli_real(what, v, "Hz cps /s", 0, 1e12);
    else if (strcmp(key, "jitter") == 0)
        d->jitter_ps = time_value(what, v, 0);
    else if (strcmp(key, "tail") == 0)
        d->tail_ps = time_value(what, v, 0);
    else if (strcmp(key, "tailfrac") == 0)
        d->tail_frac = prob_value(what, v);
    else if (strcmp(key, "dead") == 0)
        d->dead_ps = (int64_t)time_value(what, v, 0);
    else if (strcmp(key, "ap") == 0)
        d->ap_prob = cli_real(what, v, NULL, 0, 0.999);
    else if (strcmp(key, "apdelay") == 0)
        d->ap_delay_ps = time_value(what, v, 1);
    else if (strcmp(key, "apwidth") == 0)
        d->ap_width_ps = time_value(what, v, 0);
    else if (strcmp(key, "delay") == 0)
        d->delay_ps = cli_time(what, v);
    else if (strcmp(key, "tagger") == 0)
        d->tagger = (int)cli_int(what, v, 1, QEV_SIM_TAGGERS);
    else
        cli_usage_error("--det: unknown key '%s' (eff, dark, jitter, tail, tailfrac, dead, ap, "
                        "apdelay, apwidth, delay, tagger)", key);
}

static void set_tagger_key(qev_sim_tagger *t, const char *key, const char *v)
{
    char what[64];
    snprintf(what, sizeof what, "--tagger %s", key);
    if (strcmp(key, "res") == 0)
        t->res_ps = (int64_t)time_value(what, v, 1);
    else if (strcmp(key, "offset") == 0)
        t->offset_ps = cli_time(what, v);
    else if (strcmp(key, "drift") == 0)
        t->drift_ppm = cli_real(what, v, "ppm", -1e4, 1e4);
    else
        cli_usage_error("--tagger: unknown key '%s' (res, offset, drift)", key);
}

/* "TARGET:key=value,key=value": calls set(target, key, value) for each. */
static void parse_keyed(const char *opt, const char *arg, void (*set)(void *, const char *, const char *),
                        void *target)
{
    char *copy = strdup(strchr(arg, ':') + 1), *save = NULL;
    if (!copy)
        cli_die(NULL, "out of memory");
    int any = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1])
            cli_usage_error("%s: '%s' is not KEY=VALUE", opt, tok);
        *eq = '\0';
        set(target, tok, eq + 1);
        any = 1;
    }
    free(copy);
    if (!any)
        cli_usage_error("%s: '%s' sets nothing", opt, arg);
}

struct det_target {
    struct phys_opts *o;
    int ch; /* -1: every channel */
};

static void det_set(void *target, const char *key, const char *v)
{
    struct det_target *t = target;
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (t->ch < 0 || t->ch == ch)
            set_detector_key(&t->o->c.det[ch], key, v);
}

static void tagger_set(void *target, const char *key, const char *v)
{
    set_tagger_key(target, key, v);
}

static void parse_det(struct phys_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (!colon)
        cli_usage_error("--det: '%s' is not CH:KEY=VALUE,...", arg);
    char ch[16];
    snprintf(ch, sizeof ch, "%.*s", (int)(colon - arg < 15 ? colon - arg : 15), arg);
    struct det_target t = {o, -1};
    if (strcmp(ch, "all") != 0) {
        t.ch = (int)cli_int("--det channel", ch, 1, QEV_SIM_CHANNELS - 1);
        if (!(qev_sim_channels(o->c.setup) >> t.ch & 1))
            cli_usage_error("--det: the %s setup has no detector on channel %d", o->setup_name, t.ch);
    }
    parse_keyed("--det", arg, det_set, &t);
}

static void parse_tagger(struct phys_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (!colon)
        cli_usage_error("--tagger: '%s' is not N:KEY=VALUE,...", arg);
    char n[16];
    snprintf(n, sizeof n, "%.*s", (int)(colon - arg < 15 ? colon - arg : 15), arg);
    long t = cli_int("--tagger", n, 1, QEV_SIM_TAGGERS);
    parse_keyed("--tagger", arg, tagger_set, &o->c.tagger[t]);
}

/* ---- setup options ---- */

static void parse_size(struct phys_opts *o, const char *arg)
{
    unsigned long w, h;
    char *end;
    errno = 0;
    w = strtoul(arg, &end, 10);
    h = w;
    if (*end == 'x') {
        const char *p = end + 1;
        h = strtoul(p, &end, 10);
        if (end == p)
            end = (char *)"?";
    }
    if (end == arg || *end || errno || w < 1 || h < 1 || w > 4096 || h > 4096 ||
        (o->c.setup == QEV_SIM_GHOST && w * h > QEV_SIM_MAX_PIXELS))
        cli_usage_error("--size: '%s' is not N or WxH with sides from 1 to 4096", arg);
    o->c.width = (uint32_t)w;
    o->c.height = (uint32_t)h;
    o->has_size = 1;
}

static void parse_choice(const char *opt, const char *arg, const char *a, const char *b, int *out)
{
    if (strcmp(arg, a) == 0)
        *out = 0;
    else if (strcmp(arg, b) == 0)
        *out = 1;
    else
        cli_usage_error("%s: '%s' is neither %s nor %s", opt, arg, a, b);
}

static void source_option(struct phys_opts *o, int c, const char *arg)
{
    qev_sim_config *k = &o->c;
    int choice;
    switch (c) {
    case 'r': k->rate_hz = cli_real("--rate", arg, "Hz cps /s", 1e-6, 1e11); break;
    case O_REP: k->rep_hz = cli_real("--rep-rate", arg, "Hz", 1, 1e11); break;
    case O_PULSE: k->pulse_fwhm_ps = (int64_t)time_value("--pulse-width", arg, 0); break;
    case O_PAIRS:
        parse_choice("--pairs", arg, "poisson", "thermal", &choice);
        k->pair_stats = choice ? QEV_SIM_THERMAL_STATS : QEV_SIM_POISSON;
        break;
    case O_SYNC: k->sync = 1; break;
    case O_COHERENCE: k->coherence_ps = (int64_t)time_value("--coherence-time", arg, 1); break;
    case O_MODEL:
        parse_choice("--model", arg, "shot", "jump", &choice);
        k->thermal_model = choice ? QEV_SIM_JUMP : QEV_SIM_SHOT;
        break;
    case O_SPLIT: k->split = prob_value("--split", arg); break;
    case O_PUMP: k->pump_hz = cli_real("--pump-rate", arg, "Hz", 1, 1e13); break;
    case O_LIFETIME: k->lifetime_ps = (int64_t)time_value("--lifetime", arg, 1); break;
    default: break;
    }
}

static void imaging_option(struct phys_opts *o, int c, const char *arg)
{
    qev_sim_config *k = &o->c;
    switch (c) {
    case O_SIZE: parse_size(o, arg); break;
    case O_OBJECT: o->object = arg; break;
    case O_BLUR: k->blur_px = cli_real("--blur", arg, "px", 0, 1000); break;
    case O_BEAM: k->beam_px = cli_real("--beam", arg, "px", 0, 1e5); break;
    case O_PIXEL_EFF_SD: k->pixel_eff_sd = cli_real("--pixel-eff-sd", arg, NULL, 0, 10); break;
    case O_HOT_PIXELS: k->hot_pixels = (uint32_t)cli_int("--hot-pixels", arg, 0, QEV_SIM_MAX_PIXELS); break;
    case O_HOT_RATE: k->hot_hz = cli_real("--hot-rate", arg, "Hz cps /s", 0, 1e12); break;
    case O_CROSSTALK: k->crosstalk = prob_value("--crosstalk", arg); break;
    case O_PATTERNS: o->patterns = arg; break;
    case O_ORDER:
        if (qev_order_parse(arg, &o->order) != QEV_OK)
            cli_usage_error("--order: unknown order '%s' (natural, zigzag, cake, rd, walsh, random)", arg);
        break;
    case O_PATTERN_SEED: o->pattern_seed = cli_count("--pattern-seed", arg); break;
    case O_FILL: o->fill = prob_value("--fill", arg); break;
    case O_COUNT: o->count = cli_count("--count", arg); o->has_count = 1; break;
    case O_SAMPLING: o->sampling = cli_real("--sampling", arg, NULL, 0, 1); break;
    case O_EXPOSURE: k->exposure_ps = (int64_t)time_value("--exposure", arg, 1); break;
    case O_FLUX: k->flux_hz = cli_real("--flux", arg, "Hz cps /s", 0, 1e11); break;
    default: source_option(o, c, arg);
    }
}

static void phys_defaults(struct phys_opts *o, enum qev_sim_setup setup)
{
    memset(o, 0, sizeof *o);
    qev_sim_config_default(&o->c, setup);
    o->setup_name = setup_names[setup];
    o->c.rate_hz = setup == QEV_SIM_SPDC || setup == QEV_SIM_GHOST ? 1e5 : 1e6;
    o->object = "usaf";
    o->patterns = "hadamard";
    o->pattern_seed = 1;
    o->fill = 0.5;
    o->truth_window = 1000;
    snprintf(o->usage, sizeof o->usage, "%s\n%s", setup_help[setup], detector_help);
}

static void common_option(struct phys_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'd':
        o->c.duration_ps = cli_time("--duration", arg);
        if (o->c.duration_ps < 0 || o->c.duration_ps > INT64_MAX / 4)
            cli_usage_error("--duration: '%s' is out of range (0 to %lld ps)", arg,
                            (long long)(INT64_MAX / 4));
        o->has_duration = 1;
        break;
    case 'n': o->events = cli_count("--events", arg); o->has_events = 1; break;
    case 's': o->c.seed = cli_count("--seed", arg); break;
    case 'o': o->output = arg; break;
    case 'l': o->level = (int)cli_int("--level", arg, -7, 22); break;
    case O_TEXT: o->text = 1; break;
    case O_RESOLUTION: o->c.tagger[1].res_ps = (int64_t)time_value("--resolution", arg, 1); break;
    case O_DET: parse_det(o, arg); break;
    case O_TAGGER: parse_tagger(o, arg); break;
    case O_TRUTH: o->truth = arg; break;
    case O_TRUTH_WINDOW: o->truth_window = (int64_t)time_value("--truth-window", arg, 1); break;
    default: imaging_option(o, c, arg);
    }
}

static void parse_phys(int argc, char **argv, struct phys_opts *o)
{
    int c;
    while ((c = getopt_long(argc, argv, "r:d:n:s:o:l:hV", phys_longopts, NULL)) != -1) {
        if (c == 'h' || c == 'V' || c == '?' || c == CLI_OPT_NO_PROVENANCE) {
            cli_common_option(c, o->usage);
            continue;
        }
        check_option_applies(c, o);
        common_option(o, c, optarg);
    }
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (o->has_events && !o->has_duration)
        o->c.duration_ps = INT64_MAX / 4;
    if (o->c.setup == QEV_SIM_SPI && o->has_count && o->sampling > 0)
        cli_usage_error("--count and --sampling exclude each other");
}

/* ---- objects and patterns ---- */

/* An image file as transmissions: integer samples over their full scale,
 * floating-point samples as they are; each must lie in [0, 1]. */
static void read_transmissions(const char *path, const char *what, qev_image *im)
{
    char why[256];
    int rc = qev_image_read(path, NULL, im, why, sizeof why);
    if (rc == QEV_ENOMEM)
        cli_die(path, "out of memory");
    if (rc != QEV_OK)
        cli_die(path, "%s", why);
    size_t n = im->width * im->height;
    for (size_t i = 0; i < n; i++) {
        double v = im->maxval ? im->px[i] / im->maxval : im->px[i];
        if (!(v >= 0 && v <= 1))
            cli_die(path, "%s value %g at x %zu, y %zu is outside [0, 1]", what, im->px[i],
                    i % im->width, i / im->width);
        im->px[i] = v;
    }
}

/* Nearest-neighbour resampling of the file's object onto the grid. */
static void object_from_file(struct phys_opts *o, float *px)
{
    qev_image im;
    read_transmissions(o->object, "transmission", &im);
    if (!o->has_size) {
        if (im.width > 65535 || im.height > 65535 ||
            im.width * im.height > (o->c.setup == QEV_SIM_GHOST ? QEV_SIM_MAX_PIXELS : 4096u * 4096u))
            cli_die(o->object, "a %zux%zu object is too large; give --size", im.width, im.height);
        o->c.width = (uint32_t)im.width;
        o->c.height = (uint32_t)im.height;
        px = realloc(px, im.width * im.height * sizeof *px);
        if (!px)
            cli_die(NULL, "out of memory");
        o->object_pixels = px;
    }
    uint32_t w = o->c.width, h = o->c.height;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            px[(size_t)y * w + x] =
                (float)qev_image_at(&im, (size_t)x * im.width / w, (size_t)y * im.height / h);
    qev_image_free(&im);
}

static int all_dark(const float *px, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (px[i] > 0)
            return 0;
    return 1;
}

static void load_object(struct phys_opts *o)
{
    size_t n = (size_t)o->c.width * o->c.height;
    o->object_pixels = malloc(n * sizeof *o->object_pixels);
    if (!o->object_pixels)
        cli_die(NULL, "out of memory");
    if (qev_phantom_known(o->object)) {
        qev_phantom(o->object, o->c.width, o->c.height, o->object_pixels);
        if (all_dark(o->object_pixels, n))
            cli_usage_error("--object: %s has no lit pixel at %ux%u; give a larger --size or "
                            "another object", o->object, o->c.width, o->c.height);
    } else if (strchr(o->object, '/') || strchr(o->object, '.'))
        object_from_file(o, o->object_pixels);
    else
        cli_usage_error("--object: '%s' is neither a built-in object (usaf, discs, letters, "
                        "letters:TEXT) nor a file name", o->object);
}

/* Patterns from a file as qrecon reads and writes them: a stack of PGM frames, one
 * image holding the frames top to bottom, or raw bytes. */
static void patterns_from_file(struct phys_opts *o)
{
    size_t w = o->c.width, h = o->c.height, frames;
    char why[256];
    int rc = qev_patterns_read(o->patterns, &w, &h, &o->pattern_pixels, &frames,
                               (size_t)1 << 31, why, sizeof why);
    if (rc != QEV_OK)
        cli_die(o->patterns, "%s", why);
    o->file_patterns = frames;
}

static uint64_t pattern_count(struct phys_opts *o, uint64_t npix)
{
    uint64_t k = npix;
    if (o->has_count)
        k = o->count;
    else if (o->sampling > 0)
        k = (uint64_t)ceil(o->sampling * (double)npix);
    if (o->file_patterns)
        k = o->has_count || o->sampling > 0 ? k : o->file_patterns;
    if (k < 1 || (k > npix && strcmp(o->patterns, "hadamard") == 0) ||
        (o->file_patterns && k > o->file_patterns))
        cli_usage_error("--count/--sampling: %llu patterns of %llu", (unsigned long long)k,
                        (unsigned long long)npix);
    return k;
}

static void setup_spi(struct phys_opts *o)
{
    qev_sim_config *c = &o->c;
    uint64_t npix = (uint64_t)c->width * c->height;
    enum qev_spi_kind kind;
    if (strcmp(o->patterns, "hadamard") == 0) {
        kind = QEV_SPI_HADAMARD;
        if (c->width != c->height || !qev_hadamard_size_valid(c->width))
            cli_usage_error("--size: Hadamard patterns need a square power of two, not %ux%u",
                            c->width, c->height);
    } else if (strcmp(o->patterns, "random") == 0) {
        kind = QEV_SPI_RANDOM;
    } else {
        kind = QEV_SPI_FILE;
        patterns_from_file(o);
    }
    uint64_t k = pattern_count(o, npix);
    int rc = qev_spi_init(&o->spi, kind, c->width, c->height, o->object_pixels, k, (int)o->order,
                          o->pattern_seed, o->fill, o->pattern_pixels);
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_usage_error("invalid patterns for a %ux%u object", c->width, c->height);
    c->measurements = o->spi.measurements;
    c->level = qev_spi_level;
    c->level_ctx = &o->spi;
    if (!o->has_duration && !o->has_events) {
        if (c->measurements > (uint64_t)(INT64_MAX / 4 / c->exposure_ps))
            cli_usage_error("the measurements last longer than the largest duration");
        c->duration_ps = (int64_t)c->measurements * c->exposure_ps;
    }
}

static void prepare_setup(struct phys_opts *o)
{
    qev_sim_config *c = &o->c;
    if (c->setup == QEV_SIM_SPI && !o->has_size)
        c->width = c->height = 32;
    if (c->setup == QEV_SIM_GHOST || c->setup == QEV_SIM_SPI) {
        load_object(o);
        c->object = o->object_pixels;
    }
    if (c->setup == QEV_SIM_SPI)
        setup_spi(o);
}

/* ---- metadata ---- */

static const char *channel_role(enum qev_sim_setup setup, int ch)
{
    static const char *const roles[][3] = {
        {"sync", "signal", "idler"},       {"", "transmitted", "reflected"},
        {"", "transmitted", "reflected"},  {"", "transmitted", "reflected"},
        {"", "bucket", "spad_array"},      {"pattern_marker", "bucket", ""},
    };
    return ch < 3 ? roles[setup][ch] : "";
}

static void meta_detectors(qev_meta *m, const qev_sim_config *c)
{
    unsigned used = qev_sim_channels(c->setup);
    for (int ch = 0; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1) && !(ch == 0 && c->setup == QEV_SIM_SPDC && c->sync))
            continue;
        char key[48];
        snprintf(key, sizeof key, "channel_role.%d", ch);
        qev_meta_set(m, key, channel_role(c->setup, ch));
        if (ch == 0)
            continue;
        const qev_sim_detector *d = &c->det[ch];
#define DET(name, fmt, value)                                                                      \
    do {                                                                                           \
        snprintf(key, sizeof key, "det_" name ".%d", ch);                                          \
        qev_meta_setf(m, key, fmt, value);                                                         \
    } while (0)
        DET("eff", "%.17g", d->eff);
        DET("dark_hz", "%.17g", d->dark_hz);
        DET("jitter_ps", "%.17g", d->jitter_ps);
        DET("tail_ps", "%.17g", d->tail_ps);
        DET("tail_frac", "%.17g", d->tail_frac);
        DET("dead_ps", "%lld", (long long)d->dead_ps);
        DET("afterpulse", "%.17g", d->ap_prob);
        DET("afterpulse_delay_ps", "%.17g", d->ap_delay_ps);
        DET("afterpulse_width_ps", "%.17g", d->ap_width_ps);
        DET("delay_ps", "%lld", (long long)d->delay_ps);
        DET("tagger", "%d", d->tagger);
#undef DET
    }
}

static void meta_taggers(qev_meta *m, const qev_sim_config *c)
{
    for (int t = 1; t <= QEV_SIM_TAGGERS; t++) {
        int used = t == 1;
        for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
            used |= (qev_sim_channels(c->setup) >> ch & 1) && c->det[ch].tagger == t;
        if (!used)
            continue;
        char key[48];
        snprintf(key, sizeof key, "tagger_resolution_ps.%d", t);
        qev_meta_setf(m, key, "%lld", (long long)c->tagger[t].res_ps);
        snprintf(key, sizeof key, "tagger_offset_ps.%d", t);
        qev_meta_setf(m, key, "%lld", (long long)c->tagger[t].offset_ps);
        snprintf(key, sizeof key, "tagger_drift_ppm.%d", t);
        qev_meta_setf(m, key, "%.17g", c->tagger[t].drift_ppm);
    }
}

static void meta_source(qev_meta *m, const struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    switch (c->setup) {
    case QEV_SIM_SPDC:
        qev_meta_setf(m, "pair_rate_hz", "%.17g", c->rate_hz);
        if (c->rep_hz > 0) {
            qev_meta_setf(m, "rep_rate_hz", "%.17g", c->rep_hz);
            qev_meta_setf(m, "pulse_fwhm_ps", "%lld", (long long)c->pulse_fwhm_ps);
            qev_meta_set(m, "pair_statistics", c->pair_stats == QEV_SIM_THERMAL_STATS ? "thermal" : "poisson");
        }
        break;
    case QEV_SIM_THERMAL:
        qev_meta_setf(m, "coherence_time_ps", "%lld", (long long)c->coherence_ps);
        qev_meta_set(m, "thermal_model", c->thermal_model == QEV_SIM_JUMP ? "jump" : "shot");
        /* fall through */
    case QEV_SIM_COHERENT:
        qev_meta_setf(m, "photon_rate_hz", "%.17g", c->rate_hz);
        qev_meta_setf(m, "split", "%.17g", c->split);
        break;
    case QEV_SIM_EMITTER:
        qev_meta_setf(m, "pump_rate_hz", "%.17g", c->pump_hz);
        qev_meta_setf(m, "lifetime_ps", "%lld", (long long)c->lifetime_ps);
        qev_meta_setf(m, "split", "%.17g", c->split);
        break;
    case QEV_SIM_GHOST:
        qev_meta_set(m, "fields", "pixel");
        qev_meta_setf(m, "pair_rate_hz", "%.17g", c->rate_hz);
        qev_meta_setf(m, "blur_px", "%.17g", c->blur_px);
        qev_meta_setf(m, "beam_px", "%.17g", c->beam_px);
        break;
    case QEV_SIM_SPI:
        qev_meta_set(m, "fields", "value");
        qev_meta_set(m, "patterns", o->patterns);
        if (strcmp(o->patterns, "hadamard") == 0) {
            qev_meta_set(m, "pattern_order", qev_order_name(o->order));
            qev_meta_set(m, "pattern_split", "2k positive, 2k+1 negative");
        } else {
            qev_meta_setf(m, "pattern_fill", "%.17g", o->fill);
        }
        qev_meta_setf(m, "pattern_seed", "%llu", (unsigned long long)o->pattern_seed);
        qev_meta_setf(m, "pattern_count", "%llu", (unsigned long long)o->spi.patterns);
        qev_meta_setf(m, "measurements", "%llu", (unsigned long long)c->measurements);
        qev_meta_setf(m, "exposure_ps", "%lld", (long long)c->exposure_ps);
        qev_meta_setf(m, "flux_hz", "%.17g", c->flux_hz);
        break;
    }
    if (c->setup == QEV_SIM_GHOST || c->setup == QEV_SIM_SPI) {
        qev_meta_setf(m, "image_width", "%u", c->width);
        qev_meta_setf(m, "image_height", "%u", c->height);
        qev_meta_set(m, "object", o->object);
    }
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Every recorded time is a multiple of the quanta of the taggers in use. */
static int64_t common_quantum(const qev_sim_config *c)
{
    int64_t q = 0;
    unsigned used = qev_sim_channels(c->setup);
    if (used & 1 || (c->setup == QEV_SIM_SPDC && c->sync))
        q = c->tagger[1].res_ps;
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (used >> ch & 1)
            q = gcd64(c->tagger[c->det[ch].tagger].res_ps, q);
    return q;
}

static qev_meta *phys_meta(const struct phys_opts *o)
{
    qev_meta *m = qev_meta_new();
    if (!m)
        cli_die(NULL, "out of memory");
    char source[32];
    snprintf(source, sizeof source, "qsim %s", o->setup_name);
    qev_meta_set(m, "source", source);
    qev_meta_setf(m, "resolution_ps", "%lld", (long long)common_quantum(&o->c));
    qev_meta_setf(m, "seed", "%llu", (unsigned long long)o->c.seed);
    if (o->c.duration_ps != INT64_MAX / 4)
        qev_meta_setf(m, "duration_ps", "%lld", (long long)o->c.duration_ps);
    meta_source(m, o);
    meta_detectors(m, &o->c);
    meta_taggers(m, &o->c);
    return m;
}

/* ---- the ground truth ---- */

/* A path beside the truth file: its name without ".json", plus ext. */
static char *beside(const char *truth, const char *ext)
{
    size_t n = strlen(truth);
    if (n > 5 && strcmp(truth + n - 5, ".json") == 0)
        n -= 5;
    char *p = malloc(n + strlen(ext) + 1);
    if (!p)
        cli_die(NULL, "out of memory");
    memcpy(p, truth, n);
    strcpy(p + n, ext);
    return p;
}

/* The object as PFM (the transmissions) and 16-bit PGM (1 = 65535). */
static void write_object(const char *pfm, const char *pgm, const float *px, uint32_t w, uint32_t h)
{
    qev_image im;
    char why[256];
    if (qev_image_alloc(&im, w, h, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    for (size_t i = 0; i < (size_t)w * h; i++)
        im.px[i] = px[i];
    qev_image_scale unit = {0, 1};
    if (qev_image_save(pfm, &im, QEV_IMAGE_PFM, 0, unit, why, sizeof why) != QEV_OK)
        cli_die(pfm, "%s", why);
    if (qev_image_save(pgm, &im, QEV_IMAGE_PGM, 16, unit, why, sizeof why) != QEV_OK)
        cli_die(pgm, "%s", why);
    qev_image_free(&im);
}

static void json_channels(FILE *f, const struct phys_opts *o, const qev_sim_truth *t)
{
    unsigned used = qev_sim_channels(o->c.setup);
    int first = 1;
    fputs("  \"channels\": {", f);
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1))
            continue;
        const qev_sim_detector *d = &o->c.det[ch];
        fprintf(f, "%s\n    \"%d\": {\"role\": \"%s\", \"singles_hz\": %.17g, \"recorded_hz\": %.17g, "
                   "\"eff\": %.17g, \"dark_hz\": %.17g, \"jitter_ps\": %.17g, \"dead_ps\": %lld, "
                   "\"delay_ps\": %lld, \"afterpulse\": %.17g, \"tagger\": %d}",
                first ? "" : ",", ch, channel_role(o->c.setup, ch), t->singles_hz[ch], t->recorded_hz[ch],
                d->eff, d->dark_hz, d->jitter_ps, (long long)d->dead_ps, (long long)d->delay_ps,
                d->ap_prob, d->tagger);
        first = 0;
    }
    fputs("\n  },\n", f);
}

static void json_object(FILE *f, const struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    if (c->setup != QEV_SIM_GHOST && c->setup != QEV_SIM_SPI)
        return;
    char *pfm = beside(o->truth, ".pfm"), *pgm = beside(o->truth, ".pgm");
    write_object(pfm, pgm, o->object_pixels, c->width, c->height);
    fputs("  \"object\": {\"name\": ", f);
    report_json_string(f, o->object);
    fprintf(f, ", \"width\": %u, \"height\": %u, \"pfm\": ", c->width, c->height);
    report_json_string(f, pfm);
    fputs(", \"pgm\": ", f);
    report_json_string(f, pgm);
    fputs("},\n", f);
    if (c->setup == QEV_SIM_SPI)
        fprintf(f, "  \"measurements\": %llu, \"exposure_ps\": %lld, \"flux_hz\": %.17g,\n",
                (unsigned long long)c->measurements, (long long)c->exposure_ps, c->flux_hz);
    free(pfm);
    free(pgm);
}

static const char *g2_formula(enum qev_sim_setup setup)
{
    switch (setup) {
    case QEV_SIM_THERMAL: return "1 + exp(-rate |tau|)";
    case QEV_SIM_EMITTER: return "1 - exp(-rate |tau|)";
    case QEV_SIM_COHERENT: return "1";
    case QEV_SIM_SPDC:
    case QEV_SIM_GHOST: return "peak of the pairs: g2_0 = 1 + C / (R1 R2 sqrt(2 pi) peak_sigma)";
    default: return "";
    }
}

static void write_truth(const struct phys_opts *o, const qev_sim *sim)
{
    qev_sim_truth t;
    qev_sim_expected(sim, o->truth_window, &t);
    qev_atomic_file truth;
    FILE *f = cli_side_open(&truth, o->truth);
    fprintf(f, "{\n  \"setup\": \"%s\",\n  \"seed\": %llu,\n  \"duration_ps\": %lld,\n", o->setup_name,
            (unsigned long long)o->c.seed, (long long)o->c.duration_ps);
    json_channels(f, o, &t);
    json_object(f, o);
    fprintf(f, "  \"coincidence_hz\": %.17g,\n  \"window_ps\": %lld,\n  \"accidental_hz\": %.17g,\n"
               "  \"peak_sigma_ps\": %.17g,\n  \"peak_delay_ps\": %lld,\n",
            t.coincidence_hz, (long long)t.window_ps, t.accidental_hz, t.peak_sigma_ps,
            (long long)t.peak_delay_ps);
    fprintf(f, "  \"g2\": {\"g2_0\": %.17g, \"rate_hz\": %.17g, \"formula\": \"%s\"}\n}\n", t.g2_zero,
            t.g2_rate_hz, g2_formula(o->c.setup));
    cli_side_commit(&truth);
}

/* ---- running ---- */

static void run_phys(struct phys_opts *o, struct sink *s, qev_sim *sim)
{
    uint64_t left = o->has_events ? o->events : UINT64_MAX;
    while (left) {
        const qev_event *ev;
        size_t n = qev_sim_next(sim, &ev, left < SIZE_MAX ? (size_t)left : SIZE_MAX);
        if (qev_sim_status(sim) != QEV_OK)
            cli_die(NULL, "%s", qev_sim_error(sim));
        if (n == 0)
            break;
        sink_events(s, ev, n);
        left -= n;
        show_progress(o->has_events ? o->events : UINT64_MAX, left, ev[n - 1].t, o->c.duration_ps);
    }
}

static void main_phys(int argc, char **argv, enum qev_sim_setup setup)
{
    static struct phys_opts o;
    phys_defaults(&o, setup);
    parse_phys(argc, argv, &o);
    prepare_setup(&o);
    qev_sim *sim = qev_sim_new(&o.c);
    if (!sim)
        cli_die(NULL, "out of memory");
    if (qev_sim_status(sim) == QEV_EINVAL)
        cli_usage_error("%s", qev_sim_error(sim));
    if (qev_sim_status(sim) != QEV_OK)
        cli_die(NULL, "%s", qev_sim_error(sim));
    if (o.truth)
        write_truth(&o, sim);
    struct sink *s = sink_open(o.text ? SINK_TEXT : SINK_QEV, o.output, o.level);
    qev_meta *m = phys_meta(&o);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    run_phys(&o, s, sim);
    sink_close(s);
    qev_sim_free(sim);
    qev_spi_free(&o.spi);
    free(o.object_pixels);
    free(o.pattern_pixels);
}

static int setup_index(const char *name)
{
    for (size_t i = 0; i < sizeof setup_names / sizeof *setup_names; i++)
        if (strcmp(name, setup_names[i]) == 0)
            return (int)i;
    return -1;
}

int main(int argc, char **argv)
{
    cli_init("qsim", argc, argv);
    if (argc < 2)
        cli_usage_error("missing the setup to simulate (poisson)");
    if (argv[1][0] == '-') {
        int c;
        static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
        while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1)
            cli_common_option(c, top_usage);
        cli_usage_error("missing the setup to simulate (poisson)");
    }
    int setup = setup_index(argv[1]);
    if (strcmp(argv[1], "poisson") != 0 && setup < 0)
        cli_usage_error("unknown setup '%s' (known: poisson, spdc, thermal, coherent, emitter, "
                        "ghost, spi)", argv[1]);
    static char prog[32];
    snprintf(prog, sizeof prog, "qsim %s", argv[1]);
    argv[1] = prog; /* getopt names the program by argv[0] in its messages */
    if (setup >= 0) {
        main_phys(argc - 1, argv + 1, (enum qev_sim_setup)setup);
        cli_exit(CLI_OK);
    }
    struct poisson_opts o;
    parse_poisson(argc - 1, argv + 1, &o);
    struct sink *s = sink_open(o.text ? SINK_TEXT : SINK_QEV, o.output, o.level);
    qev_meta *m = poisson_meta(&o);
    sink_segment(s, m, NULL);
    qev_meta_free(m);
    run_poisson(&o, s);
    sink_close(s);
    cli_exit(CLI_OK);
}
