/* Pattern files and image output for qrecon, over image.h. */
#include "internal.h"
#include "recon_io.h"
#include "calib.h"
#include "qev.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int write_error(FILE *f, char *why, size_t cap)
{
    if (fflush(f) != 0 || ferror(f))
        return qev_why(why, cap, QEV_EIO, "write error: %s", strerror(errno));
    return QEV_OK;
}

/* ---- writing patterns ---- */

static int binary_row(const double *row, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (row[i] != 0 && row[i] != 1)
            return 0;
    return 1;
}

static int write_frame(FILE *f, const qev_image *im, enum qev_pattern_file format, uint8_t *bytes,
                       char *why, size_t cap)
{
    size_t n = im->width * im->height;
    if (format == QEV_PATTERN_FILE_PGM)
        return qev_image_write_pgm(f, im, 8, (qev_image_scale){0, 1}, why, cap);
    for (size_t i = 0; i < n; i++)
        bytes[i] = im->px[i] != 0 ? 255 : 0;
    fwrite(bytes, 1, n, f);
    return write_error(f, why, cap);
}

int qev_patterns_write(FILE *f, const qev_recon_op *op, size_t first, size_t last,
                       enum qev_pattern_file format, char *why, size_t cap)
{
    qev_image im;
    int rc = qev_image_alloc(&im, qev_op_width(op), qev_op_height(op), why, cap);
    if (rc != QEV_OK)
        return rc;
    size_t n = im.width * im.height;
    uint8_t *bytes = malloc(n);
    if (!bytes)
        rc = qev_why(why, cap, QEV_ENOMEM, "out of memory");
    for (size_t m = first; rc == QEV_OK && m < last; m++) {
        qev_op_row(op, m, im.px);
        if (!binary_row(im.px, n))
            rc = qev_why(why, cap, QEV_EINVAL,
                      "pattern %zu is not 0/1: a device shows split or binary patterns only", m);
        else
            rc = write_frame(f, &im, format, bytes, why, cap);
    }
    free(bytes);
    qev_image_free(&im);
    return rc;
}

/* ---- reading patterns ---- */

static int read_all(const char *path, uint8_t **buf, size_t *len, size_t max, char *why,
                    size_t cap)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return qev_why(why, cap, QEV_EIO, "cannot open: %s", strerror(errno));
    size_t size = 0, room = 1 << 16;
    uint8_t *b = malloc(room);
    int rc = b ? QEV_OK : qev_why(why, cap, QEV_ENOMEM, "out of memory");
    while (rc == QEV_OK) {
        size += fread(b + size, 1, room - size, f);
        if (size < room)
            break;
        uint8_t *nb = room > max ? NULL : realloc(b, room * 2);
        if (!nb)
            rc = qev_why(why, cap, room > max ? QEV_EINVAL : QEV_ENOMEM,
                      room > max ? "pattern file larger than %zu bytes" : "out of memory", max);
        else
            b = nb;
        room *= 2;
    }
    if (rc == QEV_OK && ferror(f))
        rc = qev_why(why, cap, QEV_EIO, "read error: %s", strerror(errno));
    if (f != stdin)
        fclose(f);
    if (rc != QEV_OK)
        free(b);
    *buf = rc == QEV_OK ? b : NULL;
    *len = size;
    return rc;
}

static int pnm_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The length of the P5 frame at d: its header (magic, width, height, maxval,
 * comments among them, one whitespace after) and its samples. 0 when the
 * header is not one; image.h decodes the frame itself. */
static size_t pgm_frame_length(const uint8_t *d, size_t len)
{
    if (len < 3 || d[0] != 'P' || d[1] != '5')
        return 0;
    size_t pos = 2;
    uint64_t v[3];
    for (int k = 0; k < 3; k++) {
        while (pos < len && (pnm_space(d[pos]) || d[pos] == '#')) {
            if (d[pos] == '#')
                while (pos < len && d[pos] != '\n')
                    pos++;
            else
                pos++;
        }
        if (pos >= len || d[pos] < '0' || d[pos] > '9')
            return 0;
        for (v[k] = 0; pos < len && d[pos] >= '0' && d[pos] <= '9' && v[k] < 1u << 30; pos++)
            v[k] = v[k] * 10 + (uint64_t)(d[pos] - '0');
    }
    if (pos >= len || !pnm_space(d[pos]) || v[2] < 1 || v[2] > 65535 || v[0] > 1u << 16 ||
        v[1] > 1u << 16)
        return 0;
    uint64_t body = v[0] * v[1] * (v[2] > 255 ? 2 : 1);
    return body > len - pos - 1 ? 0 : (size_t)(pos + 1 + body);
}

