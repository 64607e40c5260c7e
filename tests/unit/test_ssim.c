/* Unit tests of the SSIM variants, PSNR and the image files, against values
 * derived by hand from the definitions (lib/image/ssim.h, lib/image/image.h). */
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "ssim.h"
#include "tap.h"

#define L8 255.0
#define C1_8 (0.01 * 255 * 0.01 * 255) /* 6.5025 */
#define C2_8 (0.03 * 255 * 0.03 * 255) /* 58.5225 */

static void image_of(qev_image *im, size_t w, size_t h, const double *px)
{
    char why[200];
    if (qev_image_alloc(im, w, h, why, sizeof why) != QEV_OK) {
        printf("Bail out! %s\n", why);
        exit(1);
    }
    if (px)
        memcpy(im->px, px, w * h * sizeof *px);
}

static double score(const qev_image *a, const qev_image *b, enum qev_ssim_variant v, double L,
                    int integer, qev_ssim_result *r)
{
    qev_ssim_opts o = {v, L, integer};
    char why[200];
    if (qev_ssim_compare(a, b, &o, r, NULL, why, sizeof why) != QEV_OK) {
        printf("# %s\n", why);
        return NAN;
    }
    return r->ssim;
}

/* A deterministic pseudo-random image in 0..255. */
static void noise_image(qev_image *im, size_t w, size_t h, unsigned seed)
{
    image_of(im, w, h, NULL);
    for (size_t i = 0; i < w * h; i++) {
        seed = seed * 1103515245u + 12345u;
        im->px[i] = (double)((seed >> 16) % 256);
    }
}

static void test_gaussian_window(void)
{
    double w[11], sum = 0;
    qev_ssim_gaussian_weights(1.5, 5, w);
    for (int k = 0; k < 11; k++)
        sum += w[k];
    tap_near(sum, 1.0, 1e-15, "Gaussian weights sum to 1");
    int symmetric = 1;
    for (int k = 0; k < 5; k++)
        symmetric &= w[k] == w[10 - k];
    tap_ok(symmetric, "Gaussian weights are symmetric");
    /* w[5+k] / w[5] = exp(-k^2 / (2 sigma^2)), sigma^2 = 2.25 */
    tap_near(w[6] / w[5], exp(-1 / 4.5), 1e-15, "neighbour weight ratio exp(-1/4.5)");
    tap_near(w[10] / w[5], exp(-25 / 4.5), 1e-15, "edge weight ratio exp(-25/4.5)");
    /* the 2-D window is the outer product: its sum is 1 too */
    double s2 = 0;
    for (int a = 0; a < 11; a++)
        for (int b = 0; b < 11; b++)
            s2 += w[a] * w[b];
    tap_near(s2, 1.0, 1e-15, "11x11 window sums to 1");
}

static void test_identical(void)
{
    qev_image a;
    qev_ssim_result r;
    noise_image(&a, 200, 190, 7);
    static const enum qev_ssim_variant all[] = {QEV_SSIM_WANG, QEV_SSIM_MATLAB, QEV_SSIM_SKIMAGE,
                                                QEV_SSIM_FFMPEG, QEV_SSIM_MS};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char name[80];
        snprintf(name, sizeof name, "%s: identical images score 1",
                 qev_ssim_variant_name(all[i]));
        tap_near(score(&a, &a, all[i], L8, 1, &r), 1.0, 1e-15, name);
    }
    tap_ok(isinf(r.psnr) && r.psnr > 0 && r.mse == 0 && r.mae == 0,
           "identical images: PSNR +inf, MSE 0, MAE 0");
    qev_image_free(&a);
}

