/* SSIM benchmark: the time of qev_ssim_compare on a pair of raw float32
 * images already in memory (reading them is not timed), median of RUNS.
 * Usage: bench_ssim WIDTH HEIGHT RUNS IMAGE.f32 REFERENCE.f32 [VARIANT]
 *        bench_ssim --make WIDTH HEIGHT IMAGE.f32 REFERENCE.f32
 * The first prints: VARIANT WxH: median seconds, and the SSIM found. The
 * second writes a pair to time, the same one every time: a smooth pattern in
 * 0..1 and the pattern with uniform noise. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"
#include "image.h"
#include "ssim.h"

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int make_pair(size_t w, size_t h, const char *a, const char *b)
{
    FILE *fa = fopen(a, "wb"), *fb = fopen(b, "wb");
    if (!fa || !fb)
        return 1;
    uint64_t s = 88172645463325252u;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            float ref = (float)(0.5 + 0.25 * sin((double)x / 17) * cos((double)y / 23) +
                                0.2 * ((double)x / (double)w - 0.5));
            float img = ref + (float)((double)(next(&s) >> 11) / 9007199254740992.0 - 0.5) * 0.2f;
            fwrite(&img, sizeof img, 1, fa); /* the benchmark runs on little-endian hosts */
            fwrite(&ref, sizeof ref, 1, fb);
        }
    return (fclose(fa) != 0) | (fclose(fb) != 0);
}

static void load(const char *path, size_t w, size_t h, qev_image *im)
{
    qev_image_read_opts o = {QEV_IMAGE_RAW, 0, w, h, QEV_RAW_F32LE};
    char why[400];
    if (qev_image_read(path, &o, im, why, sizeof why) != QEV_OK) {
        fprintf(stderr, "bench_ssim: %s: %s\n", path, why);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--make") == 0)
        return make_pair(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), argv[4], argv[5]);
    if (argc < 6) {
        fprintf(stderr, "usage: bench_ssim WIDTH HEIGHT RUNS IMAGE.f32 REFERENCE.f32 [VARIANT]\n");
        return 2;
    }
    size_t w = strtoul(argv[1], NULL, 10), h = strtoul(argv[2], NULL, 10);
    int runs = atoi(argv[3]);
    qev_ssim_opts o = {QEV_SSIM_WANG, 1.0, 0};
    if (argc > 6 && qev_ssim_variant_parse(argv[6], &o.variant) != QEV_OK) {
        fprintf(stderr, "bench_ssim: unknown variant %s\n", argv[6]);
        return 2;
    }
    if (runs < 1 || runs > 100)
        runs = 5;
    qev_image a, b;
    load(argv[4], w, h, &a);
    load(argv[5], w, h, &b);
    double t[100];
    qev_ssim_result r;
    char why[400];
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        if (qev_ssim_compare(&a, &b, &o, &r, NULL, why, sizeof why) != QEV_OK) {
            fprintf(stderr, "bench_ssim: %s\n", why);
            return 1;
        }
        t[i] = now() - t0;
    }
    printf("%s %zux%zu: %.6f s (median of %d), ssim %.12f\n", qev_ssim_variant_name(o.variant),
           w, h, median(t, runs), runs, r.ssim);
    qev_image_free(&a);
    qev_image_free(&b);
    return 0;
}