static int frame_values(const qev_image *im, float *out)
{
    double full = im->maxval ? (double)im->maxval : 1;
    for (size_t i = 0; i < im->width * im->height; i++)
        out[i] = (float)(im->px[i] / full);
    return QEV_OK;
}

/* One image holding the frames stacked top to bottom (qsim's file form):
 * width x (k height) gives k frames when the size is known, else one. */
static int tall_frames(const qev_image *im, size_t *width, size_t *height, float **values,
                       size_t *rows, size_t max, char *why, size_t cap)
{
    if (!*width || !*height) {
        *width = im->width;
        *height = im->height;
    }
    if (im->width != *width || im->height % *height)
        return qev_why(why, cap, QEV_EFORMAT, "a %zux%zu image is not a stack of %zux%zu frames",
                    im->width, im->height, *width, *height);
    size_t n = im->width * im->height;
    if (n > max / sizeof(float) || !(*values = malloc(n * sizeof **values)))
        return qev_why(why, cap, QEV_ENOMEM, "no memory for %zu pattern pixels", n);
    frame_values(im, *values);
    *rows = im->height / *height;
    return QEV_OK;
}

static int stack_frames(const uint8_t *d, size_t len, size_t *rows)
{
    size_t pos = 0;
    *rows = 0;
    while (pos < len) {
        size_t n = pgm_frame_length(d + pos, len - pos);
        if (!n)
            return QEV_EFORMAT;
        pos += n;
        ++*rows;
    }
    return QEV_OK;
}

static int read_stack(const uint8_t *d, size_t len, size_t *width, size_t *height, float **values,
                      size_t *rows, size_t max, char *why, size_t cap)
{
    if (stack_frames(d, len, rows) != QEV_OK || *rows == 0)
        return qev_why(why, cap, QEV_EFORMAT, "not a stack of binary PGM (P5) frames");
    if (*rows == 1) {
        qev_image im;
        int rc = qev_image_decode(d, len, NULL, &im, why, cap);
        if (rc == QEV_OK)
            rc = tall_frames(&im, width, height, values, rows, max, why, cap);
        qev_image_free(&im);
        return rc;
    }
    size_t pos = 0;
    float *v = NULL;
    for (size_t r = 0; r < *rows; r++) {
        size_t n = pgm_frame_length(d + pos, len - pos);
        qev_image im;
        int rc = qev_image_decode(d + pos, n, NULL, &im, why, cap);
        if (rc != QEV_OK) {
            free(v);
            return rc;
        }
        if (r == 0 && (!*width || !*height)) {
            *width = im.width;
            *height = im.height;
        }
        size_t npix = *width * *height;
        if (im.width != *width || im.height != *height) {
            qev_image_free(&im);
            free(v);
            return qev_why(why, cap, QEV_EFORMAT, "frame %zu is %zux%zu, not %zux%zu", r, im.width,
                        im.height, *width, *height);
        }
        if (!v && (*rows > max / sizeof(float) / npix || !(v = malloc(*rows * npix * sizeof *v)))) {
            qev_image_free(&im);
            return qev_why(why, cap, QEV_ENOMEM, "no memory for %zu patterns of %zu pixels", *rows,
                        npix);
        }
        frame_values(&im, v + r * npix);
        qev_image_free(&im);
        pos += n;
    }
    *values = v;
    return QEV_OK;
}

static int read_raw(const uint8_t *d, size_t len, size_t width, size_t height, float **values,
                    size_t *rows, size_t max, char *why, size_t cap)
{
    size_t npix = width * height;
    if (!npix)
        return qev_why(why, cap, QEV_EINVAL, "raw patterns need their size (--size)");
    if (len == 0 || len % npix)
        return qev_why(why, cap, QEV_EFORMAT, "%zu bytes is not a whole number of %zux%zu frames",
                    len, width, height);
    if (len > max / sizeof(float))
        return qev_why(why, cap, QEV_EINVAL, "too many patterns to hold");
    float *v = malloc(len * sizeof *v);
    if (!v)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    for (size_t i = 0; i < len; i++)
        v[i] = (float)(d[i] / 255.0);
    *rows = len / npix;
    *values = v;
    return QEV_OK;
}