static void test_flat(void)
{
    qev_image a, b;
    qev_ssim_result r;
    image_of(&a, 16, 16, NULL);
    image_of(&b, 16, 16, NULL);
    for (size_t i = 0; i < 256; i++) {
        a.px[i] = 2;
        b.px[i] = 6;
    }
    /* no variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1) */
    double want = (24 + C1_8) / (40 + C1_8);
    tap_near(score(&a, &b, QEV_SSIM_WANG, L8, 1, &r), want, 1e-15, "flat 2 vs 6, wang");
    tap_near(score(&a, &b, QEV_SSIM_SKIMAGE, L8, 1, &r), want, 1e-15, "flat 2 vs 6, skimage");
    /* ffmpeg: sums of 64 samples, s1 = 128, s2 = 384; c1 = round(416.16) */
    double ff = (2.0 * 128 * 384 + 416) / (128.0 * 128 + 384.0 * 384 + 416);
    tap_near(score(&a, &b, QEV_SSIM_FFMPEG, L8, 1, &r), ff, 1e-15,
             "flat 2 vs 6, ffmpeg: C1/64 with ffmpeg's rounded constant");
    tap_near(r.mse, 16, 0, "flat: MSE 16");
    tap_near(r.mae, 4, 0, "flat: MAE 4");
    /* zero images: no division by zero */
    for (size_t i = 0; i < 256; i++)
        a.px[i] = b.px[i] = 0;
    tap_near(score(&a, &b, QEV_SSIM_WANG, 1.0, 0, &r), 1.0, 0, "zero images score 1");
    qev_image_free(&a);
    qev_image_free(&b);
}

static void test_one_window(void)
{
    /* 7x7, skimage: one window. x is 49 at the centre and 0 elsewhere, y is 0:
     * ux = 1, E[x^2] = 49, population variance 48, sample variance 49. */
    qev_image a, b;
    qev_ssim_result r;
    image_of(&a, 7, 7, NULL);
    image_of(&b, 7, 7, NULL);
    a.px[24] = 49;
    double want = C1_8 * C2_8 / ((1 + C1_8) * (49 + C2_8));
    tap_near(score(&a, &b, QEV_SSIM_SKIMAGE, L8, 1, &r), want, 1e-15,
             "7x7 single spike, skimage, by hand");
    qev_image_free(&a);
    qev_image_free(&b);

    /* 11x11, wang: x = v at the centre, whose weight is g^2 with
     * g = 1 / sum_k exp(-k^2/4.5): ux = v g^2, variance = v^2 g^2 (1 - g^2). */
    image_of(&a, 11, 11, NULL);
    image_of(&b, 11, 11, NULL);
    double v = 200, sum = 0;
    for (int k = -5; k <= 5; k++)
        sum += exp(-k * k / 4.5);
    double g2 = 1 / (sum * sum), ux = v * g2, var = v * v * g2 * (1 - g2);
    a.px[60] = v;
    want = C1_8 * C2_8 / ((ux * ux + C1_8) * (var + C2_8));
    tap_near(score(&a, &b, QEV_SSIM_WANG, L8, 1, &r), want, 1e-14,
             "11x11 single spike, wang, by hand");
    qev_image_free(&a);
    qev_image_free(&b);

    /* 8x8, ffmpeg: x = 64 at one pixel. s1 = 64, ss = 4096: vars = 4096*64 -
     * 64^2 = 258048; c1 = 416, c2 = round(235962.72) = 235963. */
    image_of(&a, 8, 8, NULL);
    image_of(&b, 8, 8, NULL);
    a.px[9] = 64;
    want = 416.0 * 235963 / ((4096.0 + 416) * (258048.0 + 235963));
    tap_near(score(&a, &b, QEV_SSIM_FFMPEG, L8, 1, &r), want, 1e-15,
             "8x8 single spike, ffmpeg's integer constants");
    want = (416.16) * (235962.72) / ((4096 + 416.16) * (258048 + 235962.72));
    tap_near(score(&a, &b, QEV_SSIM_FFMPEG, L8, 0, &r), want, 1e-12,
             "8x8 single spike, ffmpeg form with exact constants");
    qev_image_free(&a);
    qev_image_free(&b);
}

static void test_psnr(void)
{
    qev_image a, b;
    qev_ssim_result r;
    noise_image(&a, 20, 20, 3);
    image_of(&b, 20, 20, a.px);
    for (size_t i = 0; i < 400; i++)
        b.px[i] += i % 2 ? 1 : -1;
    score(&a, &b, QEV_SSIM_WANG, L8, 1, &r);
    tap_near(r.mse, 1, 0, "differences of +-1: MSE 1");
    tap_near(r.mae, 1, 0, "differences of +-1: MAE 1");
    tap_near(r.psnr, 20 * log10(255), 1e-12, "PSNR of MSE 1 at L 255 is 20 log10 255");
    tap_near(qev_psnr(100, 1000), 40, 1e-12, "PSNR 10 log10(1000^2 / 100) = 40");
    tap_ok(isinf(qev_psnr(0, 255)), "PSNR of MSE 0 is infinite");
    qev_image_free(&a);
    qev_image_free(&b);
}

