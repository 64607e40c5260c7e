/* Simulated acquisitions. */
#ifndef QEV_SIM_H
#define QEV_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"
#include "rng.h"

#define QEV_SIM_MAX_CHANNELS 256

/* Independent Poisson channels, merged: gaps of the merged process are
 * exponential with the total rate, each event's channel drawn in proportion
 * to the channel rates, and times floored to the resolution. */
typedef struct qev_poisson {
    size_t nch;
    uint16_t channel[QEV_SIM_MAX_CHANNELS];
    uint64_t threshold[QEV_SIM_MAX_CHANNELS]; /* cumulative share of 2^64 */
    double mean_gap_ticks;
    int64_t resolution_ps;
    int64_t tick;
    double frac;
    qev_rng rng;
} qev_poisson;

/* rates in Hz (> 0); channels numbered as given. QEV_EINVAL on bad input. */
int qev_poisson_init(qev_poisson *p, const double *rates, const uint16_t *channels, size_t n,
                     int64_t resolution_ps, uint64_t seed);
/* Fills ev with the next n events, in time order. Returns fewer when time would
 * pass the largest int64 picosecond, and then the process has ended. */
size_t qev_poisson_fill(qev_poisson *p, qev_event *ev, size_t n);
/* The same for a process that ends at time end: returns fewer than n once an
 * event would come at end or later, and then the process has ended. */
size_t qev_poisson_fill_before(qev_poisson *p, qev_event *ev, size_t n, int64_t end);

/* ---- physical sources, detectors and imaging setups (see qsim(1)) ----
 *
 * All times are integer picoseconds, rates in hertz, probabilities in [0, 1].
 * A source emits photons towards ports; each port ends on a channel whose
 * detector thins, delays, jitters and dead-times them, and whose tagger
 * clock and quantum turn the detector's time into the recorded time. */

#define QEV_SIM_CHANNELS 8     /* channel numbers 0..7 */
#define QEV_SIM_TAGGERS 4      /* tagger numbers 1..4 */
#define QEV_SIM_MAX_PIXELS (1u << 22)
/* The longest simulation, so that delays and jitter cannot overflow a time. */
#define QEV_SIM_MAX_DURATION_PS (INT64_MAX / 4)

enum qev_sim_setup {
    QEV_SIM_SPDC,     /* photon pairs: signal on channel 1, idler on channel 2 */
    QEV_SIM_THERMAL,  /* chaotic light on a 50/50 splitter: channels 1 and 2 */
    QEV_SIM_COHERENT, /* laser light on the splitter */
    QEV_SIM_EMITTER,  /* a two-level single-photon emitter on the splitter */
    QEV_SIM_GHOST,    /* heralded ghost imaging: bucket on 1, SPAD array on 2 */
    QEV_SIM_SPI,      /* single-pixel imaging: bucket on 1, markers on 0 */
};

enum qev_sim_stats { QEV_SIM_POISSON, QEV_SIM_THERMAL_STATS };
enum qev_sim_thermal_model { QEV_SIM_SHOT, QEV_SIM_JUMP };

typedef struct qev_sim_detector {
    double eff;          /* detection efficiency, 0..1 */
    double dark_hz;      /* dark count rate (per pixel on an array) */
    double jitter_ps;    /* standard deviation of the Gaussian timing jitter */
    double tail_ps;      /* mean of the exponential jitter tail, 0 for none */
    double tail_frac;    /* share of clicks that get the tail */
    int64_t dead_ps;     /* non-paralysable dead time from the last accepted click */
    double ap_prob;      /* afterpulse probability per accepted click */
    double ap_delay_ps;  /* exponential mean, or Gaussian centre when ap_width_ps > 0 */
    double ap_width_ps;  /* standard deviation of a Gaussian afterpulse delay */
    int64_t delay_ps;    /* fixed delay (cable, electronics); may be negative */
    int tagger;          /* the tagger that records this channel, 1.. */
} qev_sim_detector;

