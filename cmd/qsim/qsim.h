/* qsim: what its files share. */
#ifndef QSIM_H
#define QSIM_H

#include <stdint.h>

#include "cli.h"
#include "patterns.h"
#include "sim.h"

/* Every setup but poisson takes the common options and the detector and
 * tagger options; each setup takes its own options of the rest. */
enum {
    O_RESOLUTION = CLI_OPT_FIRST_TOOL_OPTION,
    O_TEXT, O_DET, O_TAGGER, O_TRUTH, O_TRUTH_WINDOW,
    /* the setups' own options, with 'r' */
    O_REP, O_PULSE, O_PAIRS, O_SYNC, O_COHERENCE, O_MODEL, O_SPLIT, O_PUMP, O_LIFETIME, O_SIZE,
    O_OBJECT, O_BLUR, O_BEAM, O_PIXEL_EFF_SD, O_HOT_PIXELS, O_HOT_RATE, O_CROSSTALK, O_PATTERNS,
    O_ORDER, O_PATTERN_SEED, O_FILL, O_COUNT, O_SAMPLING, O_EXPOSURE, O_FLUX,
};

/* The end of every setup's help: the seed, the output and the exit status. */
#define QSIM_OUTPUT_HELP                                                                           \
    "  -s, --seed=N            seed of the random generator (default 1)\n"                          \
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"                 \
    "  -l, --level=N           zstd level (default 1)\n"                                            \
    "      --text              write text events, as qcat prints them\n"                            \
    "      --no-provenance     do not add a provenance line\n"                                      \
    "  -h, --help              print this help and exit\n"                                          \
    "  -V, --version           print the version and exit\n"                                        \
    "\n"                                                                                           \
    "Exit status: 0 success, 1 I/O error, 2 usage error.\n"

struct phys_opts;

/* A physical setup: its help, the options it takes beyond the common ones
 * (0-terminated), how it reads them, what it prepares before the simulation
 * starts, and the metadata of its source. */
struct qsim_setup {
    const char *name;
    enum qev_sim_setup setup;
    const char *help;
    double default_rate_hz;
    const int *options;
    void (*option)(struct phys_opts *o, int c, const char *arg);
    void (*prepare)(struct phys_opts *o);
    void (*meta)(qev_meta *m, const struct phys_opts *o);
};

extern const struct qsim_setup qsim_spdc, qsim_thermal, qsim_coherent, qsim_emitter, qsim_ghost,
    qsim_spi;

struct phys_opts {
    qev_sim_config c;
    const struct qsim_setup *setup;
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

int qsim_poisson(int argc, char **argv);
int qsim_physical(int argc, char **argv, const struct qsim_setup *setup);
/* Progress by events when a count was asked for (wanted != UINT64_MAX), else
 * by simulated time. */
void qsim_progress(uint64_t wanted, uint64_t left, int64_t t, int64_t duration);

void qsim_parse_physical(int argc, char **argv, struct phys_opts *o);
/* The options more than one setup takes: --rate, --split, --size, --object. */
void qsim_shared_option(struct phys_opts *o, int c, const char *arg);
double qsim_probability(const char *what, const char *v);
/* A time of at least min ps (0 or 1), as a double. */
double qsim_time_at_least(const char *what, const char *v, int64_t min);
void qsim_choice(const char *opt, const char *arg, const char *a, const char *b, int *out);

extern const char qsim_detector_help[];
void qsim_parse_det(struct phys_opts *o, const char *arg);
void qsim_parse_tagger(struct phys_opts *o, const char *arg);

/* The object of ghost and spi: a built-in phantom or an image file. */
void qsim_load_object(struct phys_opts *o);
void qsim_meta_image(qev_meta *m, const struct phys_opts *o);

qev_meta *qsim_physical_meta(const struct phys_opts *o);
void qsim_write_truth(const struct phys_opts *o, const qev_sim *sim);

#endif
