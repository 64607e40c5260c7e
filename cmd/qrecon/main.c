/* qrecon: images from photons. Heralded ghost imaging from coincidence
 * groups, computational ghost imaging and single-pixel imaging from bucket
 * signals under known patterns, the pattern sequence for a device, and exact
 * merges of partial sums from shards. This file picks the subcommand. */
#include "qrecon.h"

#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The usage in parts, so that each subcommand's --help prints its own. */
#define SYNOPSIS_HERALDED "qrecon heralded [OPTION]... [FILE]\n"
#define SYNOPSIS_COMPUTATIONAL "qrecon computational [OPTION]... [FILE]\n"
#define SYNOPSIS_PATTERNS "qrecon patterns [OPTION]...\n"
#define SYNOPSIS_MERGE "qrecon merge [OPTION]... PARTIAL...\n"
#define HERALDED_HELP                                                                              \
    "qrecon heralded (FILE: coincidence groups from qcorr coinc, with pixels):\n"                   \
    "      --accidentals=FILE  subtract the groups of a delayed-window stream of the\n"             \
    "                          same window (qcorr coinc --delayed)\n"                               \
    "      --singles=FILE      subtract N_h S_j W / T from the singles in FILE (the\n"             \
    "                          stream before qcorr coinc)\n"                                        \
    "      --herald=CH         the herald channel of --singles (default: the channel\n"             \
    "                          whose role is bucket, else 1)\n"                                     \
    "      --flat=FILE         divide by a flat field: a calibration from qcal flat,\n"             \
    "                          or an image (PFM, PGM, PNG)\n"                                       \
    "      --deconvolve=SIGMA  Richardson-Lucy with a Gaussian PSF of sd SIGMA pixels\n"            \
    "      --size=WxH          the image size, when the stream does not say it\n"
/* The options of the pattern sequence, which computational and patterns share. */
#define PATTERN_OPTIONS                                                                            \
    "      --patterns=P        hadamard, random, or a file of patterns (a PGM stack,\n"            \
    "                          or raw bytes with --size) as qrecon patterns writes\n"               \
    "      --size=N|WxH        the pattern size\n"                                                  \
    "      --order=NAME        natural, zigzag, cake, rd, walsh or random\n"                        \
    "      --pattern-seed=N    seed of random patterns and of the random order\n"                   \
    "      --fill=P            share of the pixels on in random patterns\n"                         \
    "      --count=N           the first N patterns of the ordering were shown\n"                   \
    "      --sampling=P        the first P x pixels patterns were shown\n"                          \
    "      --no-split          Hadamard: one signed measurement per pattern\n"
#define COMPUTATIONAL_HELP                                                                         \
    "qrecon computational (FILE: a stream with a marker opening each measurement):\n"              \
    "  -a, --algorithm=NAME    tgi, dgi, ngi, hadamard, cgls, tv, fista or pml\n"                   \
    "                          (default: hadamard for Hadamard patterns, else dgi)\n"              \
    "      --buckets=FILE      bucket values from \"index value\" rows instead\n"                   \
    PATTERN_OPTIONS                                                                                \
    "      --marker-channel=CH the markers' channel (default 0)\n"                                  \
    "      --bucket-channel=CH the bucket's channel (default 1)\n"                                  \
    "  -i, --iterations=N      at most N iterations (cgls 100, tv 300, fista 500,\n"               \
    "                          pml 200, heralded --deconvolve 50)\n"                               \
    "  -t, --tolerance=X       stop when the relative change falls below X\n"                      \
    "  -l, --lambda=X          tv and fista weight, relative to the image level\n"                  \
    "                          (default: tv 0.05, fista 0.02)\n"                                   \
    "      --basis=NAME        fista's basis: dct (default) or haar\n"                              \
    "  Stream metadata (qsim spi) gives the defaults of the pattern options.\n"
#define PATTERNS_HEAD "qrecon patterns (the measurement sequence: 2k = P+, 2k+1 = P- when split):\n"
#define FINAL_OPTIONS                                                                              \
    "  -o, --output=FILE       write to FILE, renamed into place only on success\n"                 \
    "  -h, --help              print this help and exit\n"                                          \
    "  -V, --version           print the version and exit\n"                                        \
    "\n"                                                                                           \
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n"
#define OUTPUT_HELP                                                                                \
    "Output:\n"                                                                                    \
    "  -O, --format=FMT        pfm (default: float, unscaled), pgm, pgm16, png,\n"                 \
    "                          png16 or tsv; -o FILE.EXT chooses by extension\n"                   \
    "      --scale=LO:HI       map LO..HI to the full range of pgm and png\n"                       \
    "                          (default: the image's minimum and maximum)\n"                       \
    "      --partial           write the accumulated sums for qrecon merge\n"                       \
    "      --report=FILE       write the report as JSON to FILE\n"                                  \
    "      --prom=FILE         write the report as Prometheus metrics to FILE\n"                    \
    "  -q, --quiet             no report or scaling note on standard error\n"                       \
    FINAL_OPTIONS

