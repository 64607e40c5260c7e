/* qsim's detectors and taggers: --det and --tagger, and their help. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsim.h"

const char qsim_detector_help[] =
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
    QSIM_OUTPUT_HELP;

static void set_detector_key(qev_sim_detector *d, const char *key, const char *v)
{
    char what[64];
    snprintf(what, sizeof what, "--det %s", key);
    if (strcmp(key, "eff") == 0)
        d->eff = qsim_probability(what, v);
    else if (strcmp(key, "dark") == 0)
        d->dark_hz = cli_real(what, v, "Hz cps /s", 0, 1e12);
    else if (strcmp(key, "jitter") == 0)
        d->jitter_ps = qsim_time_at_least(what, v, 0);
    else if (strcmp(key, "tail") == 0)
        d->tail_ps = qsim_time_at_least(what, v, 0);
    else if (strcmp(key, "tailfrac") == 0)
        d->tail_frac = qsim_probability(what, v);
    else if (strcmp(key, "dead") == 0)
        d->dead_ps = (int64_t)qsim_time_at_least(what, v, 0);
    else if (strcmp(key, "ap") == 0)
        d->ap_prob = cli_real(what, v, NULL, 0, 0.999);
    else if (strcmp(key, "apdelay") == 0)
        d->ap_delay_ps = qsim_time_at_least(what, v, 1);
    else if (strcmp(key, "apwidth") == 0)
        d->ap_width_ps = qsim_time_at_least(what, v, 0);
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
        t->res_ps = (int64_t)qsim_time_at_least(what, v, 1);
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

/* The text before the colon of "TARGET:...", cut to 15 characters. */
static void keyed_target(const char *arg, const char *colon, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)(colon - arg < 15 ? colon - arg : 15), arg);
}

void qsim_parse_det(struct phys_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (!colon)
        cli_usage_error("--det: '%s' is not CH:KEY=VALUE,...", arg);
    char ch[16];
    keyed_target(arg, colon, ch, sizeof ch);
    struct det_target t = {o, -1};
    if (strcmp(ch, "all") != 0) {
        t.ch = (int)cli_int("--det channel", ch, 1, QEV_SIM_CHANNELS - 1);
        if (!(qev_sim_channels(o->c.setup) >> t.ch & 1))
            cli_usage_error("--det: the %s setup has no detector on channel %d", o->setup->name,
                            t.ch);
    }
    parse_keyed("--det", arg, det_set, &t);
}

void qsim_parse_tagger(struct phys_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (!colon)
        cli_usage_error("--tagger: '%s' is not N:KEY=VALUE,...", arg);
    char n[16];
    keyed_target(arg, colon, n, sizeof n);
    long t = cli_int("--tagger", n, 1, QEV_SIM_TAGGERS);
    parse_keyed("--tagger", arg, tagger_set, &o->c.tagger[t]);
}
