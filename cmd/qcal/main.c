/* qcal: measure delays, clock drift, dark counts, dead time, efficiencies
 * and flat fields; keep them in a calibration file; apply it to streams. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "qcal.h"

static const struct qcal_command *const commands[NCOMMANDS] = {
    [DELAYS] = &delays_command, [DRIFT] = &drift_command, [DARK] = &dark_command,
    [DEADTIME] = &deadtime_command, [EFFICIENCY] = &efficiency_command, [FLAT] = &flat_command,
    [MERGE] = &merge_command, [DIFF] = &diff_command, [APPLY] = &apply_command};

static const char synopsis[] =
    "Usage: qcal delays --ref=CH [OPTION]... [FILE]\n"
    "       qcal drift --ref=CH --channel=CH [OPTION]... [FILE]\n"
    "       qcal dark|deadtime|flat [OPTION]... [FILE]\n"
    "       qcal efficiency [-p A:B] [OPTION]... [FILE]\n"
    "       qcal merge CAL...\n"
    "       qcal diff [--max-sigma=S] OLD NEW\n"
    "       qcal apply [OPTION]... CAL [FILE]\n"
    "Measure what is wrong with a setup, keep it in a calibration file (qcal(5)),\n"
    "and apply that file to QEV streams. Measurements write a calibration file.\n"
    "\n";

static const char common[] =
    "Common options:\n"
    "  -j, --json             a JSON report instead of a calibration file\n"
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"
    "      --no-provenance    do not add a provenance line\n"
    "  -h, --help             print this help and exit\n"
    "  -V, --version          print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error, 3 qcal diff\n"
    "found a parameter that moved more than --max-sigma.\n";

/* Each subcommand's line of the synopsis, for its own --help. */
static const char *const synopses[NCOMMANDS] = {
    [DELAYS] = "delays --ref=CH [OPTION]... [FILE]",
    [DRIFT] = "drift --ref=CH --channel=CH [OPTION]... [FILE]",
    [DARK] = "dark [OPTION]... [FILE]",
    [DEADTIME] = "deadtime [OPTION]... [FILE]",
    [EFFICIENCY] = "efficiency [-p A:B] [OPTION]... [FILE]",
    [FLAT] = "flat [OPTION]... [FILE]",
    [MERGE] = "merge CAL...",
    [DIFF] = "diff [--max-sigma=S] OLD NEW",
    [APPLY] = "apply [OPTION]... CAL [FILE]"};

/* qcal COMMAND --help: that command's synopsis and part, and the common options. */
static const char *command_usage(enum command cmd)
{
    static char usage[4096];
    const char *help = commands[cmd]->help;
    size_t n = strlen(help);
    snprintf(usage, sizeof usage, "Usage: qcal %s\n%s%s%s", synopses[cmd], help,
             n > 1 && help[n - 2] == '\n' ? "" : "\n", common);
    return usage;
}

/* The synopsis, each subcommand's part in turn, and the common options. */
const char *qcal_usage(void)
{
    static char usage[8192];
    if (!usage[0]) {
        size_t n = strlen(synopsis);
        memcpy(usage, synopsis, n + 1);
        for (size_t i = 0; i < NCOMMANDS; i++) {
            size_t k = strlen(commands[i]->help);
            memcpy(usage + n, commands[i]->help, k + 1);
            n += k;
        }
        memcpy(usage + n, common, sizeof common);
    }
    return usage;
}

_Noreturn static void missing_command(void)
{
    cli_usage_error("missing a command (delays, drift, dark, deadtime, efficiency, flat, "
                    "merge, diff, apply)");
}

static enum command find_command(const char *name)
{
    size_t which = 0;
    while (which < NCOMMANDS && strcmp(name, commands[which]->name) != 0)
        which++;
    if (which == NCOMMANDS)
        cli_usage_error("unknown command '%s'", name);
    return (enum command)which;
}

int main(int argc, char **argv)
{
    static struct opts o;
    cli_init("qcal", argc, argv);
    qcal_defaults(&o);
    if (argc < 2)
        missing_command();
    if (argv[1][0] == '-') {
        qcal_parse_args(argc, argv, &o);
        missing_command();
    }
    o.cmd = find_command(argv[1]);
    o.usage = command_usage(o.cmd);
    static char label[32];
    snprintf(label, sizeof label, "qcal %s", argv[1]);
    argv[1] = label;
    qcal_parse_args(argc - 1, argv + 1, &o);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    const struct qcal_command *c = commands[o.cmd];
    if (c->run) {
        c->run(&o, files, operands);
    } else {
        cli_need_input(operands, qcal_usage());
        if (operands > 1)
            cli_usage_error("qcal %s reads one stream", c->name);
        c->measure(&o, operands ? files[0] : "-");
    }
    cli_exit(CLI_OK);
}