static void test_matlab_factor(void)
{
    tap_is_i64(qev_ssim_matlab_factor(500, 100), 1, "f(100) = max(1, round(0.39)) = 1");
    tap_is_i64(qev_ssim_matlab_factor(383, 1000), 1, "f(383) = round(1.496) = 1");
    tap_is_i64(qev_ssim_matlab_factor(384, 1000), 2, "f(384) = round(1.5) = 2, half away");
    tap_is_i64(qev_ssim_matlab_factor(1000, 639), 2, "f(639) = round(2.496) = 2");
    tap_is_i64(qev_ssim_matlab_factor(640, 640), 3, "f(640) = round(2.5) = 3");
}

static void test_box_downsample(void)
{
    /* 3x3, f = 2: the box spans offsets 0..1, mirrored past the edge. */
    const double x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double out[16];
    qev_ssim_box_downsample(x, 3, 3, 2, out);
    tap_near(out[0], (1 + 2 + 4 + 5) / 4.0, 0, "f=2: top left block");
    tap_near(out[1], (3 + 3 + 6 + 6) / 4.0, 0, "f=2: right edge repeats the last column");
    tap_near(out[2], (7 + 8 + 7 + 8) / 4.0, 0, "f=2: bottom edge repeats the last row");
    tap_near(out[3], 9, 0, "f=2: corner");
    /* 4x4, f = 3: offsets -1..1 (centre floor((3+1)/2) = 2, 1-based). */
    double y[16];
    for (int i = 0; i < 16; i++)
        y[i] = i * i;
    qev_ssim_box_downsample(y, 4, 4, 3, out);
    /* out[0]: rows {0,0,1}, cols {0,0,1} */
    double s = 0;
    int rows0[3] = {0, 0, 1}, cols0[3] = {0, 0, 1}, cols1[3] = {2, 3, 3}, rows1[3] = {2, 3, 3};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            s += y[rows0[a] * 4 + cols0[b]];
    tap_near(out[0], s / 9, 1e-12, "f=3: box centred, mirrored at the top left");
    s = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            s += y[rows1[a] * 4 + cols1[b]];
    tap_near(out[3], s / 9, 1e-12, "f=3: sample (3,3) boxes rows and columns 2,3,3");
    /* 4x4, f = 4: centre 2 (1-based), offsets -1..2: rows {0,0,1,2} */
    qev_ssim_box_downsample(y, 4, 4, 4, out);
    s = 0;
    int r4[4] = {0, 0, 1, 2};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            s += y[r4[a] * 4 + r4[b]];
    tap_near(out[0], s / 16, 1e-12, "f=4: offsets -1..2, as MATLAB's imfilter");
}

static void test_map_and_sizes(void)
{
    qev_image a, b, map;
    qev_ssim_result r;
    noise_image(&a, 30, 20, 1);
    noise_image(&b, 30, 20, 2);
    qev_ssim_opts o = {QEV_SSIM_WANG, L8, 1};
    char why[200];
    tap_ok(qev_ssim_compare(&a, &b, &o, &r, &map, why, sizeof why) == QEV_OK &&
               map.width == 20 && map.height == 10,
           "wang map: the valid region, 20x10 for 30x20");
    double s = 0;
    for (size_t i = 0; i < 200; i++)
        s += map.px[i];
    tap_near(s / 200, r.ssim, 1e-15, "the score is the mean of the map");
    qev_image_free(&map);
    o.variant = QEV_SSIM_FFMPEG;
    tap_ok(qev_ssim_compare(&a, &b, &o, &r, &map, why, sizeof why) == QEV_OK &&
               map.width == 6 && map.height == 4,
           "ffmpeg map: (W/4 - 1) x (H/4 - 1) windows");
    qev_image_free(&map);
    qev_image c;
    noise_image(&c, 20, 30, 1);
    o.variant = QEV_SSIM_WANG;
    tap_ok(qev_ssim_compare(&a, &c, &o, &r, NULL, why, sizeof why) == QEV_EINVAL &&
               strstr(why, "differ in size"),
           "different sizes are refused");
    o.range = 0;
    tap_ok(qev_ssim_compare(&a, &b, &o, &r, NULL, why, sizeof why) == QEV_EINVAL,
           "a data range of 0 is refused");
    qev_image_free(&a);
    qev_image_free(&b);
    qev_image_free(&c);
}