/* PNG, PFM or plain PGM: image.h reads them; anything else is raw bytes. */
static int looks_like_image(const uint8_t *d, size_t len)
{
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return 1;
    return len >= 3 && d[0] == 'P' && (d[1] == 'f' || d[1] == '2') && pnm_space(d[2]);
}

/* A pattern is the share of time each pixel is lit: a PFM may hold anything. */
static int check_pattern_values(const float *v, size_t rows, size_t w, size_t h, char *why,
                                size_t cap)
{
    for (size_t i = 0; i < rows * w * h; i++)
        if (!(v[i] >= 0 && v[i] <= 1))
            return qev_why(why, cap, QEV_EFORMAT,
                           "pattern value %g in frame %zu at x %zu, y %zu is outside [0, 1]",
                           (double)v[i], i / (w * h), i % w, i % (w * h) / w);
    return QEV_OK;
}

int qev_patterns_read(const char *path, size_t *width, size_t *height, float **values,
                      size_t *rows, size_t max_bytes, char *why, size_t cap)
{
    uint8_t *d = NULL;
    size_t len = 0;
    *values = NULL;
    *rows = 0;
    int rc = read_all(path, &d, &len, max_bytes, why, cap);
    if (rc != QEV_OK)
        return rc;
    qev_image im;
    if (len >= 2 && d[0] == 'P' && d[1] == '5') {
        rc = read_stack(d, len, width, height, values, rows, max_bytes, why, cap);
    } else if (looks_like_image(d, len)) {
        rc = qev_image_decode(d, len, NULL, &im, why, cap);
        if (rc == QEV_OK)
            rc = tall_frames(&im, width, height, values, rows, max_bytes, why, cap);
        qev_image_free(&im);
    } else {
        rc = read_raw(d, len, *width, *height, values, rows, max_bytes, why, cap);
    }
    free(d);
    if (rc == QEV_OK)
        rc = check_pattern_values(*values, *rows, *width, *height, why, cap);
    if (rc != QEV_OK) {
        free(*values);
        *values = NULL;
        *rows = 0;
    }
    return rc;
}

/* ---- flat fields in calibration files ---- */

/* The channel of the only flat section, or -1 (none) or -2 (several). */
static long only_flat_channel(const qev_calib *c)
{
    long found = -1;
    for (size_t i = 0; i < qev_calib_count(c); i++) {
        char section[64];
        unsigned ch;
        qev_calib_section(qev_calib_key(c, i), section, sizeof section);
        if (!qev_calib_key_channel(section, "flat", &ch))
            continue;
        if (found >= 0 && found != (long)ch)
            return -2;
        found = ch;
    }
    return found;
}

static int flat_size(const qev_calib *c, long ch, size_t width, size_t height, char *why,
                     size_t cap)
{
    char key[64];
    qev_calib_num w, h;
    snprintf(key, sizeof key, "flat.%ld.width", ch);
    int rc = qev_calib_number(c, key, &w);
    snprintf(key, sizeof key, "flat.%ld.height", ch);
    if (rc != QEV_OK || qev_calib_number(c, key, &h) != QEV_OK)
        return qev_why(why, cap, QEV_EINVAL, "no flat field of channel %ld", ch);
    if (w.value != (double)width || h.value != (double)height)
        return qev_why(why, cap, QEV_EINVAL,
                    "the flat field of channel %ld is %gx%g, the image %zux%zu", ch, w.value,
                    h.value, width, height);
    return QEV_OK;
}

int qev_flat_from_calib(const qev_calib *c, long channel, size_t width, size_t height,
                        double *flat, char *why, size_t cap)
{
    long ch = channel >= 0 ? channel : only_flat_channel(c);
    if (ch == -1)
        return qev_why(why, cap, QEV_EINVAL, "the calibration holds no flat field (qcal flat)");
    if (ch == -2)
        return qev_why(why, cap, QEV_EINVAL, "the calibration holds flat fields of several channels");
    int rc = flat_size(c, ch, width, height, why, cap);
    for (size_t y = 0; rc == QEV_OK && y < height; y++)
        for (size_t x = 0; x < width; x++) {
            char key[96];
            qev_calib_num v;
            snprintf(key, sizeof key, "flat.%ld.%zu.%zu", ch, x, y);
            flat[y * width + x] = qev_calib_number(c, key, &v) == QEV_OK ? v.value : 0;
        }
    return rc;
}

/* ---- formats ---- */

static const char *const format_names[] = {"pfm", "pgm", "pgm16", "png", "png16", "tsv"};

