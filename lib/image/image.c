/* Grey images: memory, PGM/PPM, PFM, PNG (libpng) and raw floats. */
#include "internal.h"
#include "image.h"
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- memory ---- */

static int size_ok(size_t width, size_t height)
{
    return width > 0 && height > 0 && width <= QEV_IMAGE_MAX_PIXELS &&
           height <= QEV_IMAGE_MAX_PIXELS / width;
}

int qev_image_alloc(qev_image *im, size_t width, size_t height, char *why, size_t why_cap)
{
    *im = (qev_image){0};
    if (!size_ok(width, height))
        return qev_why(why, why_cap, QEV_EINVAL, "image size %zux%zu is empty or above %zu pixels",
                    width, height, QEV_IMAGE_MAX_PIXELS);
    im->px = calloc(width * height, sizeof *im->px);
    if (!im->px)
        return qev_why(why, why_cap, QEV_ENOMEM, "out of memory for a %zux%zu image", width, height);
    im->width = width;
    im->height = height;
    return QEV_OK;
}

void qev_image_free(qev_image *im)
{
    free(im->px);
    *im = (qev_image){0};
}

const char *qev_image_kind(const qev_image *im)
{
    return im->bits == 8 ? "8-bit" : im->bits == 16 ? "16-bit" : "float";
}

int qev_raw_type_parse(const char *name, enum qev_raw_type *t)
{
    static const struct {
        const char *name;
        enum qev_raw_type type;
    } names[] = {{"f32", QEV_RAW_F32LE},   {"f32le", QEV_RAW_F32LE}, {"f32be", QEV_RAW_F32BE},
                 {"f64", QEV_RAW_F64LE},   {"f64le", QEV_RAW_F64LE}, {"f64be", QEV_RAW_F64BE}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *t = names[i].type;
            return QEV_OK;
        }
    return QEV_EINVAL;
}

/* ---- sample decoding ---- */

