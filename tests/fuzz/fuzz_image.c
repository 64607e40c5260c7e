/* Fuzzes the image readers of lib/image/image.h (PGM P5/P2, PPM, PFM, PNG through
 * libpng, raw floats): qev_image_decode() with the format detected, with luma
 * conversion, and as raw samples of a width taken from the first byte.
 *
 * Besides crashes it checks that a decoded image has the size and kind the
 * header promised within QEV_IMAGE_MAX_PIXELS, that a failure says why, and
 * that an image written as PFM reads back with every sample equal to its
 * float32 value, in the same place (PFM stores rows bottom to top), when the
 * samples fit float32; the PGM and PNG writers run too. */
#include "fuzz.h"
#include "image.h"
#include "qev.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define ROUND_TRIP_MAX_PIXELS (1u << 20)

static int same_float32(double a, double b)
{
    float fa = (float)a;
    return (isnan(fa) && isnan(b)) || (double)fa == b;
}

static void check_image(const qev_image *im)
{
    FUZZ_CHECK(im->width > 0 && im->height > 0 &&
                   im->width <= QEV_IMAGE_MAX_PIXELS / im->height,
               "decoded %zux%zu", im->width, im->height);
    FUZZ_CHECK(im->bits == 0 || im->bits == 8 || im->bits == 16, "bits %d", im->bits);
    FUZZ_CHECK((im->bits == 0) == (im->maxval == 0), "bits %d with maxval %u", im->bits,
               im->maxval);
    FUZZ_CHECK(im->px != NULL, "no samples");
}

/* PFM holds float32: a double beyond its range would be written as an
 * infinity, which no reader takes back. */
static int fits_float32(const qev_image *im)
{
    for (size_t i = 0; i < im->width * im->height; i++)
        if (!(fabs(im->px[i]) <= FLT_MAX))
            return 0;
    return 1;
}

/* Writes im as PFM, reads it back, and compares sample by sample. */
static void round_trip_pfm(const qev_image *im)
{
    char *buf = NULL, why[256] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f != NULL, "open_memstream failed");
    int rc = qev_image_write_pfm(f, im, why, sizeof why);
    FUZZ_CHECK(fclose(f) == 0 && rc == QEV_OK, "a decoded image does not write as PFM: %s",
               why);
    qev_image back = {0};
    rc = qev_image_decode((const uint8_t *)buf, len, NULL, &back, why, sizeof why);
    FUZZ_CHECK(rc == QEV_OK, "the PFM written does not read back: %s", why);
    FUZZ_CHECK(back.width == im->width && back.height == im->height,
               "%zux%zu written, %zux%zu read back", im->width, im->height, back.width,
               back.height);
    for (size_t i = 0; i < im->width * im->height; i++)
        FUZZ_CHECK(same_float32(im->px[i], back.px[i]), "sample %zu: %.17g written, %.17g "
                   "read back", i, im->px[i], back.px[i]);
    qev_image_free(&back);
    free(buf);
}

static void write_others(const qev_image *im)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    FUZZ_CHECK(null != NULL, "cannot open /dev/null");
    char why[256];
    qev_image_scale s = {0, im->bits ? (double)im->maxval : 1.0};
    qev_image_write_pgm(null, im, 8, s, why, sizeof why);
    qev_image_write_pgm(null, im, 16, s, why, sizeof why);
    qev_image_write_png(null, im, 16, s, why, sizeof why);
}

static void decode(const uint8_t *data, size_t size, const qev_image_read_opts *o)
{
    qev_image im = {0};
    char why[256] = "";
    int rc = qev_image_decode(data, size, o, &im, why, sizeof why);
    if (rc != QEV_OK) {
        FUZZ_CHECK(why[0] != '\0', "a refusal without a reason");
        qev_image_free(&im);
        return;
    }
    check_image(&im);
    if (o && o->format == QEV_IMAGE_RAW)
        FUZZ_CHECK(im.width == o->raw_width && im.height == o->raw_height,
                   "raw %zux%zu asked, %zux%zu read", o->raw_width, o->raw_height, im.width,
                   im.height);
    if (im.width * im.height <= ROUND_TRIP_MAX_PIXELS) {
        if (fits_float32(&im))
            round_trip_pfm(&im);
        write_others(&im);
    }
    qev_image_free(&im);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode(data, size, NULL);
    qev_image_read_opts luma = {.format = QEV_IMAGE_AUTO, .luma = 1};
    decode(data, size, &luma);
    if (size >= 8) {
        size_t w = 1 + data[0] % 16;
        qev_image_read_opts raw = {.format = QEV_IMAGE_RAW, .raw_width = w,
                                   .raw_height = size / (4 * w), .raw_type = QEV_RAW_F32LE};
        if (raw.raw_height)
            decode(data, 4 * w * raw.raw_height, &raw);
        raw.raw_type = QEV_RAW_F64BE;
        raw.raw_height = size / (8 * w);
        if (raw.raw_height)
            decode(data, 8 * w * raw.raw_height, &raw);
    }
    return 0;
}
