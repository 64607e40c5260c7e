/* Grey images in memory, and the image files qpipe reads and writes.
 *
 * An image is width x height samples held as doubles, row-major, top row
 * first, whatever the file held. It remembers what the file held: integer
 * samples of 8 or 16 bits (with the file's full-scale value) or floating
 * point, because the data range of a metric such as SSIM depends on it.
 *
 * Reads: PGM (P5 with 8-bit or 16-bit big-endian samples, P2 plain text), PFM
 * (grey "Pf", either byte order, rows stored bottom to top), PNG (grey of 1 to
 * 16 bits, through libpng) and raw float32/float64 of a given size. Colour
 * (PPM, colour or palette PNG, colour "PF" PFM) is refused unless luma was
 * asked for: Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601) on the stored
 * values, without gamma decoding, kept unrounded.
 * Writes: PFM, PGM and PNG of 8 or 16 bits, with an explicit scaling.
 *
 * Functions return QEV_OK or a negative qev_status and leave a one-line
 * reason in why (why_cap bytes, may be 0). Sizes claimed by a header are
 * checked against QEV_IMAGE_MAX_PIXELS and against the bytes present before
 * anything is allocated for them. */
#ifndef QEV_IMAGE_H
#define QEV_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qev.h"

#define QEV_IMAGE_MAX_PIXELS ((size_t)1 << 28)
/* Inputs larger than this are refused before they are read whole. */
#define QEV_IMAGE_MAX_FILE_BYTES ((size_t)1 << 32)

typedef struct qev_image {
    size_t width, height;
    int bits;        /* 8 or 16 for integer samples; 0 for floating point */
    unsigned maxval; /* full scale of integer samples (255, 65535, a PGM maxval); 0 for float */
    double *px;      /* width * height samples */
} qev_image;

enum qev_image_format {
    QEV_IMAGE_AUTO, /* by content: PGM, PPM, PFM or PNG */
    QEV_IMAGE_PGM,
    QEV_IMAGE_PFM,
    QEV_IMAGE_PNG,
    QEV_IMAGE_RAW, /* needs a size and a sample type */
};

enum qev_raw_type { QEV_RAW_F32LE, QEV_RAW_F32BE, QEV_RAW_F64LE, QEV_RAW_F64BE };

typedef struct qev_image_read_opts {
    enum qev_image_format format;
    int luma;                 /* convert colour to BT.601 luma instead of refusing it */
    size_t raw_width, raw_height;
    enum qev_raw_type raw_type;
} qev_image_read_opts;

/* A new image of the given size, every sample 0; bits 0. */
int qev_image_alloc(qev_image *im, size_t width, size_t height, char *why, size_t why_cap);
void qev_image_free(qev_image *im);
static inline double qev_image_at(const qev_image *im, size_t x, size_t y)
{
    return im->px[y * im->width + x];
}

/* Decodes an image held in memory. opts may be NULL (auto-detect, no luma). */
int qev_image_decode(const uint8_t *data, size_t len, const qev_image_read_opts *opts,
                     qev_image *im, char *why, size_t why_cap);
/* Reads a file whole and decodes it; "-" is standard input. */
int qev_image_read(const char *path, const qev_image_read_opts *opts, qev_image *im, char *why,
                   size_t why_cap);
/* Parses a raw sample type name: f32, f32be, f64, f64be (f32le, f64le too). */
int qev_raw_type_parse(const char *name, enum qev_raw_type *t);
/* The name of what the image came from: "8-bit", "16-bit" or "float". */
const char *qev_image_kind(const qev_image *im);

/* How samples become integers in PGM and PNG: lo maps to 0 and hi to the
 * largest value of the depth (255 or 65535), linearly; values outside are
 * clamped, and the result is rounded half away from zero. */
typedef struct qev_image_scale {
    double lo, hi;
} qev_image_scale;

/* The scale that shows the whole image: lo its smallest sample and hi its
 * largest, NaN samples left out. An image with no two different values gets
 * hi = lo + 1, so that it shows as black; that returns 1, any other 0. */
int qev_image_span_scale(const qev_image *im, qev_image_scale *s);

/* PFM "Pf", little-endian (scale -1), rows bottom to top as the format says. */
int qev_image_write_pfm(FILE *f, const qev_image *im, char *why, size_t why_cap);
/* PGM P5 with bits 8 or 16 (big-endian samples). */
int qev_image_write_pgm(FILE *f, const qev_image *im, int bits, qev_image_scale s, char *why,
                        size_t why_cap);
/* Grey PNG with bits 8 or 16. */
int qev_image_write_png(FILE *f, const qev_image *im, int bits, qev_image_scale s, char *why,
                        size_t why_cap);
/* The format a file name asks for: .pfm, .pgm or .png (any case);
 * QEV_IMAGE_AUTO for any other name. */
enum qev_image_format qev_image_format_for_path(const char *path);
/* Writes to path through a temporary file beside it, renamed into place only
 * when complete. The format is PFM, PGM or PNG (bits 8 or 16 for the last two). */
int qev_image_save(const char *path, const qev_image *im, enum qev_image_format format, int bits,
                   qev_image_scale s, char *why, size_t why_cap);

#endif