static void test_strips(void)
{
    /* wider than a strip of the filter: the same score as the sum of the map
     * computed one window at a time, directly from the definition */
    qev_image a, b, map;
    qev_ssim_result r;
    noise_image(&a, 600, 13, 4);
    noise_image(&b, 600, 13, 5);
    qev_ssim_opts o = {QEV_SSIM_WANG, L8, 1};
    char why[200];
    qev_ssim_compare(&a, &b, &o, &r, &map, why, sizeof why);
    double w[11], worst = 0;
    qev_ssim_gaussian_weights(1.5, 5, w);
    for (size_t y = 0; y < 3; y++)
        for (size_t x = 0; x < 590; x++) {
            double ux = 0, uy = 0, xx = 0, yy = 0, xy = 0;
            for (int i = 0; i < 11; i++)
                for (int j = 0; j < 11; j++) {
                    double g = w[i] * w[j], p = qev_image_at(&a, x + j, y + i),
                           q = qev_image_at(&b, x + j, y + i);
                    ux += g * p, uy += g * q, xx += g * p * p, yy += g * q * q, xy += g * p * q;
                }
            double s = (2 * ux * uy + C1_8) * (2 * (xy - ux * uy) + C2_8) /
                       ((ux * ux + uy * uy + C1_8) * (xx - ux * ux + yy - uy * uy + C2_8));
            double d = fabs(s - map.px[y * 590 + x]);
            worst = d > worst ? d : worst;
        }
    tap_near(worst, 0, 1e-12, "every window of a 600-wide image, against the definition");
    qev_image_free(&map);
    qev_image_free(&a);
    qev_image_free(&b);
}

/* ---- image files ---- */

static int decode(const char *bytes, size_t len, const qev_image_read_opts *o, qev_image *im,
                  char *why)
{
    return qev_image_decode((const uint8_t *)bytes, len, o, im, why, 200);
}

static void test_pgm(void)
{
    qev_image im;
    char why[200];
    static const char p5[] = "P5\n# comment\n3 2\n255\n\x01\x02\x03\x04\x05\xff";
    tap_ok(decode(p5, sizeof p5 - 1, NULL, &im, why) == QEV_OK && im.width == 3 &&
               im.height == 2 && im.bits == 8 && im.maxval == 255 && im.px[0] == 1 &&
               im.px[5] == 255,
           "P5 8-bit with a comment");
    qev_image_free(&im);
    static const char p5w[] = "P5 2 1 65535\n\x01\x02\xff\xfe";
    tap_ok(decode(p5w, sizeof p5w - 1, NULL, &im, why) == QEV_OK && im.bits == 16 &&
               im.px[0] == 258 && im.px[1] == 65534,
           "P5 16-bit samples are big-endian");
    qev_image_free(&im);
    static const char p2[] = "P2\n2 2\n1000\n0 999\n1000 7\n";
    tap_ok(decode(p2, sizeof p2 - 1, NULL, &im, why) == QEV_OK && im.bits == 16 &&
               im.maxval == 1000 && im.px[1] == 999 && im.px[3] == 7,
           "P2 plain text, maxval 1000");
    qev_image_free(&im);
    static const char p6[] = "P6\n1 1\n255\n\x64\xc8\x0a";
    tap_ok(decode(p6, sizeof p6 - 1, NULL, &im, why) == QEV_EFORMAT && strstr(why, "--luma"),
           "P6 refused without luma");
    qev_image_read_opts luma = {QEV_IMAGE_AUTO, 1, 0, 0, QEV_RAW_F32LE};
    tap_ok(decode(p6, sizeof p6 - 1, &luma, &im, why) == QEV_OK &&
               im.px[0] == 0.299 * 100 + 0.587 * 200 + 0.114 * 10,
           "P6 with luma: 0.299 R + 0.587 G + 0.114 B");
    qev_image_free(&im);
    static const char absurd[] = "P5\n65536 65536\n255\n";
    tap_ok(decode(absurd, sizeof absurd - 1, NULL, &im, why) == QEV_EFORMAT &&
               strstr(why, "above 268435456 pixels") && im.px == NULL,
           "2^32 pixels claimed: refused, nothing allocated");
    static const char trunc[] = "P5\n4 4\n255\n\x01\x02";
    tap_ok(decode(trunc, sizeof trunc - 1, NULL, &im, why) == QEV_ETRUNC,
           "P5 with too few samples is truncated");
    static const char nows[] = "P5\n1 1\n255";
    tap_ok(decode(nows, sizeof nows - 1, NULL, &im, why) == QEV_ETRUNC,
           "header without the byte after maxval is truncated");
}

