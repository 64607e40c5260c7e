/* qcorr: what its files share. */
#ifndef QCORR_H
#define QCORR_H

#include "corr.h"
#include "corrstats.h"
#include "coinc.h"
#include "partial.h"
#include "qev.h"

enum output_form { FORM_TSV, FORM_JSON, FORM_SVG, FORM_PARTIAL, FORM_PROM };
#define MAX_PAIRS 16

struct corr_opts {
    qev_corr_pair pairs[MAX_PAIRS];
    size_t npairs;
    int64_t bin, range, duration, own_from, own_to;
    int start_stop, edge, own_set;
    enum output_form form;
    const char *output;
    const char *usage; /* what --help prints */
    /* coincidences */
    int64_t window, delayed, every;
    int64_t delay[65536];
    uint8_t delay_given[65536];
    const char *cal;
    uint64_t cal_fingerprint;
    uint8_t takes_part[65536];
    int channels_set, collapse;
    unsigned min_fold;
    uint16_t collapse_channel;
    enum qev_group_time group_time;
    qev_coinc_stats_params sp;
    double dark[65536];
};

extern const char qcorr_usage[];
/* What qcorr SUBCOMMAND --help prints, for hist, coinc, stats and merge in turn. */
extern const char *const qcorr_subcommand_usage[];
/* Parses the options; --help prints usage. */
void qcorr_parse_args(int argc, char **argv, struct corr_opts *o, const char *usage);

/* --delay, --dark and --cal. */
uint16_t qcorr_parse_channel(const char *opt, const char *s, char **end);
void qcorr_add_delay(struct corr_opts *o, const char *arg);
void qcorr_add_dark(struct corr_opts *o, const char *arg);
/* The delays of --cal for the channels --delay did not set. */
void qcorr_load_cal(struct corr_opts *o);
/* Delays from a calibration that qcal apply already applied would count twice. */
void qcorr_check_cal(const struct corr_opts *o, const qev_reader *r);

/* What the subcommands share: the stream's quantum and shard, the correlator, the output. */
int64_t qcorr_stream_resolution(const qev_reader *r);
void qcorr_owned_interval(struct corr_opts *o, const qev_meta *m);
void qcorr_check_shard_reach(const struct corr_opts *o, const qev_reader *r, int64_t reach);
qev_correlator *qcorr_new_correlator(const struct corr_opts *o, int64_t bin, int64_t half,
                                     int start_stop);
/* Reads the whole stream into the correlator, showing progress. */
void qcorr_correlate(qev_reader *r, qev_correlator *c);
_Noreturn void qcorr_die_disorder(const qev_reader *r, uint64_t at);
int qcorr_is_stats(const qev_partial *p);
void qcorr_write_result(const struct corr_opts *o, const qev_partial *p, const char *source);

void qcorr_hist(struct corr_opts *o, const char *path);
void qcorr_coinc(struct corr_opts *o, const char *path);
void qcorr_stats(struct corr_opts *o, const char *path);
void qcorr_merge(struct corr_opts *o, char **paths, int n);

#endif