static uint32_t load32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static double load_f32(const uint8_t *p, int big)
{
    uint32_t u = load32(p, big);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double load_f64(const uint8_t *p, int big)
{
    uint64_t u = big ? (uint64_t)load32(p, 1) << 32 | load32(p + 4, 1)
                     : (uint64_t)load32(p + 4, 0) << 32 | load32(p, 0);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static double luma(double r, double g, double b) { return 0.299 * r + 0.587 * g + 0.114 * b; }

static int check_finite(const qev_image *im, char *why, size_t cap)
{
    for (size_t i = 0; i < im->width * im->height; i++)
        if (!isfinite(im->px[i]))
            return qev_why(why, cap, QEV_EFORMAT, "sample at x=%zu y=%zu is not a finite number",
                        i % im->width, i / im->width);
    return QEV_OK;
}

/* ---- Netpbm headers ---- */

struct cursor {
    const uint8_t *p;
    size_t len, pos;
};

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void skip_space_and_comments(struct cursor *c)
{
    while (c->pos < c->len) {
        if (c->p[c->pos] == '#') {
            while (c->pos < c->len && c->p[c->pos] != '\n' && c->p[c->pos] != '\r')
                c->pos++;
        } else if (is_space(c->p[c->pos])) {
            c->pos++;
        } else {
            return;
        }
    }
}

/* A decimal field of at most max; what names the field in errors. */
static int read_uint(struct cursor *c, uint64_t max, uint64_t *v, const char *what, char *why,
                     size_t cap)
{
    skip_space_and_comments(c);
    if (c->pos >= c->len)
        return qev_why(why, cap, QEV_ETRUNC, "header ends before its %s", what);
    if (c->p[c->pos] < '0' || c->p[c->pos] > '9')
        return qev_why(why, cap, QEV_EFORMAT, "bad header: %s is not a number (at byte %zu)", what,
                    c->pos);
    uint64_t n = 0;
    while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        n = n * 10 + (uint64_t)(c->p[c->pos++] - '0');
        if (n > max)
            return qev_why(why, cap, QEV_EFORMAT, "bad header: %s is larger than %llu", what,
                        (unsigned long long)max);
    }
    *v = n;
    return QEV_OK;
}

/* The single whitespace byte that ends a binary Netpbm header. */
static int end_header(struct cursor *c, char *why, size_t cap)
{
    if (c->pos >= c->len)
        return qev_why(why, cap, QEV_ETRUNC, "truncated: no pixel data after the header");
    if (!is_space(c->p[c->pos]))
        return qev_why(why, cap, QEV_EFORMAT, "bad header: no whitespace after its last field");
    c->pos++;
    return QEV_OK;
}

static int read_size(struct cursor *c, size_t *w, size_t *h, char *why, size_t cap)
{
    uint64_t a, b;
    int rc = read_uint(c, UINT32_MAX, &a, "width", why, cap);
    if (rc == QEV_OK)
        rc = read_uint(c, UINT32_MAX, &b, "height", why, cap);
    if (rc != QEV_OK)
        return rc;
    if (!size_ok((size_t)a, (size_t)b))
        return qev_why(why, cap, QEV_EFORMAT, "image size %llux%llu is empty or above %zu pixels",
                    (unsigned long long)a, (unsigned long long)b, QEV_IMAGE_MAX_PIXELS);
    *w = (size_t)a;
    *h = (size_t)b;
    return QEV_OK;
}

static int need_bytes(const struct cursor *c, size_t need, char *why, size_t cap)
{
    if (c->len - c->pos < need)
        return qev_why(why, cap, QEV_ETRUNC, "truncated: %zu bytes of pixels expected, %zu present",
                    need, c->len - c->pos);
    return QEV_OK;
}

/* ---- PGM and PPM ---- */

struct pnm {
    size_t width, height;
    unsigned maxval;
    int channels; /* 1 grey, 3 colour */
    int plain;    /* P2/P3: decimal text */
};

static int pnm_sample_binary(struct cursor *c, const struct pnm *h, double *v, char *why,
                             size_t cap)
{
    unsigned s = c->p[c->pos++];
    if (h->maxval > 255)
        s = s << 8 | c->p[c->pos++];
    if (s > h->maxval)
        return qev_why(why, cap, QEV_EFORMAT, "sample %u at byte %zu is above maxval %u", s,
                    c->pos - (h->maxval > 255 ? 2 : 1), h->maxval);
    *v = s;
    return QEV_OK;
}

static int pnm_sample_plain(struct cursor *c, const struct pnm *h, double *v, char *why,
                            size_t cap)
{
    uint64_t s;
    int rc = read_uint(c, UINT32_MAX, &s, "sample", why, cap);
    if (rc == QEV_ETRUNC)
        return qev_why(why, cap, QEV_ETRUNC, "truncated: fewer samples than %zux%zu",
                    h->width, h->height);
    if (rc != QEV_OK)
        return rc;
    if (s > h->maxval)
        return qev_why(why, cap, QEV_EFORMAT, "sample %llu before byte %zu is above maxval %u",
                    (unsigned long long)s, c->pos, h->maxval);
    *v = (double)s;
    return QEV_OK;
}

static int pnm_pixels(struct cursor *c, const struct pnm *h, qev_image *im, char *why, size_t cap)
{
    size_t n = h->width * h->height;
    for (size_t i = 0; i < n; i++) {
        double s[3];
        for (int k = 0; k < h->channels; k++) {
            int rc = h->plain ? pnm_sample_plain(c, h, &s[k], why, cap)
                              : pnm_sample_binary(c, h, &s[k], why, cap);
            if (rc != QEV_OK)
                return rc;
        }
        im->px[i] = h->channels == 3 ? luma(s[0], s[1], s[2]) : s[0];
    }
    return QEV_OK;
}

static int decode_pnm(const uint8_t *data, size_t len, const qev_image_read_opts *o,
                      qev_image *im, char *why, size_t cap)
{
    struct cursor c = {data, len, 2};
    struct pnm h = {0, 0, 0, data[1] == '3' || data[1] == '6' ? 3 : 1,
                    data[1] == '2' || data[1] == '3'};
    if (h.channels == 3 && !o->luma)
        return qev_why(why, cap, QEV_EFORMAT,
                    "colour image (PPM); give --luma to convert it to BT.601 luma");
    uint64_t maxval;
    int rc = read_size(&c, &h.width, &h.height, why, cap);
    if (rc == QEV_OK)
        rc = read_uint(&c, 65535, &maxval, "maxval", why, cap);
    if (rc != QEV_OK)
        return rc;
    if (maxval == 0)
        return qev_why(why, cap, QEV_EFORMAT, "bad header: maxval is 0");
    h.maxval = (unsigned)maxval;
    if ((rc = end_header(&c, why, cap)) != QEV_OK)
        return rc;
    size_t per = (size_t)h.channels * (h.maxval > 255 ? 2 : 1);
    size_t samples = h.width * h.height * (size_t)h.channels;
    /* plain samples take at least a digit and a separator each */
    rc = h.plain ? need_bytes(&c, 2 * samples - 1, why, cap)
                 : need_bytes(&c, h.width * h.height * per, why, cap);
    if (rc == QEV_ETRUNC && h.plain)
        rc = qev_why(why, cap, QEV_ETRUNC, "truncated: fewer samples than %zux%zu", h.width,
                  h.height);
    if (rc == QEV_OK)
        rc = qev_image_alloc(im, h.width, h.height, why, cap);
    if (rc == QEV_OK)
        rc = pnm_pixels(&c, &h, im, why, cap);
    if (rc != QEV_OK) {
        qev_image_free(im);
        return rc;
    }
    im->bits = h.maxval > 255 ? 16 : 8;
    im->maxval = h.maxval;
    return QEV_OK;
}

/* ---- PFM ---- */

static int read_pfm_scale(struct cursor *c, double *scale, char *why, size_t cap)
{
    skip_space_and_comments(c);
    char tok[64];
    size_t n = 0;
    while (c->pos < c->len && !is_space(c->p[c->pos]) && n + 1 < sizeof tok)
        tok[n++] = (char)c->p[c->pos++];
    tok[n] = '\0';
    char *end;
    *scale = strtod(tok, &end);
    if (n == 0 || *end || !isfinite(*scale) || *scale == 0)
        return qev_why(why, cap, QEV_EFORMAT, "bad PFM header: scale '%s' is not a non-zero number",
                    tok);
    return end_header(c, why, cap);
}

static void pfm_pixels(struct cursor *c, int channels, int big, qev_image *im)
{
    for (size_t row = 0; row < im->height; row++) {
        double *out = im->px + (im->height - 1 - row) * im->width; /* stored bottom up */
        for (size_t x = 0; x < im->width; x++) {
            const uint8_t *p = c->p + c->pos;
            out[x] = channels == 1 ? load_f32(p, big)
                                   : luma(load_f32(p, big), load_f32(p + 4, big),
                                          load_f32(p + 8, big));
            c->pos += 4 * (size_t)channels;
        }
    }
}

static int decode_pfm(const uint8_t *data, size_t len, const qev_image_read_opts *o,
                      qev_image *im, char *why, size_t cap)
{
    struct cursor c = {data, len, 2};
    int channels = data[1] == 'F' ? 3 : 1;
    if (channels == 3 && !o->luma)
        return qev_why(why, cap, QEV_EFORMAT,
                    "colour image (PFM \"PF\"); give --luma to convert it to BT.601 luma");
    size_t w, h;
    double scale;
    int rc = read_size(&c, &w, &h, why, cap);
    if (rc == QEV_OK)
        rc = read_pfm_scale(&c, &scale, why, cap);
    if (rc == QEV_OK)
        rc = need_bytes(&c, w * h * 4 * (size_t)channels, why, cap);
    if (rc == QEV_OK)
        rc = qev_image_alloc(im, w, h, why, cap);
    if (rc != QEV_OK)
        return rc;
    pfm_pixels(&c, channels, scale > 0, im);
    if ((rc = check_finite(im, why, cap)) != QEV_OK)
        qev_image_free(im);
    return rc;
}

/* ---- raw ---- */

static int decode_raw(const uint8_t *data, size_t len, const qev_image_read_opts *o,
                      qev_image *im, char *why, size_t cap)
{
    size_t w = o->raw_width, h = o->raw_height;
    if (!size_ok(w, h))
        return qev_why(why, cap, QEV_EINVAL, "raw size %zux%zu is empty or above %zu pixels", w, h,
                    QEV_IMAGE_MAX_PIXELS);
    int wide = o->raw_type == QEV_RAW_F64LE || o->raw_type == QEV_RAW_F64BE;
    int big = o->raw_type == QEV_RAW_F32BE || o->raw_type == QEV_RAW_F64BE;
    size_t per = wide ? 8 : 4;
    if (len != w * h * per)
        return qev_why(why, cap, QEV_EFORMAT,
                    "raw %s %zux%zu needs %zu bytes, the input has %zu", wide ? "float64" : "float32",
                    w, h, w * h * per, len);
    int rc = qev_image_alloc(im, w, h, why, cap);
    if (rc != QEV_OK)
        return rc;
    for (size_t i = 0; i < w * h; i++)
        im->px[i] = wide ? load_f64(data + i * 8, big) : load_f32(data + i * 4, big);
    if ((rc = check_finite(im, why, cap)) != QEV_OK)
        qev_image_free(im);
    return rc;
}

/* ---- PNG ---- */

struct png_job {
    const uint8_t *data;
    size_t len, pos;
    int luma, grey_palette;
    qev_image *im;
    uint8_t *rows;
    png_bytep *ptrs;
    char msg[200];
};

static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_job *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_memory(png_structp png, png_bytep out, size_t n)
{
    struct png_job *job = png_get_io_ptr(png);
    if (job->len - job->pos < n)
        png_error(png, "truncated");
    memcpy(out, job->data + job->pos, n);
    job->pos += n;
}

static int png_palette_is_grey(png_structp png, png_infop info)
{
    png_colorp pal;
    int n = 0;
    if (!png_get_PLTE(png, info, &pal, &n))
        return 0;
    for (int i = 0; i < n; i++)
        if (pal[i].red != pal[i].green || pal[i].green != pal[i].blue)
            return 0;
    return 1;
}

/* Sets up libpng's transformations; returns the channels of a row: 1 or 3. */
static int png_setup(png_structp png, png_infop info, struct png_job *job)
{
    int type = png_get_color_type(png, info);
    int grey = !(type & PNG_COLOR_MASK_COLOR) ||
               (type == PNG_COLOR_TYPE_PALETTE && png_palette_is_grey(png, info));
    if (!grey && !job->luma)
        png_error(png, "colour image (PNG); give --luma to convert it to BT.601 luma");
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    /* a palette of greys expands to R = G = B: the grey is taken as it is */
    job->grey_palette = grey && type == PNG_COLOR_TYPE_PALETTE;
    if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (type & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return png_get_channels(png, info);
}

static void png_convert(png_structp png, png_infop info, struct png_job *job, int channels)
{
    qev_image *im = job->im;
    int wide = png_get_bit_depth(png, info) == 16;
    size_t rowbytes = png_get_rowbytes(png, info);
    for (size_t y = 0; y < im->height; y++) {
        const uint8_t *p = job->rows + y * rowbytes;
        for (size_t x = 0; x < im->width; x++) {
            double s[3];
            for (int k = 0; k < channels; k++, p += wide ? 2 : 1)
                s[k] = wide ? (double)(p[0] << 8 | p[1]) : (double)p[0];
            im->px[y * im->width + x] =
                channels == 3 && !job->grey_palette ? luma(s[0], s[1], s[2]) : s[0];
        }
    }
    im->bits = wide ? 16 : 8;
    im->maxval = wide ? 65535 : 255;
}

/* Deflate expands at most 1032-fold, so a file whose raw rows (before any expansion of
   bit depth or palette) could not fit in its bytes is cut or lying, and is refused
   before the size its header claims is allocated. */
static int png_data_can_hold(size_t file_bytes, size_t rowbytes, size_t h)
{
    const size_t deflate_max_ratio = 1032;
    return (double)(rowbytes + 1) * (double)h <= (double)file_bytes * deflate_max_ratio;
}

/* The only function here that calls setjmp: its own locals never change after it. */
static int png_run(png_structp png, png_infop info, struct png_job *job)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_read_fn(png, job, png_read_memory);
    png_read_info(png, info);
    size_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (!size_ok(w, h))
        png_error(png, "image size is empty or above the limit of 2^28 pixels");
    if (!png_data_can_hold(job->len, png_get_rowbytes(png, info), h))
        png_error(png, "truncated: too little data for the image its header claims");
    int channels = png_setup(png, info, job);
    if (channels != 1 && channels != 3)
        png_error(png, "unexpected channel layout");
    size_t rowbytes = png_get_rowbytes(png, info);
    if (qev_image_alloc(job->im, w, h, job->msg, sizeof job->msg) != QEV_OK)
        png_longjmp(png, 1);
    job->rows = malloc(rowbytes * h);
    job->ptrs = job->rows ? malloc(h * sizeof *job->ptrs) : NULL;
    if (!job->ptrs)
        png_error(png, "out of memory");
    for (size_t y = 0; y < h; y++)
        job->ptrs[y] = job->rows + y * rowbytes;
    png_read_image(png, job->ptrs);
    png_read_end(png, NULL); /* through IEND: a cut file is an error, not an image */
    png_convert(png, info, job, channels);
    return 0;
}

static int decode_png(const uint8_t *data, size_t len, const qev_image_read_opts *o,
                      qev_image *im, char *why, size_t cap)
{
    struct png_job job = {data, len, 0, o->luma, 0, im, NULL, NULL, ""};
    *im = (qev_image){0};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    }
    int rc = png_run(png, info, &job);
    png_destroy_read_struct(&png, &info, NULL);
    free(job.rows);
    free(job.ptrs);
    if (rc == 0)
        return QEV_OK;
    qev_image_free(im);
    if (strcmp(job.msg, "truncated") == 0 || strstr(job.msg, "Not enough image data"))
        return qev_why(why, cap, QEV_ETRUNC, "truncated PNG");
    return qev_why(why, cap, QEV_EFORMAT, "%s%s", strncmp(job.msg, "colour", 6) ? "bad PNG: " : "",
                job.msg);
}