int qev_recon_format_parse(const char *name, enum qev_recon_format *f)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *f = (enum qev_recon_format)i;
            return QEV_OK;
        }
    return QEV_EINVAL;
}

int qev_recon_format_of_path(const char *path, enum qev_recon_format *f)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return QEV_EINVAL;
    if (strcasecmp(dot, ".txt") == 0)
        return *f = QEV_OUT_TSV, QEV_OK;
    return qev_recon_format_parse(dot + 1, f);
}

const char *qev_recon_format_name(enum qev_recon_format f) { return format_names[f]; }

int qev_recon_format_scaled(enum qev_recon_format f)
{
    return f != QEV_OUT_PFM && f != QEV_OUT_TSV;
}

/* ---- images with comments ---- */

static uint32_t crc32_png(const uint8_t *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc >> 1 ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The PNG with a tEXt "Comment" chunk after IHDR (signature 8 bytes, IHDR 25). */
static int png_with_text(FILE *f, const uint8_t *png, size_t len, const char *text, char *why,
                         size_t cap)
{
    if (len < 33 || memcmp(png + 12, "IHDR", 4) != 0)
        return qev_why(why, cap, QEV_EIO, "unexpected PNG layout");
    size_t tlen = strlen(text), dlen = 8 + tlen;
    uint8_t *chunk = malloc(12 + dlen);
    if (!chunk)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    put_be32(chunk, (uint32_t)dlen);
    memcpy(chunk + 4, "tEXtComment", 12); /* type, keyword and its NUL */
    memcpy(chunk + 16, text, tlen);
    put_be32(chunk + 8 + dlen, crc32_png(chunk + 4, 4 + dlen, 0));
    fwrite(png, 1, 33, f);
    fwrite(chunk, 1, 12 + dlen, f);
    fwrite(png + 33, 1, len - 33, f);
    free(chunk);
    return write_error(f, why, cap);
}

static void comment_lines(FILE *f, const char *text)
{
    while (text && *text) {
        size_t n = strcspn(text, "\n");
        fprintf(f, "# %.*s\n", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* PGM: the comment right after the magic line "P5\n". */
static int pgm_with_comment(FILE *f, const uint8_t *pgm, size_t len, const char *text, char *why,
                            size_t cap)
{
    if (len < 3 || memcmp(pgm, "P5\n", 3) != 0)
        return qev_why(why, cap, QEV_EIO, "unexpected PGM layout");
    fwrite(pgm, 1, 3, f);
    comment_lines(f, text);
    fwrite(pgm + 3, 1, len - 3, f);
    return write_error(f, why, cap);
}

static int write_tsv(FILE *f, const qev_image *im, const char *comment, char *why, size_t cap)
{
    comment_lines(f, comment);
    fputs("x\ty\tvalue\n", f);
    for (size_t y = 0; y < im->height; y++)
        for (size_t x = 0; x < im->width; x++)
            fprintf(f, "%zu\t%zu\t%.17g\n", x, y, im->px[y * im->width + x]);
    return write_error(f, why, cap);
}

static int write_scaled(FILE *f, const qev_image *im, enum qev_recon_format format,
                        qev_image_scale s, const char *comment, char *why, size_t cap)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    int bits = format == QEV_OUT_PGM16 || format == QEV_OUT_PNG16 ? 16 : 8;
    int png = format == QEV_OUT_PNG || format == QEV_OUT_PNG16;
    int rc = png ? qev_image_write_png(mem, im, bits, s, why, cap)
                 : qev_image_write_pgm(mem, im, bits, s, why, cap);
    if (fclose(mem) != 0 && rc == QEV_OK)
        rc = qev_why(why, cap, QEV_ENOMEM, "out of memory");
    if (rc == QEV_OK && png)
        rc = comment ? png_with_text(f, (uint8_t *)buf, len, comment, why, cap)
                     : (fwrite(buf, 1, len, f), write_error(f, why, cap));
    else if (rc == QEV_OK)
        rc = pgm_with_comment(f, (uint8_t *)buf, len, comment, why, cap);
    free(buf);
    return rc;
}

int qev_recon_write_image(FILE *f, const qev_image *im, enum qev_recon_format format,
                          qev_image_scale s, const char *comment, char *why, size_t cap)
{
    switch (format) {
    case QEV_OUT_PFM: return qev_image_write_pfm(f, im, why, cap);
    case QEV_OUT_TSV: return write_tsv(f, im, comment, why, cap);
    default: return write_scaled(f, im, format, s, comment, why, cap);
    }
}