typedef struct qev_sim_tagger {
    int64_t res_ps;      /* time quantum: recorded times are floored to it */
    int64_t offset_ps;   /* clock offset */
    double drift_ppm;    /* clock rate error: t_rec = t + offset + t * drift */
} qev_sim_tagger;

/* Single-pixel imaging: the share of the flux that reaches the bucket during
 * measurement m (0 <= m < measurements), i.e. <P_m, O> / npixels. */
typedef double (*qev_sim_level_fn)(void *ctx, uint64_t m);

typedef struct qev_sim_config {
    enum qev_sim_setup setup;
    uint64_t seed;
    int64_t duration_ps;        /* recorded times lie in [0, duration_ps) */
    /* sources */
    double rate_hz;             /* pair rate (spdc, ghost), photon rate (thermal, coherent) */
    double rep_hz;              /* pulsed SPDC repetition rate; 0 for CW */
    int64_t pulse_fwhm_ps;      /* pulsed SPDC: FWHM of the Gaussian pulse */
    enum qev_sim_stats pair_stats;  /* pulsed SPDC: pairs per pulse */
    int sync;                   /* pulsed SPDC: a sync event per pulse on channel 0 */
    int64_t coherence_ps;       /* thermal */
    enum qev_sim_thermal_model thermal_model;
    double pump_hz;             /* emitter: excitation rate */
    int64_t lifetime_ps;        /* emitter: excited-state lifetime T1 */
    double split;               /* splitter: probability of going to channel 1 */
    /* ghost imaging */
    uint32_t width, height;     /* SPAD array and object grid */
    const float *object;        /* width * height transmissions, row-major */
    double beam_px;             /* Gaussian pump profile sd in pixels; 0: flat */
    double blur_px;             /* sd of the signal pixel around the idler's */
    double pixel_eff_sd;        /* relative sd of the pixel efficiencies */
    uint32_t hot_pixels;        /* pixels with the hot dark rate */
    double hot_hz;
    double crosstalk;           /* probability that a click fires a neighbour */
    /* single-pixel imaging */
    uint64_t measurements;
    int64_t exposure_ps;
    double flux_hz;             /* photons/s on the object with every pixel lit */
    qev_sim_level_fn level;
    void *level_ctx;
    /* detectors by channel (index 0 unused but for markers and sync) */
    qev_sim_detector det[QEV_SIM_CHANNELS];
    qev_sim_tagger tagger[QEV_SIM_TAGGERS + 1];   /* index 0 unused */
} qev_sim_config;

/* Defaults: an ideal detector on tagger 1, a 1 ps tagger with a true clock. */
void qev_sim_detector_default(qev_sim_detector *d);
void qev_sim_config_default(qev_sim_config *c, enum qev_sim_setup setup);
/* The channels a setup uses, as a bit mask (bit N for channel N). */
unsigned qev_sim_channels(enum qev_sim_setup setup);
/* What a setup's channel records, as metadata names it (signal, bucket,
 * pattern_marker, ...); "" for a channel it does not use. */
const char *qev_sim_channel_role(enum qev_sim_setup setup, int channel);
/* The quantum every recorded time is a multiple of: the greatest common
 * divisor of the quanta of the taggers in use. */
int64_t qev_sim_common_quantum(const qev_sim_config *c);

typedef struct qev_sim qev_sim;

/* Checks the configuration and prepares the simulation. Returns NULL only
 * without memory; otherwise check qev_sim_status (QEV_EINVAL with a message
 * for a bad configuration). The config, object and level context must
 * outlive the handle. */
qev_sim *qev_sim_new(const qev_sim_config *c);
int qev_sim_status(const qev_sim *s);
const char *qev_sim_error(const qev_sim *s);
/* The next events in time order; 0 at the end of the duration. */
size_t qev_sim_fill(qev_sim *s, qev_event *ev, size_t n);
/* The same without a copy: at most max events at *ev, valid until the next
 * call. */
