/* Where a tool's events go: text, a QEV stream, a count, or segment headers.
 * Part of the CLI layer: it writes to the output and exits on errors. */
#ifndef QPIPE_SINK_H
#define QPIPE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

/* SINK_RAW writes 16-byte little-endian records, the in-memory event layout:
 * int64 time_ps, uint16 channel, uint8 kind, uint8 flags, uint32 aux.
 * SINK_CSV is the text form with commas; SINK_PHDF5 writes Photon-HDF5 to the
 * -o file. */
enum sink_mode { SINK_TEXT, SINK_CSV, SINK_QEV, SINK_RAW, SINK_PHDF5, SINK_COUNT, SINK_HEADER };

struct sink;

struct sink *sink_open(enum sink_mode mode, const char *output, int level);
/* Starts an output segment described by meta (QEV output gets a provenance
 * line); source names where it came from, for --header. */
void sink_segment(struct sink *s, const qev_meta *meta, const char *source);
void sink_events(struct sink *s, const qev_event *ev, size_t n);
/* The events given to sink_events so far, whatever the mode shows of them. */
uint64_t sink_events_written(const struct sink *s);
/* Closing metadata of the current output segment (counts known at its end). */
void sink_closing(struct sink *s, const qev_meta *closing);
void sink_close(struct sink *s);
/* The metadata of a merge: the first input's, with the fields and provenance
 * of all. */
qev_meta *sink_merged_meta(qev_reader **readers, size_t k);

#endif
