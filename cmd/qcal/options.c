/* qcal's options: one table for every subcommand, checked once parsed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qcal.h"

enum {
    OPT_RANGE = CLI_OPT_FIRST_TOOL_OPTION,
    OPT_COARSE,
    OPT_SIGMAS,
    OPT_MIN_SNR,
    OPT_KNOTS,
    OPT_MAX_KNOTS,
    OPT_RESIDUALS,
    OPT_DURATION,
    OPT_HOT_SIGMA,
    OPT_RANK,
    OPT_DARK,
    OPT_CAL,
    OPT_ACC_DELAY,
    OPT_ACCIDENTALS,
    OPT_MAX_SIGMA,
    OPT_FORCE,
    OPT_PFM,
};

static uint16_t parse_channel(const char *opt, const char *s)
{
    return (uint16_t)cli_int(opt, s, 0, 65535);
}

static void parse_pair(struct opts *o, const char *arg)
{
    char *end;
    long a = strtol(arg, &end, 10), b;
    if (end == arg || *end != ':' || a < 0 || a > 65535)
        cli_usage_error("--pair: '%s' is not A:B", arg);
    const char *second = end + 1;
    b = strtol(second, &end, 10);
    if (end == second || *end || b < 0 || b > 65535 || a == b)
        cli_usage_error("--pair: '%s' is not A:B with two channels", arg);
    o->pair_a = (uint16_t)a;
    o->pair_b = (uint16_t)b;
}

/* The last -C wins, as each starts a new list. */
static void set_channels(struct opts *o, const char *list)
{
    qev_filter_free(o->channels);
    o->channels = cli_filter();
    cli_filter_channels(o->channels, "--channels", list);
}

void qcal_defaults(struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->channels = cli_filter();
    o->usage = qcal_usage();
    o->ref = -1;
    o->channel = -1;
    o->range = 100000;
    o->every = 10000000000;
    o->sigmas = 3;
    o->min_snr = 5;
    o->hot_sigma = 10;
    o->max_sigma = -1;
    o->max_knots = 65;
    o->rank = 10;
    o->duration = -1;
    o->acc_delay = 20000;
    o->pair_a = 1;
    o->pair_b = 2;
}

static void tool_option(struct opts *o, int c)
{
    switch (c) {
    case 'r': o->ref = parse_channel("--ref", optarg); break;
    case 'c': o->channel = parse_channel("--channel", optarg); break;
    case 'C': set_channels(o, optarg); break;
    case 'e': o->every = cli_time("--every", optarg); break;
    case 'p': parse_pair(o, optarg); break;
    case 'w': o->window = cli_time("--window", optarg); break;
    case 'j': o->json = 1; break;
    case 'o': o->output = optarg; break;
    case 'l': o->level = (int)cli_int("--level", optarg, 1, 22); break;
    case OPT_RANGE: o->range = cli_time("--range", optarg); break;
    case OPT_COARSE: o->coarse_bin = cli_time("--coarse-bin", optarg); break;
    case OPT_SIGMAS: o->sigmas = cli_real("--sigmas", optarg, NULL, 1, 20); break;
    case OPT_MIN_SNR: o->min_snr = cli_real("--min-snr", optarg, NULL, 0, 1e9); break;
    case OPT_KNOTS: o->knots = cli_int("--knots", optarg, 2, 100000); break;
    case OPT_MAX_KNOTS: o->max_knots = cli_int("--max-knots", optarg, 2, 100000); break;
    case OPT_RESIDUALS: o->residuals = optarg; break;
    case OPT_DURATION: o->duration = cli_time("--duration", optarg); break;
    case OPT_HOT_SIGMA: o->hot_sigma = cli_real("--hot-sigma", optarg, NULL, 1, 1e9); break;
    case OPT_RANK: o->rank = cli_int("--rank", optarg, 1, 100000); break;
    case OPT_DARK: o->dark = optarg; break;
    case OPT_CAL: o->cal = optarg; break;
    case OPT_ACC_DELAY: o->acc_delay = cli_time("--accidental-delay", optarg); break;
    case OPT_ACCIDENTALS: o->accidentals = cli_accidentals(optarg); break;
    case OPT_MAX_SIGMA: o->max_sigma = cli_real("--max-sigma", optarg, NULL, 0, 1e9); break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_PFM: o->pfm = optarg; break;
    default: cli_common_option(c, o->usage);
    }
}

static void check_args(const struct opts *o)
{
    if ((o->cmd == DELAYS || o->cmd == DRIFT) && o->ref < 0)
        cli_usage_error("qcal %s needs --ref", o->cmd == DELAYS ? "delays" : "drift");
    if (o->cmd == DRIFT && (o->channel < 0 || o->channel == o->ref))
        cli_usage_error("qcal drift needs --channel, another channel than --ref");
    if (o->range <= 0 || o->range > 1000000000000)
        cli_usage_error("--range must be between 1 ps and 1 s");
    if (o->coarse_bin < 0 || o->coarse_bin > o->range)
        cli_usage_error("--coarse-bin must be positive and at most --range");
    if (o->every <= 0)
        cli_usage_error("--every must be positive");
    if (o->window < 0 || o->window > 1000000000)
        cli_usage_error("--window must be between 0 and 1 ms");
    if (o->acc_delay == 0)
        cli_usage_error("--accidental-delay must not be 0");
    if (o->duration == 0)
        cli_usage_error("--duration must be positive");
    if (cli_tally_wanted() && o->cmd != APPLY)
        cli_usage_error("--tally is for qcal apply");
}

void qcal_parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"ref", required_argument, NULL, 'r'},
        {"channel", required_argument, NULL, 'c'},
        {"channels", required_argument, NULL, 'C'},
        {"every", required_argument, NULL, 'e'},
        {"pair", required_argument, NULL, 'p'},
        {"window", required_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, 'l'},
        {"range", required_argument, NULL, OPT_RANGE},
        {"coarse-bin", required_argument, NULL, OPT_COARSE},
        {"sigmas", required_argument, NULL, OPT_SIGMAS},
        {"min-snr", required_argument, NULL, OPT_MIN_SNR},
        {"knots", required_argument, NULL, OPT_KNOTS},
        {"max-knots", required_argument, NULL, OPT_MAX_KNOTS},
        {"residuals", required_argument, NULL, OPT_RESIDUALS},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"hot-sigma", required_argument, NULL, OPT_HOT_SIGMA},
        {"rank", required_argument, NULL, OPT_RANK},
        {"dark", required_argument, NULL, OPT_DARK},
        {"cal", required_argument, NULL, OPT_CAL},
        {"accidental-delay", required_argument, NULL, OPT_ACC_DELAY},
        {"accidentals", required_argument, NULL, OPT_ACCIDENTALS},
        {"max-sigma", required_argument, NULL, OPT_MAX_SIGMA},
        {"force", no_argument, NULL, OPT_FORCE},
        {"pfm", required_argument, NULL, OPT_PFM},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:c:C:e:p:w:jo:l:hV", longopts, NULL)) != -1)
        tool_option(o, c);
    check_args(o);
}
