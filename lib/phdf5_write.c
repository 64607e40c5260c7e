/* Placeholder until the Photon-HDF5 writer lands: refuses with a clear message. */
#include "phdf5.h"

#include <stdio.h>
#include <stdlib.h>

struct phdf5_writer {
    int status;
};

phdf5_writer *phdf5_writer_open(const char *path, const qev_meta *meta)
{
    (void)path;
    (void)meta;
    phdf5_writer *w = calloc(1, sizeof *w);
    if (w)
        w->status = QEV_EINVAL;
    return w;
}

int phdf5_write(phdf5_writer *w, const qev_event *ev, size_t n)
{
    (void)ev;
    (void)n;
    return w->status;
}

int phdf5_writer_status(const phdf5_writer *w) { return w->status; }

const char *phdf5_writer_error(const phdf5_writer *w)
{
    (void)w;
    return "Photon-HDF5 output is not in this build yet";
}

int phdf5_writer_close(phdf5_writer *w, char *msg, size_t cap)
{
    int rc = w->status;
    snprintf(msg, cap, "%s", phdf5_writer_error(w));
    free(w);
    return rc;
}
