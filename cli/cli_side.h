/* Second outputs of a tool (a report, a truth file, metrics), written as
 * lib/stream/atomic_file.h writes files: renamed into place only when complete. Like
 * the rest of the CLI module, a failure prints one line and exits 1. */
#ifndef QEV_CLI_SIDE_H
#define QEV_CLI_SIDE_H

#include "atomic_file.h"

/* Returns the stream to write path's content to. */
FILE *cli_side_open(qev_atomic_file *a, const char *path);
void cli_side_commit(qev_atomic_file *a);

#endif
