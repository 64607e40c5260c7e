/* qsim --truth: the expected rates, and the object, as JSON beside the stream. */
#include <stdlib.h>
#include <string.h>

#include "cli_side.h"
#include "cli_image.h"
#include "qsim.h"
#include "report.h"

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
    cli_image_alloc(&im, w, h, NULL);
    for (size_t i = 0; i < (size_t)w * h; i++)
        im.px[i] = px[i];
    qev_image_scale unit = {0, 1};
    cli_image_save(pfm, &im, QEV_IMAGE_PFM, 0, unit);
    cli_image_save(pgm, &im, QEV_IMAGE_PGM, 16, unit);
    qev_image_free(&im);
}

/* Each channel in use on a line of its own. */
static void json_channels(struct report_json *j, const struct phys_opts *o, const qev_sim_truth *t)
{
    unsigned used = qev_sim_channels(o->c.setup);
    report_json_newline(j, 2);
    report_json_object(j, "channels");
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1))
            continue;
        const qev_sim_detector *d = &o->c.det[ch];
        char key[8];
        snprintf(key, sizeof key, "%d", ch);
        report_json_newline(j, 4);
        report_json_object(j, key);
        report_json_put_string(j, "role", qev_sim_channel_role(o->c.setup, ch));
        report_json_put(j, "singles_hz", "%.17g", t->singles_hz[ch]);
        report_json_put(j, "recorded_hz", "%.17g", t->recorded_hz[ch]);
        report_json_put(j, "eff", "%.17g", d->eff);
        report_json_put(j, "dark_hz", "%.17g", d->dark_hz);
        report_json_put(j, "jitter_ps", "%.17g", d->jitter_ps);
        report_json_put(j, "dead_ps", "%lld", (long long)d->dead_ps);
        report_json_put(j, "delay_ps", "%lld", (long long)d->delay_ps);
        report_json_put(j, "afterpulse", "%.17g", d->ap_prob);
        report_json_put(j, "tagger", "%d", d->tagger);
        report_json_end(j);
    }
    report_json_newline(j, 2);
    report_json_end(j);
}

/* The object of ghost and spi, written beside the truth, and spi's measurements. */
static void json_object(struct report_json *j, const struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    if (c->setup != QEV_SIM_GHOST && c->setup != QEV_SIM_SPI)
        return;
    char *pfm = beside(o->truth, ".pfm"), *pgm = beside(o->truth, ".pgm");
    write_object(pfm, pgm, o->object_pixels, c->width, c->height);
    report_json_newline(j, 2);
    report_json_object(j, "object");
    report_json_put_string(j, "name", o->object);
    report_json_put(j, "width", "%u", c->width);
    report_json_put(j, "height", "%u", c->height);
    report_json_put_string(j, "pfm", pfm);
    report_json_put_string(j, "pgm", pgm);
    report_json_end(j);
    if (c->setup == QEV_SIM_SPI) {
        report_json_newline(j, 2);
        report_json_put(j, "measurements", "%llu", (unsigned long long)c->measurements);
        report_json_put(j, "exposure_ps", "%lld", (long long)c->exposure_ps);
        report_json_put(j, "flux_hz", "%.17g", c->flux_hz);
    }
    free(pfm);
    free(pgm);
}

/* A rate or a time of the truth on a line of its own, to its last digit. */
static void json_line_real(struct report_json *j, const char *key, double v)
{
    report_json_newline(j, 2);
    report_json_put(j, key, "%.17g", v);
}

static void json_expected(struct report_json *j, const struct phys_opts *o, const qev_sim_truth *t)
{
    json_line_real(j, "coincidence_hz", t->coincidence_hz);
    report_json_newline(j, 2);
    report_json_put(j, "window_ps", "%lld", (long long)t->window_ps);
    json_line_real(j, "accidental_hz", t->accidental_hz);
    json_line_real(j, "peak_sigma_ps", t->peak_sigma_ps);
    report_json_newline(j, 2);
    report_json_put(j, "peak_delay_ps", "%lld", (long long)t->peak_delay_ps);
    report_json_newline(j, 2);
    report_json_object(j, "g2");
    report_json_put(j, "g2_0", "%.17g", t->g2_zero);
    report_json_put(j, "rate_hz", "%.17g", t->g2_rate_hz);
    report_json_put_string(j, "formula", qev_sim_g2_formula(o->c.setup));
    report_json_end(j);
}

void qsim_write_truth(const struct phys_opts *o, const qev_sim *sim)
{
    qev_sim_truth t;
    qev_sim_expected(sim, o->truth_window, &t);
    qev_atomic_file truth;
    struct report_json j;
    report_json_begin(&j, cli_side_open(&truth, o->truth), 1);
    report_json_object(&j, NULL);
    report_json_newline(&j, 2);
    report_json_put_string(&j, "setup", o->setup->name);
    report_json_newline(&j, 2);
    report_json_put(&j, "seed", "%llu", (unsigned long long)o->c.seed);
    report_json_newline(&j, 2);
    report_json_put(&j, "duration_ps", "%lld", (long long)o->c.duration_ps);
    json_channels(&j, o, &t);
    json_object(&j, o);
    json_expected(&j, o, &t);
    report_json_newline(&j, 0);
    report_json_end(&j);
    cli_side_commit(&truth);
}
