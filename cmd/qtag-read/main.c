/* qtag-read: time-tagger files into one QEV stream. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "qtag_read.h"

int main(int argc, char **argv)
{
    struct read_opts o;
    cli_init("qtag-read", argc, argv);
    qtag_read_parse_args(argc, argv, &o);
    if (o.info) {
        for (int i = optind; i < argc; i++)
            qtag_read_print_info(argv[i], &o.tag);
        cli_exit(CLI_OK);
    }
    struct sink *s = sink_open(SINK_QEV, o.output, o.level);
    if (o.merge) {
        qtag_read_merge(argv + optind, argc - optind, &o.tag, s);
    } else {
        qev_event *buf = malloc(QTAG_READ_CHUNK * sizeof *buf);
        if (!buf)
            cli_die(NULL, "out of memory");
        for (int i = optind; i < argc; i++)
            qtag_read_convert(argv[i], &o.tag, s, buf);
        free(buf);
    }
    qtag_read_tally(s);
    sink_close(s);
    cli_exit(CLI_OK);
}
