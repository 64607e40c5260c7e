/* qtag-read's options. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "qtag_read.h"

static const char usage[] =
    "Usage: qtag-read [OPTION]... FILE...\n"
    "Read time-tagger files into one QEV stream on standard output: one segment per\n"
    "file, or one time-merged segment with --merge. Times are exact picoseconds.\n"
    "\n"
    "  -F, --format=NAME        the file's format (default: from its magic, then its\n"
    "                           extension); --list-formats names them\n"
    "  -m, --merge              merge the files by time into one segment\n"
    "  -i, --info               print each file's header and conversion rules; no stream\n"
    "      --list-formats       print the formats read, and exit\n"
    "      --allow-truncated    keep what a truncated file holds, mark the stream as\n"
    "                           truncated in its metadata, warn, and exit 0\n"
    "      --strict             fail on any record that cannot be interpreted\n"
    "  -o, --output=FILE        write to FILE, renamed into place only on success\n"
    "  -l, --level=N            zstd level (default 1)\n"
    "\n"
    "Text (CSV, TSV) and raw binary records:\n"
    "      --time-column=COL    name or 1-based number of the time column (default 1)\n"
    "      --channel-column=COL name or number of the channel column (default 2)\n"
    "      --header, --no-header  whether the first row names the columns (default:\n"
    "                           it does when its time field is not a number)\n"
    "      --delimiter=C        field separator: one character, or tab, comma,\n"
    "                           semicolon, space (runs of spaces); default: the first of\n"
    "                           tab , ; space on the first line\n"
    "      --time-unit=T        unit of the times, e.g. 1ps, 1ns, 81ps (default: the unit\n"
    "                           the time column's name states, time_ns or t (us), among\n"
    "                           ps ns us ms s; else 1ps)\n"
    "      --channel-map=MAP    channel names to numbers, e.g. A=1,B=2; numeric channels\n"
    "                           (0..65535) are kept as written\n"
    "      --channel-bytes=N    raw records: 2 or 4 bytes of channel after the int64 time\n"
    "  Text times may be integers or decimals (12.345, 1e-6) and must be whole\n"
    "  picoseconds once multiplied by the unit. A header naming kind, x, y, micro,\n"
    "  value or group columns (qcat's text and CSV) fills those fields: '-' is none, a\n"
    "  group number other than the previous row's starts a group. Blank lines and\n"
    "  lines starting with # are skipped, and a header row repeated identically (files\n"
    "  joined with cat). The last line must end with a newline: a file that ends inside\n"
    "  a row is truncated.\n"
    "\n"
    "      --tally              at the end, print on stderr the records read, the events\n"
    "                           written, and the records that made no event, by kind\n"
    "      --no-provenance      do not add a provenance line\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 bad or truncated input or I/O error, 2 usage error.\n";

enum {
    OPT_LIST = CLI_OPT_FIRST_TOOL_OPTION,
    OPT_ALLOW_TRUNCATED,
    OPT_STRICT,
    OPT_TIME_COLUMN,
    OPT_CHANNEL_COLUMN,
    OPT_HEADER,
    OPT_NO_HEADER,
    OPT_DELIMITER,
    OPT_TIME_UNIT,
    OPT_CHANNEL_MAP,
    OPT_CHANNEL_BYTES,
};

_Noreturn static void list_formats(void)
{
    const char *description;
    for (size_t i = 0; i < qtag_format_count(); i++) {
        const char *name = qtag_format_at(i, &description);
        printf("%-8s %s\n", name, description);
    }
    cli_exit(CLI_OK);
}

static char parse_delimiter(const char *s)
{
    static const struct cli_name names[] = {
        {"tab", '\t'}, {"\\t", '\t'}, {"comma", ','}, {"semicolon", ';'}, {"space", ' '}};
    int named = cli_named(s, names, sizeof names / sizeof *names, -1);
    if (named >= 0)
        return (char)named;
    if (strlen(s) != 1)
        cli_usage_error("--delimiter: '%s' is not one character (or tab, comma, semicolon, "
                        "space)", s);
    return s[0];
}

/* The options of text (CSV, TSV) and raw binary records. */
static void record_option(qtag_opts *t, int c, const char *arg)
{
    switch (c) {
    case OPT_TIME_COLUMN: t->time_column = arg; break;
    case OPT_CHANNEL_COLUMN: t->channel_column = arg; break;
    case OPT_HEADER: t->header_row = QTAG_HEADER_YES; break;
    case OPT_NO_HEADER: t->header_row = QTAG_HEADER_NO; break;
    case OPT_DELIMITER: t->delimiter = parse_delimiter(arg); break;
    case OPT_TIME_UNIT:
        t->time_unit_ps = cli_time("--time-unit", arg);
        if (t->time_unit_ps <= 0)
            cli_usage_error("--time-unit must be positive");
        break;
    case OPT_CHANNEL_MAP: t->channel_map = arg; break;
    case OPT_CHANNEL_BYTES:
        t->raw_channel_bytes = (int)cli_int("--channel-bytes", arg, 2, 4);
        if (t->raw_channel_bytes == 3)
            cli_usage_error("--channel-bytes must be 2 or 4");
        break;
    default: cli_common_option(c, usage);
    }
}

static void check_args(const struct read_opts *o, int operands)
{
    if (o->tag.format) {
        size_t i;
        for (i = 0; i < qtag_format_count(); i++)
            if (strcmp(qtag_format_at(i, NULL), o->tag.format) == 0)
                break;
        if (i == qtag_format_count())
            cli_usage_error("--format: unknown format '%s' (see --list-formats)", o->tag.format);
    }
    if (operands == 0)
        cli_usage_error("no input file");
    if (o->info && cli_tally_wanted())
        cli_usage_error("--tally counts a conversion; --info converts nothing");
}

void qtag_read_parse_args(int argc, char **argv, struct read_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'F'},
        {"merge", no_argument, NULL, 'm'},
        {"info", no_argument, NULL, 'i'},
        {"list-formats", no_argument, NULL, OPT_LIST},
        {"allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNCATED},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, 'l'},
        {"time-column", required_argument, NULL, OPT_TIME_COLUMN},
        {"channel-column", required_argument, NULL, OPT_CHANNEL_COLUMN},
        {"header", no_argument, NULL, OPT_HEADER},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"delimiter", required_argument, NULL, OPT_DELIMITER},
        {"time-unit", required_argument, NULL, OPT_TIME_UNIT},
        {"channel-map", required_argument, NULL, OPT_CHANNEL_MAP},
        {"channel-bytes", required_argument, NULL, OPT_CHANNEL_BYTES},
        CLI_TALLY_LONGOPT,
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->tag.header_row = QTAG_HEADER_DETECT;
    int c;
    while ((c = getopt_long(argc, argv, "F:mio:l:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'F': o->tag.format = optarg; break;
        case 'm': o->merge = 1; break;
        case 'i': o->info = 1; break;
        case OPT_LIST: list_formats();
        case OPT_ALLOW_TRUNCATED: o->tag.allow_truncated = 1; break;
        case OPT_STRICT: o->tag.strict = 1; break;
        case 'o': o->output = optarg; break;
        case 'l': o->level = (int)cli_int("--level", optarg, -7, 22); break;
        default: record_option(&o->tag, c, optarg);
        }
    }
    check_args(o, argc - optind);
}
