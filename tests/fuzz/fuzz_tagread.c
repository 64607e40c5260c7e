/* Fuzzes one vendor-format reader of lib/io/tagread.h, named at build time by
 * FUZZ_FORMAT ("ptu", "spc", "csv", ...): qtag_open() with that format forced,
 * under a few sets of options, then once more with the format detected.
 *
 * Besides crashes it checks what qtag-read relies on:
 * - a failure comes with a message;
 * - every event has valid flags; after a clean end, the events handed out
 *   are exactly the photons, syncs and markers counted (kinds past marker
 *   aside), never more than the records read;
 * - a file read to its end without error is not marked truncated (unless
 *   truncation was allowed);
 * - the header's metadata, the events and the closing counts make a stream
 *   the QEV writer accepts (written to /dev/null). */
#include "fuzz.h"
#include "qev.h"
#include "tagread.h"

#include <fcntl.h>
#include <hdf5.h>
#include <string.h>

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=\"name\""
#endif

#define CHUNK 1000 /* events per read: small and odd, so reads end mid-record-run */

static const qtag_opts *variants(size_t *n)
{
    static const qtag_opts csv[] = {
        {.format = FUZZ_FORMAT, .header_row = QTAG_HEADER_DETECT},
        {.format = FUZZ_FORMAT, .header_row = QTAG_HEADER_YES, .time_column = "time",
         .channel_column = "channel", .time_unit_ps = 1000, .channel_map = "A=1,B=2,sync=0"},
        {.format = FUZZ_FORMAT, .header_row = QTAG_HEADER_NO, .delimiter = '\t',
         .time_column = "2", .channel_column = "1", .allow_truncated = 1, .strict = 1},
        {.format = NULL, .header_row = QTAG_HEADER_DETECT},
    };
    static const qtag_opts raw[] = {
        {.format = FUZZ_FORMAT},
        {.format = FUZZ_FORMAT, .raw_channel_bytes = 4, .time_unit_ps = 1000,
         .allow_truncated = 1, .strict = 1},
        {.format = NULL},
    };
    static const qtag_opts other[] = {
        {.format = FUZZ_FORMAT},
        {.format = FUZZ_FORMAT, .allow_truncated = 1, .strict = 1},
        {.format = NULL},
    };
    if (strcmp(FUZZ_FORMAT, "csv") == 0) {
        *n = sizeof csv / sizeof *csv;
        return csv;
    }
    if (strcmp(FUZZ_FORMAT, "raw") == 0) {
        *n = sizeof raw / sizeof *raw;
        return raw;
    }
    *n = sizeof other / sizeof *other;
    return other;
}

/* One writer to /dev/null for the whole run, a segment per file: setting
 * up a writer (zstd context, block buffers) costs more than reading a small
 * input, and new_segment() checks the same things: it writes the header
 * metadata of the new segment, and the last block and the trailer (with the
 * closing counts) of the one before. */
static qev_writer *null_writer(void)
{
    static qev_writer *w;
    if (!w) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        qev_meta *m = qev_meta_new();
        FUZZ_CHECK(fd >= 0 && m, "cannot open /dev/null");
        w = qev_writer_fdopen(fd, "/dev/null", m, NULL, 0);
        FUZZ_CHECK(w && qev_writer_status(w) == QEV_OK, "cannot start a writer");
        qev_meta_free(m);
    }
    return w;
}

/* SPC reads its .set file beside the .spc by name, so that format gets a
 * directory with x.spc and x.set (both the input); the others a memfd. */
static char spc_tmp[64];

static void spc_dir_remove(void)
{
    char path[96];
    snprintf(path, sizeof path, "%s/x.spc", spc_tmp);
    unlink(path);
    snprintf(path, sizeof path, "%s/x.set", spc_tmp);
    unlink(path);
    rmdir(spc_tmp);
}

