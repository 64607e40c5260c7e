/* The files qrecon reads and writes besides streams: pattern sequences for a
 * DMD, and reconstructed images that say how they were scaled. */
#ifndef QEV_RECON_IO_H
#define QEV_RECON_IO_H

#include <stddef.h>
#include <stdio.h>

#include "image.h"
#include "recon.h"

/* ---- pattern files ----
 * The measurement sequence, in the order reconstruction assumes (for split
 * Hadamard patterns: 2k the positive part, 2k + 1 the negative part of the
 * k-th pattern of the ordering), one frame per measurement, pixels row-major
 * with the top row first:
 *   pgm  a PGM stack: one binary PGM (P5, maxval 255) after another, as
 *        Netpbm allows; a pixel that is on is 255, off 0;
 *   raw  width x height bytes per frame, 255 on and 0 off, nothing else.
 * Reading takes either (a PGM stack is known by its magic; raw needs the
 * size), and also one image (PGM, PFM or PNG) W wide holding the frames
 * stacked top to bottom, as qsim spi --patterns reads them; it gives values
 * sample / maxval, or a PFM's values as they are, and refuses any outside
 * [0, 1]. */
enum qev_pattern_file { QEV_PATTERN_FILE_PGM, QEV_PATTERN_FILE_RAW };

/* Writes rows first to last - 1 of op, 0/1 patterns only. */
int qev_patterns_write(FILE *f, const qev_recon_op *op, size_t first, size_t last,
                       enum qev_pattern_file format, char *why, size_t cap);
/* Reads a pattern file; width and height are needed for raw bytes, and
 * checked against a PGM stack when not 0. *values is rows x width x height,
 * for the caller to free. Refused above max_bytes of values. */
int qev_patterns_read(const char *path, size_t *width, size_t *height, float **values,
                      size_t *rows, size_t max_bytes, char *why, size_t cap);

/* ---- flat fields from a calibration file (qcal(5)) ----
 * The flat.CH section of qcal flat: flat.CH.width, flat.CH.height and one
 * flat.CH.X.Y efficiency per pixel (mean 1). channel < 0 takes the file's
 * only flat section. Pixels without an entry get 0, which masks them.
 * QEV_EINVAL with why for no such section, several to choose from, or a
 * size other than width x height. */
struct qev_calib;
int qev_flat_from_calib(const struct qev_calib *c, long channel, size_t width, size_t height,
                        double *flat, char *why, size_t cap);

/* ---- images ---- */
enum qev_recon_format {
    QEV_OUT_PFM,   /* float, the values as they are */
    QEV_OUT_PGM,   /* 8-bit */
    QEV_OUT_PGM16,
    QEV_OUT_PNG,   /* 8-bit grey */
    QEV_OUT_PNG16,
    QEV_OUT_TSV,   /* "x y value" rows under a header, %.17g */
};
int qev_recon_format_parse(const char *name, enum qev_recon_format *f);
/* The format an output name's extension implies (.pfm .pgm .png .tsv .txt);
 * QEV_EINVAL when it implies none. */
int qev_recon_format_of_path(const char *path, enum qev_recon_format *f);
const char *qev_recon_format_name(enum qev_recon_format f);
int qev_recon_format_scaled(enum qev_recon_format f);

/* Writes the image; comment (may be NULL, may hold several lines) goes where
 * the format keeps comments: '#' lines after the PGM magic, a PNG tEXt
 * "Comment" chunk, '#' lines before the TSV header. PFM has no place for it.
 * The scale maps lo to 0 and hi to the largest sample of PGM and PNG. */
int qev_recon_write_image(FILE *f, const qev_image *im, enum qev_recon_format format,
                          qev_image_scale s, const char *comment, char *why, size_t cap);

#endif
