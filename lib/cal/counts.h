/* The photons of a stream, per channel and per pixel, and its duration
 * (qcal dark, qcal flat, and the dark acquisitions they subtract). Pixels
 * are counted for the channels with pixel events (SPAD arrays), x and y
 * below QCAL_PIXEL_SIDE, for up to QCAL_MAX_ARRAYS channels. */
#ifndef QCAL_COUNTS_H
#define QCAL_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

#define QCAL_PIXEL_SIDE 4096
#define QCAL_MAX_ARRAYS 8

typedef struct qcal_counts qcal_counts;

qcal_counts *qcal_counts_new(void);
void qcal_counts_free(qcal_counts *k);
/* Counts the photons. QEV_EINVAL for a pixel beyond the side or one array
 * channel too many, QEV_ENOMEM; the message in qcal_counts_error. */
int qcal_counts_add(qcal_counts *k, const qev_event *ev, size_t n);
const char *qcal_counts_error(const qcal_counts *k);

/* Ends the count. The duration is duration_ps when positive, else the
 * metadata's duration_ps, else the time span of the photons; the arrays are
 * the metadata's image_width x image_height, grown to the pixels seen.
 * QEV_EINVAL when no duration is known (fewer than two photons). */
int qcal_counts_finish(qcal_counts *k, const qev_meta *m, double duration_ps);
double qcal_counts_duration(const qcal_counts *k); /* ps */
uint64_t qcal_counts_channel(const qcal_counts *k, uint16_t ch);

/* The array channels, in the order their first pixel came. */
size_t qcal_counts_arrays(const qcal_counts *k);
uint16_t qcal_counts_array_channel(const qcal_counts *k, size_t a);
/* The counts of array a as a w x h image, row after row (malloc'd; NULL
 * when out of memory). */
double *qcal_counts_image(const qcal_counts *k, size_t a, uint32_t *w, uint32_t *h);
/* The count of pixel (x, y) of channel ch; 0, and *is_array 0, when ch has
 * no pixel events. */
double qcal_counts_pixel(const qcal_counts *k, uint16_t ch, uint32_t x, uint32_t y, int *is_array);

#endif
