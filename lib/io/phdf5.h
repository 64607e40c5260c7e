/* Photon-HDF5 output: /photon_data/timestamps (int64, unit 1 ps), detectors,
 * nanotimes when the stream carries micro-times, and the rest of each event
 * (kind, flags, aux) under /user/qpipe, so that reading it back loses nothing. */
#ifndef QEV_PHDF5_H
#define QEV_PHDF5_H

#include <stddef.h>

#include "qev.h"

typedef struct phdf5_writer phdf5_writer;

/* HDF5 needs a seekable file: path names it. The handle is returned even on
 * failure (NULL only without memory); check phdf5_writer_status(). */
phdf5_writer *phdf5_writer_open(const char *path, const qev_meta *meta);
int phdf5_write(phdf5_writer *w, const qev_event *ev, size_t n);
int phdf5_writer_status(const phdf5_writer *w);
const char *phdf5_writer_error(const phdf5_writer *w);
/* Completes the file and frees the handle; returns the final status. */
int phdf5_writer_close(phdf5_writer *w, char *msg, size_t cap);

/* For the reader and the writer alike: the most specific message on HDF5's
 * error stack, cut to cap bytes, into buf (empty when there is none); the
 * stack is then cleared. */
void phdf5_innermost_error(char *buf, size_t cap);

#endif
