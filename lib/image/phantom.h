/* Built-in test objects: transmission masks with values in [0, 1], row-major,
 * sampled at pixel centres so that every pixel holds one of a few exact
 * levels. */
#ifndef QEV_PHANTOM_H
#define QEV_PHANTOM_H

#include <stddef.h>
#include <stdint.h>

/* Names:
 *   usaf          a USAF-1951-like target: elements of three horizontal and
 *                 three vertical bars (bar = gap = b, bars 5b long), b
 *                 shrinking by 2^(1/6) from element to element; bars transmit
 *                 (1) on an opaque (0) ground;
 *   discs         an opaque ground, a disc of transmission 0.5 and inside it
 *                 discs of 1, 0.75, 0.25 and 0;
 *   letters       the text "QGI";
 *   letters:TEXT  TEXT (A-Z, 0-9, space) in a 5 x 7 dot font, letters
 *                 transmitting (1) on an opaque ground.
 * QEV_OK, or QEV_EINVAL for an unknown name, a character the font lacks, or
 * a size of 0 or above 65535. */
int qev_phantom(const char *name, uint32_t width, uint32_t height, float *out);
/* True when name names a phantom (whatever the size). */
int qev_phantom_known(const char *name);

#endif