static void test_pfm(void)
{
    qev_image im;
    char why[200];
    /* 1x2, little-endian: stored bottom row first: 1.0 (bottom), 2.0 (top) */
    static const char le[] = "Pf\n1 2\n-1.0\n\x00\x00\x80\x3f\x00\x00\x00\x40";
    tap_ok(decode(le, sizeof le - 1, NULL, &im, why) == QEV_OK && im.bits == 0 &&
               im.px[0] == 2.0 && im.px[1] == 1.0,
           "PFM little-endian, rows bottom to top");
    qev_image_free(&im);
    static const char be[] = "Pf\n2 1\n1\n\x3f\x80\x00\x00\xc0\x00\x00\x00";
    tap_ok(decode(be, sizeof be - 1, NULL, &im, why) == QEV_OK && im.px[0] == 1.0 &&
               im.px[1] == -2.0,
           "PFM with a positive scale is big-endian");
    qev_image_free(&im);
    static const char inf[] = "Pf\n1 1\n-1.0\n\x00\x00\x80\x7f";
    tap_ok(decode(inf, sizeof inf - 1, NULL, &im, why) == QEV_EFORMAT &&
               strstr(why, "not a finite number"),
           "an infinite PFM sample is refused");
}

static void test_raw(void)
{
    qev_image im;
    char why[200];
    qev_image_read_opts o = {QEV_IMAGE_RAW, 0, 2, 1, QEV_RAW_F64BE};
    static const char d[] = "\x3f\xf0\x00\x00\x00\x00\x00\x00\xc0\x08\x00\x00\x00\x00\x00\x00";
    tap_ok(decode(d, 16, &o, &im, why) == QEV_OK && im.px[0] == 1.0 && im.px[1] == -3.0,
           "raw float64 big-endian");
    qev_image_free(&im);
    o.raw_type = QEV_RAW_F32LE;
    tap_ok(decode(d, 16, &o, &im, why) == QEV_EFORMAT && strstr(why, "needs 8 bytes"),
           "raw of the wrong length is refused");
    enum qev_raw_type t;
    tap_ok(qev_raw_type_parse("f32be", &t) == QEV_OK && t == QEV_RAW_F32BE &&
               qev_raw_type_parse("f16", &t) == QEV_EINVAL,
           "raw type names");
}

/* Writes im with write(), reads the bytes back with the decoder. */
static int round_trip(const qev_image *im, int format, int bits, qev_image *back)
{
    char *buf = NULL, why[200];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qev_image_scale s = {0, 1};
    int rc = format == 0   ? qev_image_write_pfm(f, im, why, sizeof why)
             : format == 1 ? qev_image_write_pgm(f, im, bits, s, why, sizeof why)
                           : qev_image_write_png(f, im, bits, s, why, sizeof why);
    fclose(f);
    if (rc == QEV_OK)
        rc = decode(buf, len, NULL, back, why);
    free(buf);
    return rc;
}