/* ---- dispatch ---- */

static enum qev_image_format sniff(const uint8_t *d, size_t len)
{
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return QEV_IMAGE_PNG;
    if (len >= 3 && d[0] == 'P' && (d[1] == 'f' || d[1] == 'F') && is_space(d[2]))
        return QEV_IMAGE_PFM;
    if (len >= 3 && d[0] == 'P' && strchr("2356", d[1]) && d[1] && is_space(d[2]))
        return QEV_IMAGE_PGM;
    return QEV_IMAGE_AUTO;
}

int qev_image_decode(const uint8_t *data, size_t len, const qev_image_read_opts *opts,
                     qev_image *im, char *why, size_t why_cap)
{
    static const qev_image_read_opts defaults = {QEV_IMAGE_AUTO, 0, 0, 0, QEV_RAW_F32LE};
    const qev_image_read_opts *o = opts ? opts : &defaults;
    *im = (qev_image){0};
    if (o->format == QEV_IMAGE_RAW)
        return decode_raw(data, len, o, im, why, why_cap);
    if (len == 0)
        return qev_why(why, why_cap, QEV_ETRUNC, "empty file");
    enum qev_image_format f = sniff(data, len);
    if (o->format != QEV_IMAGE_AUTO && f != o->format)
        return qev_why(why, why_cap, QEV_EFORMAT, "not a %s file",
                    o->format == QEV_IMAGE_PNG ? "PNG" : o->format == QEV_IMAGE_PFM ? "PFM" : "PGM");
    switch (f) {
    case QEV_IMAGE_PNG: return decode_png(data, len, o, im, why, why_cap);
    case QEV_IMAGE_PFM: return decode_pfm(data, len, o, im, why, why_cap);
    case QEV_IMAGE_PGM: return decode_pnm(data, len, o, im, why, why_cap);
    default:
        return qev_why(why, why_cap, QEV_EFORMAT,
                    "not a PGM, PPM, PFM or PNG image (raw floats need --size)");
    }
}

