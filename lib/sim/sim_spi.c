/* The bucket level of single-pixel imaging: the share of the flux that the
 * pattern of a measurement lets through the object. */
#include <stdlib.h>
#include <string.h>

#include "fwht.h"
#include "patterns.h"
#include "sim.h"

/* C = H O H, so C[u][v] = <P_(u,v), O>. */
static int hadamard_coefficients(qev_spi *p)
{
    size_t n = p->width, N = n * n;
    p->coef = malloc(N * sizeof *p->coef);
    if (!p->coef)
        return QEV_ENOMEM;
    p->sum = 0;
    for (size_t i = 0; i < N; i++)
        p->sum += p->coef[i] = p->object[i];
    qev_fwht2(p->coef, n);
    return QEV_OK;
}

int qev_spi_init(qev_spi *p, enum qev_spi_kind kind, uint32_t width, uint32_t height,
                 const float *object, uint64_t patterns, int order, uint64_t seed, double fill,
                 const float *file)
{
    uint64_t npix = (uint64_t)width * height;
    *p = (qev_spi){.kind = kind, .width = width, .height = height, .patterns = patterns,
                   .measurements = patterns, .object = object, .seed = seed, .fill = fill,
                   .file = file};
    if (!object || patterns < 1 || npix < 1 || npix > (1u << 24))
        return QEV_EINVAL;
    if (kind == QEV_SPI_RANDOM) {
        p->scratch = malloc(npix);
        return p->scratch ? QEV_OK : QEV_ENOMEM;
    }
    if (kind == QEV_SPI_FILE)
        return file ? QEV_OK : QEV_EINVAL;
    if (width != height || !qev_hadamard_size_valid(width) || patterns > npix)
        return QEV_EINVAL;
    p->measurements = 2 * patterns;
    p->perm = malloc(npix * sizeof *p->perm);
    if (!p->perm)
        return QEV_ENOMEM;
    int rc = qev_hadamard_order(width, (enum qev_order)order, seed, p->perm);
    return rc ? rc : hadamard_coefficients(p);
}

int qev_spi_pattern_count(enum qev_spi_kind kind, uint64_t npix, uint64_t file_patterns,
                          const uint64_t *count, double sampling, uint64_t *patterns)
{
    uint64_t k = file_patterns ? file_patterns : npix;
    if (count)
        k = *count;
    else if (sampling > 0)
        k = qev_patterns_of_sampling(sampling, npix);
    *patterns = k;
    if (k < 1 || (kind == QEV_SPI_HADAMARD && k > npix) || (file_patterns && k > file_patterns))
        return QEV_EINVAL;
    return QEV_OK;
}

int qev_spi_duration(uint64_t measurements, int64_t exposure_ps, int64_t *duration_ps)
{
    if (exposure_ps <= 0 || measurements > (uint64_t)(QEV_SIM_MAX_DURATION_PS / exposure_ps))
        return QEV_EINVAL;
    *duration_ps = (int64_t)measurements * exposure_ps;
    return QEV_OK;
}

double qev_spi_level(void *spi, uint64_t m)
{
    qev_spi *p = spi;
    size_t npix = (size_t)p->width * p->height;
    if (p->kind == QEV_SPI_HADAMARD) {
        double c = p->coef[p->perm[m / 2]];
        return (m % 2 ? p->sum - c : p->sum + c) / 2 / (double)npix;
    }
    double dot = 0;
    if (p->kind == QEV_SPI_RANDOM) {
        qev_random_pattern(p->seed, m, p->fill, npix, p->scratch);
        for (size_t i = 0; i < npix; i++)
            dot += p->scratch[i] ? p->object[i] : 0;
    } else {
        const float *pat = p->file + m * npix;
        for (size_t i = 0; i < npix; i++)
            dot += (double)pat[i] * p->object[i];
    }
    return dot / (double)npix;
}

void qev_spi_free(qev_spi *p)
{
    free(p->perm);
    free(p->coef);
    free(p->scratch);
    memset(p, 0, sizeof *p);
}
