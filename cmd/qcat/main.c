/* qcat: view, slice, merge and re-encode QEV streams. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "qcat.h"

int main(int argc, char **argv)
{
    static struct qcat_opts o;
    static char *stdin_only[] = {"-"};
    cli_init("qcat", argc, argv);
    qcat_parse_args(argc, argv, &o);
    cli_need_input(argc - optind, qcat_usage);
    char **paths = optind < argc ? argv + optind : stdin_only;
    int npaths = optind < argc ? argc - optind : 1;
    struct sink *s = sink_open(o.mode, o.output, o.level);
    qev_event *scratch = malloc(QEV_MAX_BLOCK_EVENTS * sizeof *scratch);
    if (!scratch)
        cli_die(NULL, "out of memory");
    if (o.shards && npaths != 1)
        cli_usage_error("--shard cuts one file");
    if (o.shards)
        qcat_cut_shard(paths[0], &o, s, scratch);
    else if (o.merge)
        qcat_merge(paths, npaths, &o, s, scratch);
    else
        qcat_concatenate(paths, npaths, &o, s, scratch);
    qcat_tally(s, o.filter);
    sink_close(s);
    free(scratch);
    qev_filter_free(o.filter);
    cli_exit(CLI_OK);
}
