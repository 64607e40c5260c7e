/* The time a run stamps on what it writes (provenance lines, calibration and
 * Photon-HDF5 files), so that every writer takes it the same way. */
#ifndef QEV_UTC_TIME_H
#define QEV_UTC_TIME_H

#include <stddef.h>

/* The time of the run in UTC, as strftime's format writes it: now, or the
 * time SOURCE_DATE_EPOCH gives, so that a build or a test can reproduce the
 * output byte for byte. */
void qev_utc_time(const char *format, char *buf, size_t cap);

#endif
