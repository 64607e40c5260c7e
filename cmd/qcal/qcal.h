/* qcal: what its subcommands share (cmd/qcal/). Each subcommand is one file
 * with its own part of --help; the measurements live in lib/cal. */
#ifndef QCAL_TOOL_H
#define QCAL_TOOL_H

#include <stdint.h>
#include <stdio.h>

#include "calib.h"
#include "dark.h"
#include "filter.h"
#include "qev.h"

enum command { DELAYS, DRIFT, DARK, DEADTIME, EFFICIENCY, FLAT, MERGE, DIFF, APPLY, NCOMMANDS };

struct opts {
    enum command cmd;
    int ref, channel, json, force, level;
    qev_filter *channels; /* any channel unless -C */
    int64_t range, coarse_bin, every, duration, window, acc_delay;
    double sigmas, min_snr, hot_sigma, max_sigma;
    long knots, max_knots, rank;
    int accidentals;
    uint16_t pair_a, pair_b;
    const char *residuals, *output, *dark, *cal, *pfm;
    const char *usage; /* what --help prints: the command's, or the whole tool's */
};

/* A subcommand: a measurement reads one stream; merge, diff and apply take
 * their own operands. help is its part of the usage. */
struct qcal_command {
    const char *name, *help;
    void (*measure)(const struct opts *o, const char *path);
    void (*run)(const struct opts *o, char **operands, int n);
};

extern const struct qcal_command delays_command, drift_command, dark_command, deadtime_command,
    efficiency_command, flat_command, merge_command, diff_command, apply_command;

/* options.c */
const char *qcal_usage(void);
void qcal_defaults(struct opts *o);
void qcal_parse_args(int argc, char **argv, struct opts *o);

/* calfile.c: calibration files in and out */
void check_calib(const qev_calib *c, int rc);
qev_calib *new_calibration(void);
void section_start(qev_calib *c, const char *section, const char *comment, const char *source);
void setn(qev_calib *c, double v, double sigma, const char *unit, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void write_calibration(const struct opts *o, const qev_calib *c);
qev_calib *load_calibration(const char *path);
int looks_like_calibration(const char *path);

/* stream.c: what the measurements share */
int64_t stream_resolution(const qev_reader *r);
_Noreturn void die_disorder(const qev_reader *r, uint64_t at);
/* Whether -C takes channel ch (any channel without -C). */
int wanted_channel(const struct opts *o, uint16_t ch);
struct qcal_counts *count_stream(const char *path, int64_t duration);

/* darkinput.c: the dark counts efficiency and flat subtract (--dark) */
struct dark_input;
struct dark_input *load_dark(const char *path);
void free_dark(struct dark_input *d);
qcal_rate dark_rate(const struct dark_input *d, uint16_t ch);
/* Dark counts of a pixel over T seconds, and their variance. */
double pixel_dark(const struct dark_input *d, uint16_t ch, uint32_t x, uint32_t y, double T,
                  double *var);

#endif
