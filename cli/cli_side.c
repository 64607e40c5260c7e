/* Second outputs written atomically, or a one-line error and exit 1. */
#include "cli_side.h"
#include "cli.h"
#include "qev.h"

FILE *cli_side_open(qev_atomic_file *a, const char *path)
{
    char why[256];
    if (qev_atomic_open(a, path, why, sizeof why) != QEV_OK)
        cli_die(path, "%s", why);
    return a->f;
}

void cli_side_commit(qev_atomic_file *a)
{
    char why[256];
    const char *path = a->path;
    if (qev_atomic_commit(a, why, sizeof why) != QEV_OK)
        cli_die(path, "%s", why);
}
