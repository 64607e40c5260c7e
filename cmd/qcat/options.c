/* qcat's options. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qcat.h"

const char qcat_usage[] =
    "Usage: qcat [OPTION]... [FILE]...\n"
    "View, slice, merge and re-encode QEV photon-event streams.\n"
    "With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "Output (text by default: one event per line, a header line naming the columns):\n"
    "  -b, --qev              write a QEV stream instead of text\n"
    "  -O, --format=FMT       text, csv, qev, phdf5 (Photon-HDF5, needs -o), or raw:\n"
    "                         16-byte little-endian records of int64 time_ps, uint16\n"
    "                         channel, uint8 kind, uint8 flags, uint32 aux (numpy dtype\n"
    "                         <i8,<u2,u1,u1,<u4). -o names ending in .qev, .csv, .h5\n"
    "                         choose qev, csv, phdf5\n"
    "  -o, --output=FILE      write to FILE, renamed into place only on success\n"
    "  -H, --header           print the metadata of each segment instead of events\n"
    "  -c, --count            print the number of events selected\n"
    "  -l, --level=N          zstd level of QEV output (default 1)\n"
    "\n"
    "Selection:\n"
    "  -m, --merge            merge time-sorted inputs into one time-sorted stream\n"
    "                         (default: concatenate, keeping each input's segments)\n"
    "      --from=T           keep events at time T or later (e.g. 1.5s, 200ns)\n"
    "      --to=T             keep events before time T\n"
    "  -C, --channel=LIST     keep these channels (e.g. 1,3,5-8)\n"
    "  -k, --kind=LIST        keep these kinds (photon, sync, marker)\n"
    "      --shard=I/N        shard I (from 1) of N equal time spans of a QEV file,\n"
    "                         found through its block index; the shard's metadata\n"
    "                         says which span it owns (owned_from_ps, owned_to_ps)\n"
    "      --overlap=T        widen the shard by T on both sides, the margin that\n"
    "                         correlations need (they count only what the shard owns)\n"
    "\n"
    "      --tally            at the end, print on stderr the events read, selected\n"
    "                         and filtered out, by reason\n"
    "      --no-provenance    do not add a provenance line to QEV output\n"
    "  -h, --help             print this help and exit\n"
    "  -V, --version          print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n";

enum { OPT_FROM = CLI_OPT_FIRST_TOOL_OPTION, OPT_TO, OPT_SHARD, OPT_OVERLAP };

static enum sink_mode parse_format(const char *s)
{
    static const struct cli_name formats[] = {{"text", SINK_TEXT}, {"qev", SINK_QEV},
                                              {"raw", SINK_RAW},   {"csv", SINK_CSV},
                                              {"phdf5", SINK_PHDF5}};
    int mode = cli_named(s, formats, sizeof formats / sizeof *formats, -1);
    if (mode < 0)
        cli_usage_error("--format: '%s' is not one of text, csv, qev, raw, phdf5", s);
    return (enum sink_mode)mode;
}

static void set_mode(struct qcat_opts *o, enum sink_mode m)
{
    if (o->mode_set && o->mode != m)
        cli_usage_error("choose one of --qev/--format, --header and --count");
    o->mode = m;
    o->mode_set = 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Without --format, an -o name ending in .qev, .csv, .h5 or .hdf5 chooses it. */
static void mode_from_output(struct qcat_opts *o)
{
    if (o->mode_set || !o->output)
        return;
    if (ends_with(o->output, ".qev"))
        o->mode = SINK_QEV;
    if (ends_with(o->output, ".csv"))
        o->mode = SINK_CSV;
    if (ends_with(o->output, ".h5") || ends_with(o->output, ".hdf5"))
        o->mode = SINK_PHDF5;
}

static void parse_shard(struct qcat_opts *o, const char *arg)
{
    char *end;
    o->shard = strtol(arg, &end, 10);
    if (*end != '/' || end == arg)
        cli_usage_error("--shard: '%s' is not I/N", arg);
    o->shards = cli_int("--shard", end + 1, 1, 1000000);
    if (o->shard < 1 || o->shard > o->shards)
        cli_usage_error("--shard: I must be between 1 and N");
}

static void select_option(struct qcat_opts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_FROM: o->from = cli_time("--from", arg); break;
    case OPT_TO: o->to = cli_time("--to", arg); break;
    case OPT_SHARD: parse_shard(o, arg); break;
    case OPT_OVERLAP: o->overlap = cli_time("--overlap", arg); break;
    case 'C':
        cli_filter_channels(o->filter, "--channel", arg);
        break;
    case 'k':
        if (qev_filter_add_kinds(o->filter, arg) != QEV_OK)
            cli_usage_error("--kind: '%s' is not a list of photon, sync, marker", arg);
        break;
    default: cli_common_option(c, qcat_usage);
    }
}

static void check_args(const struct qcat_opts *o)
{
    if (o->from >= o->to)
        cli_usage_error("--from must be before --to");
    if (o->shards && (o->merge || o->from != INT64_MIN || o->to != INT64_MAX))
        cli_usage_error("--shard does not combine with --merge, --from or --to");
    if (o->overlap < 0 || (o->overlap && !o->shards))
        cli_usage_error("--overlap needs --shard and must not be negative");
}

void qcat_parse_args(int argc, char **argv, struct qcat_opts *o)
{
    static const struct option longopts[] = {
        {"qev", no_argument, NULL, 'b'},          {"format", required_argument, NULL, 'O'},
        {"output", required_argument, NULL, 'o'}, {"header", no_argument, NULL, 'H'},
        {"count", no_argument, NULL, 'c'},        {"level", required_argument, NULL, 'l'},
        {"merge", no_argument, NULL, 'm'},        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},  {"channel", required_argument, NULL, 'C'},
        {"kind", required_argument, NULL, 'k'},   {"shard", required_argument, NULL, OPT_SHARD},
        {"overlap", required_argument, NULL, OPT_OVERLAP},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int c;
    memset(o, 0, sizeof *o);
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->filter = cli_filter();
    while ((c = getopt_long(argc, argv, "bO:o:Hcl:mC:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': set_mode(o, SINK_QEV); break;
        case 'O': set_mode(o, parse_format(optarg)); break;
        case 'o': o->output = optarg; break;
        case 'H': set_mode(o, SINK_HEADER); break;
        case 'c': set_mode(o, SINK_COUNT); break;
        case 'l': o->level = (int)cli_int("--level", optarg, -7, 22); break;
        case 'm': o->merge = 1; break;
        default: select_option(o, c, optarg);
        }
    }
    mode_from_output(o);
    check_args(o);
    qev_filter_set_window(o->filter, o->from, o->to);
}
