/* qcorr's per-channel settings: --delay, --dark and the delays of --cal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "qcorr.h"

uint16_t qcorr_parse_channel(const char *opt, const char *s, char **end)
{
    long v = strtol(s, end, 10);
    if (*end == s || v < 0 || v > 65535)
        cli_usage_error("%s: '%s' is not a channel number", opt, s);
    return (uint16_t)v;
}

void qcorr_add_delay(struct corr_opts *o, const char *arg)
{
    char *end;
    uint16_t ch = qcorr_parse_channel("--delay", arg, &end);
    if (*end != ':')
        cli_usage_error("--delay: '%s' is not CH:T", arg);
    o->delay[ch] = cli_time("--delay", end + 1);
    o->delay_given[ch] = 1;
}

void qcorr_add_dark(struct corr_opts *o, const char *arg)
{
    char *end;
    uint16_t ch = qcorr_parse_channel("--dark", arg, &end);
    if (*end != ':')
        cli_usage_error("--dark: '%s' is not CH:RATE", arg);
    o->dark[ch] = cli_real("--dark", end + 1, "Hz cps /s", 0, 1e13);
}

void qcorr_load_cal(struct corr_opts *o)
{
    static int64_t delay[65536];
    static uint8_t set[65536];
    FILE *f = fopen(o->cal, "r");
    if (!f)
        cli_die(o->cal, "cannot open: %s", strerror(errno));
    qev_calib *c = qev_calib_new();
    if (!c)
        cli_die(NULL, "out of memory");
    int rc = qev_calib_read(c, f, o->cal);
    fclose(f);
    if (rc != QEV_OK || qev_calib_delays(c, delay, set) < 0)
        cli_die(NULL, "%s", qev_calib_error(c));
    for (size_t ch = 0; ch < 65536; ch++)
        if (set[ch] && !o->delay_given[ch])
            o->delay[ch] = delay[ch];
    o->cal_fingerprint = qev_calib_fingerprint(c);
    qev_calib_free(c);
}

void qcorr_check_cal(const struct corr_opts *o, const qev_reader *r)
{
    int any;
    if (o->cal && qev_calib_applied(qev_reader_meta(r), o->cal_fingerprint, &any))
        cli_die(qev_reader_name(r), "qcal apply applied %s to this stream already; drop --cal",
                o->cal);
}
