/* qsim: simulated acquisitions as QEV streams. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "qsim.h"

static const char top_usage[] =
    "Usage: qsim poisson [OPTION]...\n"
    "  or:  qsim spdc|thermal|coherent|emitter [OPTION]...\n"
    "  or:  qsim ghost|spi [OPTION]...\n"
    "Simulate a photon-counting acquisition and write it as one QEV stream.\n"
    "\n"
    "Setups:\n"
    "  poisson   independent Poisson channels\n"
    "  spdc      photon pairs (signal on channel 1, idler on channel 2), CW or pulsed\n"
    "  thermal   chaotic light on a 50/50 splitter to channels 1 and 2 (g2(0) = 2)\n"
    "  coherent  laser light on the splitter (g2 = 1)\n"
    "  emitter   a two-level single-photon emitter on the splitter (g2(0) = 0)\n"
    "  ghost     heralded ghost imaging: bucket on channel 1, SPAD array on channel 2\n"
    "  spi       single-pixel imaging: pattern markers on channel 0, bucket on channel 1\n"
    "\n"
    "Common options (qsim SETUP --help lists each setup's own):\n"
    "  -d, --duration=T        simulate T of acquisition (default 1s)\n"
    "  -n, --events=N          stop after N events\n"
    "  -s, --seed=N            seed of the random generator (default 1)\n"
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"
    "      --text              write text events, as qcat prints them\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 I/O error, 2 usage error.\n";

static const struct qsim_setup *const setups[] = {&qsim_spdc,    &qsim_thermal, &qsim_coherent,
                                                  &qsim_emitter, &qsim_ghost,   &qsim_spi};

static const struct qsim_setup *setup_named(const char *name)
{
    for (size_t i = 0; i < sizeof setups / sizeof *setups; i++)
        if (strcmp(name, setups[i]->name) == 0)
            return setups[i];
    return NULL;
}

int main(int argc, char **argv)
{
    cli_init("qsim", argc, argv);
    if (argc < 2)
        cli_usage_error("missing the setup to simulate (poisson)");
    if (argv[1][0] == '-') {
        int c;
        static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
        while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1)
            cli_common_option(c, top_usage);
        cli_usage_error("missing the setup to simulate (poisson)");
    }
    int poisson = strcmp(argv[1], "poisson") == 0;
    const struct qsim_setup *setup = setup_named(argv[1]);
    if (!poisson && !setup)
        cli_usage_error("unknown setup '%s' (known: poisson, spdc, thermal, coherent, emitter, "
                        "ghost, spi)", argv[1]);
    static char prog[32];
    snprintf(prog, sizeof prog, "qsim %s", argv[1]);
    argv[1] = prog; /* getopt names the program by argv[0] in its messages */
    cli_exit(poisson ? qsim_poisson(argc - 1, argv + 1)
                     : qsim_physical(argc - 1, argv + 1, setup));
}
