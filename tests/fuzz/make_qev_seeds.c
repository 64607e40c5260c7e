/* Writes QEV seeds the tools do not make at this size: blocks of a few events
 * (so a small file has a block index of several entries), several segments,
 * an empty segment, each optional field, unsorted times, and a T3 segment on
 * the sync grid. Usage: make_qev_seeds DIR */
#include "qev.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static qev_meta *meta_of(const char *fields, const char *sync_ps, const char *micro_ps)
{
    qev_meta *m = qev_meta_new();
    qev_meta_set(m, "fields", fields);
    qev_meta_set(m, "instrument", "fuzz seed");
    if (sync_ps) {
        qev_meta_set(m, "sync_period_ps", sync_ps);
        qev_meta_set(m, "microtime_unit_ps", micro_ps);
    }
    return m;
}

static int write_file(const char *dir, const char *name, qev_writer_opts *o,
                      int (*body)(qev_writer *w))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    qev_meta *m = meta_of("", NULL, NULL);
    qev_writer *w = qev_writer_fdopen(fd, name, m, o, sizeof *o);
    int rc = body(w);
    if (rc == QEV_OK)
        rc = qev_writer_close(w);
    else
        qev_writer_free(w);
    qev_meta_free(m);
    close(fd);
    if (rc != QEV_OK)
        fprintf(stderr, "make_qev_seeds: %s failed\n", name);
    return rc != QEV_OK;
}

/* Photons on three channels, in blocks of 3 and segments of 2 blocks. */
static int small_blocks(qev_writer *w)
{
    for (int i = 0; i < 20; i++) {
        qev_event e = {1000 * i + (i % 3) * 7, (uint16_t)(1 + i % 3), QEV_PHOTON, 0, 0};
        if (qev_write(w, &e, 1) != QEV_OK)
            return QEV_EIO;
    }
    return QEV_OK;
}

/* One segment per optional field, and an empty one between them. */
static int every_field(qev_writer *w)
{
    static const char *const fields[] = {"pixel", "micro", "value", "group", "pixel,group", ""};
    qev_event e[6] = {
        {10, 1, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(3, 4)},
        {20, 2, QEV_PHOTON, QEV_F_MICRO, 1234},
        {30, 0, QEV_MARKER, QEV_F_VALUE, 7},
        {40, 1, QEV_PHOTON, QEV_F_GROUP, 0},
        {50, 2, QEV_PHOTON, QEV_F_PIXEL | QEV_F_GROUP, qev_pixel_aux(65535, 0)},
        {60, 0, QEV_SYNC, 0, 0},
    };
    for (int s = 0; s < 6; s++) {
        qev_meta *m = meta_of(fields[s], NULL, NULL);
        int rc = qev_writer_new_segment(w, m);
        qev_meta_free(m);
        if (rc != QEV_OK || qev_write(w, &e[s], 1) != QEV_OK || qev_write(w, &e[s], 1) != QEV_OK)
            return QEV_EIO;
    }
    return QEV_OK;
}

/* Times that step back (stored as zigzag differences), and extreme times. */
static int unsorted(qev_writer *w)
{
    qev_event e[5] = {
        {500, 1, QEV_PHOTON, 0, 0}, {100, 2, QEV_PHOTON, 0, 0}, {INT64_MAX, 1, QEV_PHOTON, 0, 0},
        {INT64_MIN, 3, QEV_PHOTON, 0, 0}, {0, 65535, QEV_PHOTON, 0, 0},
    };
    return qev_write(w, e, 5);
}

/* T3 data on a 12.5 ns sync grid with 25 ps micro-time bins. */
static int t3_grid(qev_writer *w)
{
    qev_meta *m = meta_of("micro", "12500", "25");
    int rc = qev_writer_new_segment(w, m);
    qev_meta_free(m);
    for (int i = 0; rc == QEV_OK && i < 12; i++) {
        uint32_t micro = (uint32_t)(i * 37 % 500);
        qev_event e = {(int64_t)(i * 3) * 12500 + micro * 25, (uint16_t)(1 + i % 2), QEV_PHOTON,
                       QEV_F_MICRO, micro};
        rc = qev_write(w, &e, 1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_qev_seeds DIR\n");
        return 2;
    }
    qev_writer_opts tiny = {1, 3, 2};
    qev_writer_opts one = {1, 1, 0};
    int bad = 0;
    bad |= write_file(argv[1], "small-blocks.qev", &tiny, small_blocks);
    bad |= write_file(argv[1], "every-field.qev", &one, every_field);
    bad |= write_file(argv[1], "unsorted.qev", &tiny, unsorted);
    bad |= write_file(argv[1], "t3-grid.qev", &tiny, t3_grid);
    return bad;
}
