/* Expected rates from the configuration: the ground truth of a simulation. */
#include <stdlib.h>

#include "sim_int.h"

#define PS_PER_S 1e12

/* Probability that round(sigma z) = d, z standard normal. */
static double rounded_normal(double sigma, long d)
{
    if (sigma <= 0)
        return d == 0;
    double a = (d - 0.5) / sigma, b = (d + 0.5) / sigma;
    return 0.5 * (erfc(-b / sqrt(2)) - erfc(-a / sqrt(2)));
}

/* Probability that floor(c + beam z) = i for a pixel index i of an axis. */
static double beam_weight(const qev_sim_config *c, uint32_t i, uint32_t size)
{
    if (c->beam_px <= 0)
        return 1.0 / size;
    double centre = size / 2.0, s = c->beam_px * sqrt(2);
    return 0.5 * (erfc(-(i + 1 - centre) / s) - erfc(-(i - centre) / s));
}

/* Ghost imaging: the rate at which a pair's signal is detected anywhere on
 * the array (with the idler transmitted, when `herald`). */
static double ghost_rate(const qev_sim_config *c, const double *eff, int herald)
{
    long w = c->width, h = c->height, reach = (long)ceil(SIM_NORMAL_CUT * c->blur_px);
    double total = 0;
    for (long y = 0; y < h; y++)
        for (long x = 0; x < w; x++) {
            double wp = beam_weight(c, (uint32_t)x, (uint32_t)w) * beam_weight(c, (uint32_t)y, (uint32_t)h);
            if (herald)
                wp *= c->object[y * w + x];
            double seen = 0;
            for (long dy = -reach; dy <= reach; dy++)
                for (long dx = -reach; dx <= reach; dx++) {
                    long xx = x + dx, yy = y + dy;
                    if (xx >= 0 && xx < w && yy >= 0 && yy < h)
                        seen += rounded_normal(c->blur_px, dx) * rounded_normal(c->blur_px, dy) *
                                eff[yy * w + xx];
                }
            total += wp * seen;
        }
    return total * c->rate_hz;
}

static double object_mean(const qev_sim_config *c)
{
    double sum = 0;
    for (uint32_t y = 0; y < c->height; y++)
        for (uint32_t x = 0; x < c->width; x++)
            sum += beam_weight(c, x, c->width) * beam_weight(c, y, c->height) *
                   c->object[(size_t)y * c->width + x];
    return sum;
}

static void photon_rates(const qev_sim *s, const qev_sim_config *c, qev_sim_truth *t)
{
    const qev_sim_detector *d1 = &c->det[1], *d2 = &c->det[2];
    double R;
    switch (c->setup) {
    case QEV_SIM_SPDC:
        t->singles_hz[1] = d1->eff * c->rate_hz;
        t->singles_hz[2] = d2->eff * c->rate_hz;
        t->coincidence_hz = d1->eff * d2->eff * c->rate_hz;
        break;
    case QEV_SIM_GHOST: {
        const double *eff = qev_sim_pixel_eff(s);
        t->singles_hz[1] = d1->eff * c->rate_hz * object_mean(c);
        t->singles_hz[2] = ghost_rate(c, eff, 0);
        t->coincidence_hz = d1->eff * ghost_rate(c, eff, 1);
        break;
    }
    case QEV_SIM_SPI: {
        double sum = 0;
        for (uint64_t m = 0; m < c->measurements; m++)
            sum += c->level(c->level_ctx, m);
        t->singles_hz[1] = d1->eff * c->flux_hz * sum / (double)c->measurements;
        break;
    }
    default:
        R = c->setup == QEV_SIM_EMITTER ? 1 / (1 / c->pump_hz + (double)c->lifetime_ps / PS_PER_S) : c->rate_hz;
        t->singles_hz[1] = d1->eff * c->split * R;
        t->singles_hz[2] = d2->eff * (1 - c->split) * R;
    }
}

static void g2_params(const qev_sim_config *c, qev_sim_truth *t)
{
    t->g2_zero = 1;
    if (c->setup == QEV_SIM_THERMAL) {
        t->g2_zero = 2;
        t->g2_rate_hz = 2 * PS_PER_S / (double)c->coherence_ps;
    } else if (c->setup == QEV_SIM_EMITTER) {
        t->g2_zero = 0;
        t->g2_rate_hz = c->pump_hz + PS_PER_S / (double)c->lifetime_ps;
    }
}

void qev_sim_expected(const qev_sim *s, int64_t window_ps, qev_sim_truth *t)
{
    const qev_sim_config *c = qev_sim_config_of(s);
    *t = (qev_sim_truth){.window_ps = window_ps};
    photon_rates(s, c, t);
    unsigned used = qev_sim_channels(c->setup);
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1))
            continue;
        const qev_sim_detector *d = &c->det[ch];
        int array = c->setup == QEV_SIM_GHOST && ch == 2;
        double dark = d->dark_hz;
        if (array) {
            const double *pd = qev_sim_pixel_dark(s);
            dark = 0;
            for (size_t p = 0; p < (size_t)c->width * c->height; p++)
                dark += pd[p];
        }
        t->singles_hz[ch] += dark;
        double R = t->singles_hz[ch], tau = (double)d->dead_ps / PS_PER_S;
        /* an array's clicks spread over its pixels, each dead on its own */
        double per = array ? (double)c->width * c->height : 1;
        t->recorded_hz[ch] = R / (1 + R / per * tau);
    }
    double w = (double)window_ps / PS_PER_S;
    t->accidental_hz = t->singles_hz[1] * t->singles_hz[2] * w;
    t->peak_sigma_ps = sqrt(c->det[1].jitter_ps * c->det[1].jitter_ps + c->det[2].jitter_ps * c->det[2].jitter_ps);
    t->peak_delay_ps = c->det[2].delay_ps - c->det[1].delay_ps;
    g2_params(c, t);
    /* pairs: the cross-correlation peak over the flat accidentals, for bins
     * narrow against the peak */
    if ((c->setup == QEV_SIM_SPDC || c->setup == QEV_SIM_GHOST) && t->peak_sigma_ps > 0 &&
        t->singles_hz[1] > 0 && t->singles_hz[2] > 0)
        t->g2_zero = 1 + t->coincidence_hz / (t->singles_hz[1] * t->singles_hz[2] *
                                              sqrt(2 * M_PI) * t->peak_sigma_ps / PS_PER_S);
}

const char *qev_sim_g2_formula(enum qev_sim_setup setup)
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