/* ---- files ---- */

static int read_fd(int fd, uint8_t **buf, size_t *len, char *why, size_t cap)
{
    size_t size = 0, room = 1 << 16;
    uint8_t *b = malloc(room);
    for (;;) {
        if (!b)
            return qev_why(why, cap, QEV_ENOMEM, "out of memory");
        ssize_t n = read(fd, b + size, room - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(b);
            return qev_why(why, cap, QEV_EIO, "read error: %s", strerror(errno));
        }
        if (n == 0)
            break;
        size += (size_t)n;
        if (size == room) {
            if (room >= QEV_IMAGE_MAX_FILE_BYTES) {
                free(b);
                return qev_why(why, cap, QEV_EINVAL, "file larger than %zu bytes",
                            QEV_IMAGE_MAX_FILE_BYTES);
            }
            uint8_t *nb = realloc(b, room * 2);
            if (!nb)
                free(b);
            b = nb;
            room *= 2;
        }
    }
    *buf = b;
    *len = size;
    return QEV_OK;
}

int qev_image_read(const char *path, const qev_image_read_opts *opts, qev_image *im, char *why,
                   size_t why_cap)
{
    *im = (qev_image){0};
    int std = strcmp(path, "-") == 0;
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0)
        return qev_why(why, why_cap, QEV_EIO, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return qev_why(why, why_cap, QEV_EIO, "is a directory");
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = read_fd(fd, &buf, &len, why, why_cap);
    if (!std)
        close(fd);
    if (rc == QEV_OK)
        rc = qev_image_decode(buf, len, opts, im, why, why_cap);
    free(buf);
    return rc;
}

