/* Codec benchmark: encode and decode speed of QEV on qsim-like Poisson data, and
 * the size against the entropy bound. Medians of repeated runs, one thread.
 * Encoding is timed into /dev/null (all of the encoder, none of the disk);
 * decoding reads the file written once, from the page cache.
 * Usage: bench_codec TOTAL_RATE_HZ EVENTS RUNS FILE [LEVEL] */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"
#include "qev.h"
#include "sim.h"

static int level = 1;

static double encode_once(const qev_event *ev, size_t n, const char *path)
{
    qev_writer_opts opts = {level, 0, 0};
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    qev_meta *m = qev_meta_new();
    qev_meta_set(m, "source", "bench");
    double t0 = now();
    qev_writer *w = qev_writer_fdopen(fd, path, m, &opts, sizeof opts);
    for (size_t i = 0; i < n; i += 65536)
        qev_write(w, ev + i, n - i < 65536 ? n - i : 65536);
    if (qev_writer_close(w) != QEV_OK)
        fprintf(stderr, "bench: encode failed\n");
    double dt = now() - t0;
    qev_meta_free(m);
    close(fd);
    return dt;
}

static double decode_once(const char *path, uint64_t *events)
{
    double t0 = now();
    qev_reader *r = qev_reader_open(path);
    const qev_event *ev;
    long n;
    uint64_t total = 0, check = 0;
    while ((n = qev_read(r, &ev)) >= 0) {
        total += (uint64_t)n;
        if (n)
            check += (uint64_t)ev[n - 1].t;
    }
    if (n != QEV_END)
        fprintf(stderr, "bench: decode failed: %s\n", qev_reader_error(r));
    qev_reader_close(r);
    double dt = now() - t0;
    *events = total + (check & 0);
    return dt;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: bench_codec TOTAL_RATE_HZ EVENTS RUNS FILE [LEVEL]\n");
        return 2;
    }
    if (argc == 6)
        level = atoi(argv[5]);
    double rate = atof(argv[1]);
    size_t n = (size_t)atof(argv[2]);
    int runs = atoi(argv[3]);
    const char *path = argv[4];
    qev_event *ev = malloc(n * sizeof *ev);
    double rates[4] = {rate / 4, rate / 4, rate / 4, rate / 4};
    uint16_t ch[4] = {1, 2, 3, 4};
    qev_poisson p;
    qev_poisson_init(&p, rates, ch, 4, 1, 1);
    qev_poisson_fill(&p, ev, n);
    double enc[32], dec[32];
    uint64_t got = 0;
    for (int i = 0; i < runs && i < 32; i++)
        enc[i] = encode_once(ev, n, "/dev/null");
    encode_once(ev, n, path);
    for (int i = 0; i < runs && i < 32; i++)
        dec[i] = decode_once(path, &got);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    double bytes = (double)ftell(f);
    fclose(f);
    double bound_bits = log2(exp(1.0) / (rate * 1e-12)) + 2;
    printf("rate=%g events=%zu bytes_per_event=%.4f entropy_bound=%.4f ratio=%.4f "
           "encode_Mev_s=%.1f decode_Mev_s=%.1f decoded=%llu\n",
           rate, n, bytes / (double)n, bound_bits / 8, bytes / (double)n / (bound_bits / 8),
           (double)n / median(enc, runs) / 1e6, (double)n / median(dec, runs) / 1e6,
           (unsigned long long)got);
    free(ev);
    return 0;
}
