/* qcorr: correlation histograms, coincidences and their statistics. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "qcorr.h"

static const char *const subcommands[] = {"hist", "coinc", "stats", "merge"};
enum { HIST, COINC, STATS, MERGE, SUBCOMMANDS };

static size_t subcommand(const char *cmd)
{
    size_t which = 0;
    while (which < SUBCOMMANDS && strcmp(cmd, subcommands[which]) != 0)
        which++;
    if (which == SUBCOMMANDS)
        cli_usage_error("unknown subcommand '%s' (hist, coinc, stats, merge)", cmd);
    return which;
}

static void check_for(size_t which, const struct corr_opts *o)
{
    if (o->cal && (which == HIST || which == MERGE))
        cli_usage_error("--cal is for qcorr coinc and qcorr stats");
    if (cli_tally_wanted() && which != COINC)
        cli_usage_error("--tally is for qcorr coinc");
}

int main(int argc, char **argv)
{
    static struct corr_opts o;
    cli_init("qcorr", argc, argv);
    if (argc < 2)
        cli_usage_error("missing a subcommand (hist, coinc, stats, merge)");
    const char *cmd = argv[1];
    if (cmd[0] == '-') {
        qcorr_parse_args(argc, argv, &o, qcorr_usage);
        cli_usage_error("missing a subcommand (hist, coinc, stats, merge)");
    }
    size_t which = subcommand(cmd);
    static char label[32];
    snprintf(label, sizeof label, "qcorr %s", cmd);
    argv[1] = label; /* getopt names the program by argv[0] in its messages */
    qcorr_parse_args(argc - 1, argv + 1, &o, qcorr_subcommand_usage[which]);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    check_for(which, &o);
    if (o.cal)
        qcorr_load_cal(&o);
    if (which == MERGE) {
        qcorr_merge(&o, files, operands);
        cli_exit(CLI_OK);
    }
    cli_need_input(operands, qcorr_usage);
    if (operands > 1)
        cli_usage_error("qcorr %s reads one stream", cmd);
    const char *path = operands ? files[0] : "-";
    if (which == HIST)
        qcorr_hist(&o, path);
    else if (which == COINC)
        qcorr_coinc(&o, path);
    else
        qcorr_stats(&o, path);
    cli_exit(CLI_OK);
}