/* ---- writers ---- */

static int write_check(FILE *f, char *why, size_t cap)
{
    if (ferror(f))
        return qev_why(why, cap, QEV_EIO, "write error: %s", strerror(errno));
    return QEV_OK;
}

static void put32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int qev_image_write_pfm(FILE *f, const qev_image *im, char *why, size_t why_cap)
{
    uint8_t *row = malloc(im->width * 4);
    if (!row)
        return qev_why(why, why_cap, QEV_ENOMEM, "out of memory");
    fprintf(f, "Pf\n%zu %zu\n-1.0\n", im->width, im->height);
    for (size_t r = im->height; r-- > 0;) {
        for (size_t x = 0; x < im->width; x++) {
            float v = (float)im->px[r * im->width + x];
            uint32_t u;
            memcpy(&u, &v, sizeof u);
            put32le(row + 4 * x, u);
        }
        fwrite(row, 4, im->width, f);
    }
    free(row);
    return write_check(f, why, why_cap);
}

static unsigned scaled(double v, qev_image_scale s, unsigned maxval)
{
    double t = (v - s.lo) / (s.hi - s.lo) * maxval;
    if (!(t > 0))
        return 0;
    if (t >= maxval)
        return maxval;
    return (unsigned)floor(t + 0.5);
}