static const char *spc_dir(void)
{
    if (!spc_tmp[0]) {
        snprintf(spc_tmp, sizeof spc_tmp, "%s/qpipe-fuzz-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        FUZZ_CHECK(mkdtemp(spc_tmp) != NULL, "mkdtemp failed");
        atexit(spc_dir_remove);
    }
    return spc_tmp;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

/* Checks the flags, and returns how many events are of the three kinds
 * version 1.0 defines (raw16 passes others through). */
static uint64_t check_events(const qev_event *e, long n)
{
    uint64_t known = 0;
    for (long i = 0; i < n; i++) {
        FUZZ_CHECK(qev_event_flags_valid(e[i].flags), "event %ld has flags 0x%02x", i,
                   e[i].flags);
        known += e[i].kind <= QEV_MARKER;
    }
    return known;
}

/* After a clean end: what was handed out is what was counted. (After an
 * error, the records of the failed read were counted but not handed out.) */
static void check_counts(const qtag_reader *r, uint64_t events, uint64_t known,
                         const qtag_opts *o)
{
    uint64_t photons = qtag_count(r, QTAG_PHOTONS), syncs = qtag_count(r, QTAG_SYNCS);
    uint64_t markers = qtag_count(r, QTAG_MARKERS), records = qtag_count(r, QTAG_RECORDS);
    FUZZ_CHECK(known == photons + syncs + markers,
               "%llu events handed out, %llu photons + %llu syncs + %llu markers counted",
               (unsigned long long)known, (unsigned long long)photons,
               (unsigned long long)syncs, (unsigned long long)markers);
    FUZZ_CHECK(events <= records, "%llu events from %llu records",
               (unsigned long long)events, (unsigned long long)records);
    if (!o->allow_truncated)
        FUZZ_CHECK(!qtag_count(r, QTAG_TRUNCATED), "a clean end marked truncated");
}

static void convert(const char *path, const qtag_opts *o, qev_event *buf)
{
    qtag_reader *r = qtag_open(path, o, sizeof *o);
    FUZZ_CHECK(r != NULL, "out of memory");
    if (qtag_status(r) != QEV_OK) {
        FUZZ_CHECK(qtag_error(r)[0] != '\0', "open failed without a message");
        qtag_close(r);
        return;
    }
    qev_writer *w = null_writer();
    FUZZ_CHECK(qev_writer_new_segment(w, qtag_meta(r)) == QEV_OK,
               "the header metadata does not write: %s", qev_writer_error(w));
    uint64_t events = 0, known = 0;
    long n;
    while ((n = qtag_read(r, buf, CHUNK)) >= 0) {
        FUZZ_CHECK(n <= CHUNK, "%ld events for room of %d", n, CHUNK);
        known += check_events(buf, n);
        events += (uint64_t)n;
        FUZZ_CHECK(qev_write(w, buf, (size_t)n) == QEV_OK, "events do not write: %s",
                   qev_writer_error(w));
    }
    FUZZ_CHECK(n == QEV_END || qtag_error(r)[0] != '\0', "error %ld without a message", n);
    if (n == QEV_END)
        check_counts(r, events, known, o);
    qev_meta *closing = qev_meta_new();
    FUZZ_CHECK(closing != NULL, "out of memory");
    qtag_describe_counts(r, closing);
    static qev_meta *empty;
    if (!empty)
        empty = qev_meta_new();
    /* a new (empty) segment now writes this one's last block and trailer */
    FUZZ_CHECK(qev_writer_set_closing_meta(w, closing) == QEV_OK &&
                   qev_writer_new_segment(w, empty) == QEV_OK,
               "the events or closing counts do not write: %s", qev_writer_error(w));
    qev_meta_free(closing);
    qtag_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qev_event *buf;
    if (!buf)
        buf = malloc(CHUNK * sizeof *buf);
    FUZZ_CHECK(buf != NULL, "out of memory");
    /* libhdf5's error printing is the program's to set, and this one wants
     * it off: libhdf5 1.10 keeps a file it failed to open (a corrupt root
     * group) and, when printing is on, says so on stderr as it shuts down at
     * exit. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char path[4200];
    int fd = -1;
    if (strcmp(FUZZ_FORMAT, "spc") == 0) {
        snprintf(path, sizeof path, "%s/x.set", spc_dir());
        write_file(path, data, size);
        snprintf(path, sizeof path, "%s/x.spc", spc_dir());
        write_file(path, data, size);
    } else {
        if ((fd = fuzz_memfd(data, size)) < 0)
            return 0;
        fuzz_fd_path(fd, path, sizeof path);
    }
    size_t nv;
    const qtag_opts *v = variants(&nv);
    for (size_t i = 0; i < nv; i++)
        convert(path, &v[i], buf);
    if (fd >= 0)
        close(fd);
    return 0;
}