const char qrecon_usage[] =
    "Usage: " SYNOPSIS_HERALDED
    "       " SYNOPSIS_COMPUTATIONAL
    "       " SYNOPSIS_PATTERNS
    "       " SYNOPSIS_MERGE
    "Reconstruct images from photon streams: heralded quantum ghost imaging from\n"
    "coincidence groups, computational ghost imaging and single-pixel imaging from\n"
    "bucket signals under known patterns; write the patterns a device shows.\n"
    "\n" HERALDED_HELP "\n" COMPUTATIONAL_HELP "\n" PATTERNS_HEAD
    "      --patterns, --size, --order, --pattern-seed, --fill, --count,\n"
    "      --sampling, --no-split as above; -O pgm (a PGM stack, default) or raw\n"
    "\n" OUTPUT_HELP;

/* Each subcommand's --help: its synopsis, its options and the output's. */
static const char *const subcommand_usage[SUB_COUNT] = {
    [SUB_HERALDED] = "Usage: " SYNOPSIS_HERALDED HERALDED_HELP "\n" OUTPUT_HELP,
    [SUB_COMPUTATIONAL] = "Usage: " SYNOPSIS_COMPUTATIONAL COMPUTATIONAL_HELP "\n" OUTPUT_HELP,
    [SUB_PATTERNS] = "Usage: " SYNOPSIS_PATTERNS PATTERNS_HEAD PATTERN_OPTIONS
                     "  -O, --format=FMT        pgm (a PGM stack, default) or raw\n" FINAL_OPTIONS,
    [SUB_MERGE] = "Usage: " SYNOPSIS_MERGE
                  "qrecon merge (PARTIAL: the sums of qrecon heralded or computational\n"
                  "--partial, one per shard): the merged image, reconstructed as the\n"
                  "subcommand that wrote them does; --flat, --deconvolve, --algorithm,\n"
                  "--patterns, --iterations, --tolerance, --lambda and --basis as there.\n"
                  "\n" OUTPUT_HELP,
};

const char *qrecon_subcommand_usage(enum qrecon_sub sub) { return subcommand_usage[sub]; }

struct report qrecon_report = {.tool = "qrecon"};

const char *const qrecon_subcommands[] = {"heralded", "computational", "patterns", "merge"};

static enum qrecon_sub which_subcommand(int argc, char **argv)
{
    if (argc < 2)
        cli_usage_error("missing a subcommand (heralded, computational, patterns, merge)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        cli_help(qrecon_usage);
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
        cli_version();
    if (argv[1][0] == '-')
        cli_usage_error("missing a subcommand (heralded, computational, patterns, merge)");
    for (int i = 0; i < SUB_COUNT; i++)
        if (strcmp(argv[1], qrecon_subcommands[i]) == 0)
            return (enum qrecon_sub)i;
    cli_usage_error("unknown subcommand '%s' (heralded, computational, patterns, merge)",
                    argv[1]);
}

/* heralded and computational read one stream, or --buckets instead. */
static const char *stream_operand(const struct qrecon_opts *o, char **files, int operands)
{
    int tsv = o->sub == SUB_COMPUTATIONAL && o->buckets;
    if (!tsv)
        cli_need_input(operands, qrecon_usage);
    if (operands > 1)
        cli_usage_error("qrecon %s reads one stream", qrecon_subcommands[o->sub]);
    if (tsv && operands)
        cli_usage_error("--buckets replaces the stream: give no FILE");
    return operands ? files[0] : "-";
}

int main(int argc, char **argv)
{
    static struct qrecon_opts o;
    o.started = cli_monotonic_seconds();
    cli_init("qrecon", argc, argv);
    o.sub = which_subcommand(argc, argv);
    static char label[32];
    snprintf(label, sizeof label, "qrecon %s", argv[1]);
    argv[1] = label; /* getopt names the program by argv[0] in its messages */
    qrecon_parse_args(argc - 1, argv + 1, &o);
    int operands = argc - 1 - optind;
    char **files = argv + 1 + optind;
    if (o.sub == SUB_MERGE) {
        qrecon_report.source = "merged";
        qrecon_merge(&o, files, operands);
    } else if (o.sub == SUB_PATTERNS) {
        if (operands)
            cli_usage_error("qrecon patterns takes no input");
        qrecon_patterns(&o);
    } else {
        qrecon_report.source = stream_operand(&o, files, operands);
        if (o.sub == SUB_HERALDED)
            qrecon_heralded(&o, qrecon_report.source);
        else
            qrecon_computational(&o, qrecon_report.source);
    }
    cli_exit(CLI_OK);
}