static int check_scale(int bits, qev_image_scale s, char *why, size_t cap)
{
    if (bits != 8 && bits != 16)
        return qev_why(why, cap, QEV_EINVAL, "bit depth %d: 8 or 16 expected", bits);
    if (!isfinite(s.lo) || !isfinite(s.hi) || s.lo == s.hi)
        return qev_why(why, cap, QEV_EINVAL, "scaling needs two different finite values");
    return QEV_OK;
}

/* One row as big-endian integer samples, as PGM and PNG both store them. */
static void integer_row(const qev_image *im, size_t y, int bits, qev_image_scale s, uint8_t *out)
{
    unsigned maxval = bits == 8 ? 255 : 65535;
    for (size_t x = 0; x < im->width; x++) {
        unsigned v = scaled(im->px[y * im->width + x], s, maxval);
        if (bits == 8) {
            out[x] = (uint8_t)v;
        } else {
            out[2 * x] = (uint8_t)(v >> 8);
            out[2 * x + 1] = (uint8_t)v;
        }
    }
}

int qev_image_write_pgm(FILE *f, const qev_image *im, int bits, qev_image_scale s, char *why,
                        size_t why_cap)
{
    int rc = check_scale(bits, s, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    uint8_t *row = malloc(im->width * 2);
    if (!row)
        return qev_why(why, why_cap, QEV_ENOMEM, "out of memory");
    fprintf(f, "P5\n%zu %zu\n%u\n", im->width, im->height, bits == 8 ? 255u : 65535u);
    for (size_t y = 0; y < im->height; y++) {
        integer_row(im, y, bits, s, row);
        fwrite(row, (size_t)bits / 8, im->width, f);
    }
    free(row);
    return write_check(f, why, why_cap);
}

struct png_out {
    char msg[200];
    uint8_t *row;
};

static void png_out_error(png_structp png, png_const_charp msg)
{
    struct png_out *o = png_get_error_ptr(png);
    snprintf(o->msg, sizeof o->msg, "%s", msg);
    png_longjmp(png, 1);
}

static int png_write_run(png_structp png, png_infop info, FILE *f, const qev_image *im, int bits,
                         qev_image_scale s, struct png_out *o)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)im->width, (png_uint_32)im->height, bits,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < im->height; y++) {
        integer_row(im, y, bits, s, o->row);
        png_write_row(png, o->row);
    }
    png_write_end(png, NULL);
    return 0;
}