static void test_writers(void)
{
    qev_image im, back;
    const double px[6] = {-0.5, 0, 0.25, 0.5, 1, 2};
    image_of(&im, 3, 2, px);
    tap_ok(round_trip(&im, 0, 0, &back) == QEV_OK && back.width == 3 && back.height == 2 &&
               memcmp(back.px, px, sizeof px) == 0,
           "PFM round trip keeps values and row order");
    qev_image_free(&back);
    /* 0..1 onto 0..255: 0.25 -> 63.75 -> 64, 0.5 -> 127.5 -> 128 (half away) */
    tap_ok(round_trip(&im, 1, 8, &back) == QEV_OK && back.px[0] == 0 && back.px[2] == 64 &&
               back.px[3] == 128 && back.px[4] == 255 && back.px[5] == 255,
           "PGM 8-bit: scaled, rounded half away, clamped");
    qev_image_free(&back);
    tap_ok(round_trip(&im, 1, 16, &back) == QEV_OK && back.bits == 16 &&
               back.px[2] == 16384 && back.px[3] == 32768 && back.px[5] == 65535,
           "PGM 16-bit: 0.25 -> 16383.75 -> 16384");
    qev_image_free(&back);
    tap_ok(round_trip(&im, 2, 8, &back) == QEV_OK && back.px[2] == 64 && back.px[3] == 128,
           "PNG 8-bit round trip through libpng");
    qev_image_free(&back);
    tap_ok(round_trip(&im, 2, 16, &back) == QEV_OK && back.bits == 16 && back.px[3] == 32768,
           "PNG 16-bit round trip through libpng");
    qev_image_free(&back);
    qev_image_free(&im);
}

static void test_format_names(void)
{
    tap_ok(qev_image_format_for_path("a/b.pfm") == QEV_IMAGE_PFM &&
               qev_image_format_for_path("MAP.PNG") == QEV_IMAGE_PNG &&
               qev_image_format_for_path("x.pgm") == QEV_IMAGE_PGM &&
               qev_image_format_for_path("x.tif") == QEV_IMAGE_AUTO &&
               qev_image_format_for_path("dir.png/file") == QEV_IMAGE_AUTO &&
               qev_image_format_for_path("noext") == QEV_IMAGE_AUTO,
           "formats named by the file's extension");
}

static void test_span_scale(void)
{
    qev_image im;
    qev_image_scale s;
    image_of(&im, 2, 2, (double[]){3, -1, NAN, 2});
    int flat = qev_image_span_scale(&im, &s);
    tap_ok(!flat && s.lo == -1 && s.hi == 3, "span scale: -1..3, the NaN left out");
    im.px[0] = im.px[1] = im.px[3] = 5;
    flat = qev_image_span_scale(&im, &s);
    tap_ok(flat && s.lo == 5 && s.hi == 6, "a flat image of 5 spans 5..6 and says it is flat");
    qev_image_free(&im);
}

/* An image that says only what its file held. */
static qev_image held(int bits, unsigned maxval)
{
    return (qev_image){.bits = bits, .maxval = maxval};
}

static void test_implied_range(void)
{
    qev_image b8 = held(8, 255), b16 = held(16, 65535), b12 = held(16, 4095), f = held(0, 0);
    qev_image pgm100 = held(8, 100);
    const qev_image *open;
    double L;
    tap_ok(qev_ssim_implied_range(&b8, &b8, &L, &open) == QEV_OK && L == 255 && !open,
           "two 8-bit inputs of full scale 255 imply L = 255");
    tap_ok(qev_ssim_implied_range(&b8, &b16, &L, &open) == QEV_EINVAL && open == &b16,
           "a 16-bit reference leaves L open");
    tap_ok(qev_ssim_implied_range(&f, &b16, &L, &open) == QEV_EINVAL && open == &f,
           "float input leaves L open, the first such input named");
    tap_ok(qev_ssim_implied_range(&pgm100, &b8, &L, &open) == QEV_EINVAL && open == &pgm100,
           "an 8-bit PGM of maxval 100 leaves L open");
    tap_ok(qev_ssim_integer_inputs(&b8, &b8, 255) && qev_ssim_integer_inputs(&b16, &b16, 65535),
           "integers at full scale 255 or 65535 are ffmpeg's integer case");
    tap_ok(!qev_ssim_integer_inputs(&b12, &b12, 4095) && !qev_ssim_integer_inputs(&b8, &b8, 1) &&
               !qev_ssim_integer_inputs(&b8, &f, 255) && !qev_ssim_integer_inputs(&b8, &b16, 255),
           "12-bit, another range, float or a mixed pair are not");
}

int main(void)
{
    test_gaussian_window();
    test_identical();
    test_flat();
    test_one_window();
    test_psnr();
    test_matlab_factor();
    test_box_downsample();
    test_map_and_sizes();
    test_strips();
    test_pgm();
    test_pfm();
    test_raw();
    test_writers();
    test_format_names();
    test_span_scale();
    test_implied_range();
    return tap_done();
}