size_t qev_sim_next(qev_sim *s, const qev_event **ev, size_t max);
/* Pixel efficiencies and dark rates of the array (ghost), width * height. */
const double *qev_sim_pixel_eff(const qev_sim *s);
const double *qev_sim_pixel_dark(const qev_sim *s);
void qev_sim_free(qev_sim *s);

/* Single-pixel imaging patterns and the bucket level they give on an object
 * (see patterns.h for the patterns and the orderings). */
enum qev_spi_kind { QEV_SPI_HADAMARD, QEV_SPI_RANDOM, QEV_SPI_FILE };
typedef struct qev_spi {
    enum qev_spi_kind kind;
    uint32_t width, height;
    uint64_t patterns;      /* patterns used: measurements are 2x that for Hadamard */
    uint64_t measurements;
    const float *object;
    uint32_t *perm;         /* Hadamard ordering */
    double *coef, sum;      /* Hadamard coefficients H O H of the object, and its sum */
    uint64_t seed;          /* random patterns */
    double fill;
    const float *file;      /* patterns from a file: patterns x width x height, 0..1 */
    uint8_t *scratch;
} qev_spi;
/* Hadamard: width = height = n a power of two, the first `patterns` of the
 * ordering, split. Random: `patterns` binary patterns. File: the given ones.
 * QEV_EINVAL or QEV_ENOMEM on failure. */
int qev_spi_init(qev_spi *p, enum qev_spi_kind kind, uint32_t width, uint32_t height,
                 const float *object, uint64_t patterns, int order, uint64_t seed, double fill,
                 const float *file);
/* The patterns to use of npix pixels: *count when count is given, else the
 * share `sampling` of npix when above 0 (rounded up), else all: npix, or
 * file_patterns, the patterns a file holds (0 for none). Sets *patterns;
 * QEV_EINVAL when that is none, more than a Hadamard basis holds, or more
 * than the file holds. */
int qev_spi_pattern_count(enum qev_spi_kind kind, uint64_t npix, uint64_t file_patterns,
                          const uint64_t *count, double sampling, uint64_t *patterns);
/* One pass over the measurements at exposure_ps each; QEV_EINVAL when it
 * would last longer than QEV_SIM_MAX_DURATION_PS. */
int qev_spi_duration(uint64_t measurements, int64_t exposure_ps, int64_t *duration_ps);
/* <P_m, O> / npixels for measurement m: a qev_sim_level_fn. */
double qev_spi_level(void *spi, uint64_t m);
void qev_spi_free(qev_spi *p);

/* Expected values, from the configuration, for --truth and the tests. */
typedef struct qev_sim_truth {
    double singles_hz[QEV_SIM_CHANNELS];      /* eff * rate + dark, before dead time */
    double recorded_hz[QEV_SIM_CHANNELS];     /* after dead time: R / (1 + R dead) */
    double coincidence_hz;                    /* true coincidences 1 & 2 */
    double accidental_hz;                     /* R1 R2 window */
    int64_t window_ps;
    double peak_sigma_ps;                     /* sqrt(sigma1^2 + sigma2^2) */
    int64_t peak_delay_ps;                    /* delay2 - delay1 */
    double g2_zero;                           /* g2(0) of the source (HBT setups) */
    double g2_rate_hz;                        /* g2 - 1 decays as exp(-rate |tau|) */
} qev_sim_truth;
/* Rates before afterpulses; coincidences of channels 1 and 2. */
void qev_sim_expected(const qev_sim *s, int64_t window_ps, qev_sim_truth *t);
/* The g2 of a setup's source in the truth's terms (g2_rate_hz as "rate",
 * the singles R1 R2, peak_sigma_ps); "" for a setup without one. */
const char *qev_sim_g2_formula(enum qev_sim_setup setup);
const qev_sim_config *qev_sim_config_of(const qev_sim *s);

#endif
