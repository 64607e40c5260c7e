/* Writes a HydraHarp V2 T2 PTU file of Poisson photons on four inputs, for the
 * qtag-read benchmark. Usage: make_ptu RECORDS RATE_HZ FILE */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

static void tag(FILE *f, const char *id, int32_t idx, uint32_t type, uint64_t value)
{
    char name[32] = {0};
    strncpy(name, id, sizeof name - 1);
    fwrite(name, 1, 32, f);
    fwrite(&idx, 4, 1, f);
    fwrite(&type, 4, 1, f);
    fwrite(&value, 8, 1, f);
}

static uint64_t as_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: make_ptu RECORDS RATE_HZ FILE\n");
        return 2;
    }
    uint64_t records = (uint64_t)atof(argv[1]);
    double mean_gap = 1e12 / atof(argv[2]);
    FILE *f = fopen(argv[3], "wb");
    if (!f)
        return 1;
    fwrite("PQTTTR\0\0" "1.0.00\0\0", 1, 16, f);
    tag(f, "TTResultFormat_TTTRRecType", -1, 0x10000008, 0x01010204);
    tag(f, "TTResultFormat_BitsPerRecord", -1, 0x10000008, 32);
    tag(f, "TTResult_NumberOfRecords", -1, 0x10000008, records);
    tag(f, "MeasDesc_GlobalResolution", -1, 0x20000008, as_bits(1e-12));
    tag(f, "MeasDesc_Resolution", -1, 0x20000008, as_bits(1e-12));
    tag(f, "Header_End", -1, 0xFFFF0008, 0);
    qev_rng rng;
    qev_rng_seed(&rng, 1);
    uint64_t t = 0, base = 0;
    enum { BUF = 65536 };
    uint32_t *buf = malloc(BUF * sizeof *buf);
    size_t n = 0;
    for (uint64_t written = 0; written < records; written++) {
        t += (uint64_t)(qev_rng_exp(&rng) * mean_gap);
        uint64_t wraps = (t - base) >> 25;
        if (wraps) {
            buf[n++] = 0xFE000000u | (uint32_t)wraps; /* special, channel 63, count */
            base += wraps << 25;
        } else {
            buf[n++] = (uint32_t)(qev_rng_u64(&rng) & 3) << 25 | (uint32_t)(t - base);
        }
        if (n == BUF) {
            fwrite(buf, 4, n, f);
            n = 0;
        }
    }
    fwrite(buf, 4, n, f);
    free(buf);
    return fclose(f) != 0;
}