int qev_image_write_png(FILE *f, const qev_image *im, int bits, qev_image_scale s, char *why,
                        size_t why_cap)
{
    int rc = check_scale(bits, s, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    if (im->width > 0x7fffffff || im->height > 0x7fffffff)
        return qev_why(why, why_cap, QEV_EINVAL, "image too large for PNG");
    struct png_out o = {"", malloc(im->width * 2)};
    png_structp png =
        o.row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &o, png_out_error, png_on_warning)
              : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(o.row);
        return qev_why(why, why_cap, QEV_ENOMEM, "out of memory");
    }
    int ok = png_write_run(png, info, f, im, bits, s, &o) == 0;
    png_destroy_write_struct(&png, &info);
    free(o.row);
    if (!ok)
        return qev_why(why, why_cap, QEV_EIO, "cannot write PNG: %s", o.msg);
    return write_check(f, why, why_cap);
}

int qev_image_span_scale(const qev_image *im, qev_image_scale *s)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < im->width * im->height; i++) {
        lo = fmin(lo, im->px[i]);
        hi = fmax(hi, im->px[i]);
    }
    int flat = !(hi > lo);
    *s = (qev_image_scale){lo, flat ? lo + 1 : hi};
    return flat;
}

enum qev_image_format qev_image_format_for_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return QEV_IMAGE_AUTO;
    if (strcasecmp(dot, ".pfm") == 0)
        return QEV_IMAGE_PFM;
    if (strcasecmp(dot, ".pgm") == 0)
        return QEV_IMAGE_PGM;
    if (strcasecmp(dot, ".png") == 0)
        return QEV_IMAGE_PNG;
    return QEV_IMAGE_AUTO;
}

static int write_format(FILE *f, const qev_image *im, enum qev_image_format format, int bits,
                        qev_image_scale s, char *why, size_t cap)
{
    switch (format) {
    case QEV_IMAGE_PFM: return qev_image_write_pfm(f, im, why, cap);
    case QEV_IMAGE_PGM: return qev_image_write_pgm(f, im, bits, s, why, cap);
    case QEV_IMAGE_PNG: return qev_image_write_png(f, im, bits, s, why, cap);
    default: return qev_why(why, cap, QEV_EINVAL, "cannot write this image format");
    }
}

int qev_image_save(const char *path, const qev_image *im, enum qev_image_format format, int bits,
                   qev_image_scale s, char *why, size_t why_cap)
{
    qev_atomic_file a;
    int rc = qev_atomic_open(&a, path, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    rc = write_format(a.f, im, format, bits, s, why, why_cap);
    if (rc != QEV_OK) {
        qev_atomic_abandon(&a);
        return rc;
    }
    return qev_atomic_commit(&a, why, why_cap);
}
