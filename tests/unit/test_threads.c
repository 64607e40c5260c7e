/* The thread model of libqev (qev.h, docs/threads.md): separate handles in
 * separate threads. Two readers and two writers run at once, each on its own
 * handle; every stream is made by a formula, so its count and checksum are
 * known without the library. `make check-tsan` runs this under
 * ThreadSanitizer, which reports any unsynchronised access that the threads
 * share, such as a table built lazily by the first caller. */
#include <hdf5.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "internal.h" /* qev_crc32 */
#include "phdf5.h"
#include "qev.h"
#include "tagread.h"
#include "tap.h"

#define EVENTS 300000u /* several blocks of QEV_BLOCK_EVENTS */
#define SYNC_PS 12500
#define MICRO_PS 25

/* Stream shapes: photons on four channels, or T3 events on a sync grid that
 * the writer stores as sync counts (the codec's grid blocks). */
enum shape { PHOTONS, T3 };

struct spec {
    enum shape shape;
    unsigned seed; /* varies the times, so that no two streams are alike */
};

/* Event i of a stream, by formula. Steps are 501..1499 ps for photons and
 * two or three sync periods for T3, so the times always increase. */
static qev_event event_at(struct spec s, uint64_t i)
{
    if (s.shape == PHOTONS) {
        int64_t t = (int64_t)(1000 * i + (i * 7919 + s.seed) % 500);
        return (qev_event){t, (uint16_t)(1 + i % 4), QEV_PHOTON, 0, 0};
    }
    uint32_t micro = (uint32_t)((i * 37 + s.seed) % 400);
    int64_t nsync = (int64_t)(3 * i + (i + s.seed) % 2);
    return (qev_event){nsync * SYNC_PS + (int64_t)micro * MICRO_PS, 1, QEV_PHOTON, QEV_F_MICRO,
                       micro};
}

/* FNV-1a over every field of every event, in order. */
struct digest {
    uint64_t events, hash;
};

static void digest_add(struct digest *d, const qev_event *e)
{
    uint64_t words[3] = {(uint64_t)e->t, (uint64_t)e->channel | (uint64_t)e->kind << 16 |
                                            (uint64_t)e->flags << 24, e->aux};
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 8; b++)
            d->hash = (d->hash ^ (uint8_t)(words[w] >> (8 * b))) * 0x100000001B3u;
    d->events++;
}

static struct digest digest_of(struct spec s)
{
    struct digest d = {0, 0xCBF29CE484222325u};
    for (uint64_t i = 0; i < EVENTS; i++) {
        qev_event e = event_at(s, i);
        digest_add(&d, &e);
    }
    return d;
}

static qev_meta *meta_of(struct spec s)
{
    qev_meta *m = qev_meta_new();
    qev_meta_set(m, "source", "test_threads");
    if (s.shape == T3) {
        qev_meta_setf(m, "sync_period_ps", "%d", SYNC_PS);
        qev_meta_setf(m, "microtime_unit_ps", "%d", MICRO_PS);
        qev_meta_set(m, "fields", "micro");
    }
    return m;
}

/* ---- the four jobs ---- */

/* A job reads or writes one stream: through a descriptor (a pipe), or a path. */
struct job {
    struct spec spec;
    int fd;
    const char *path;
    pthread_barrier_t *start;
    int status;           /* the close's status */
    struct digest got;    /* readers: what came back */
    uint64_t segments, trailers;
    size_t text_bytes;    /* readers: the events as text, which shares the kind names */
};

/* Writes the stream in pieces of varying size. */
static int write_events(struct spec s, int fd, const char *name)
{
    qev_meta *m = meta_of(s);
    qev_writer *w = qev_writer_fdopen(fd, name, m, NULL, 0);
    qev_event piece[7001];
    size_t n = 0, size = 1;
    for (uint64_t i = 0; i < EVENTS; i++) {
        piece[n++] = event_at(s, i);
        if (n == size || i + 1 == EVENTS) {
            qev_write(w, piece, n);
            n = 0;
            size = 1 + (size * 577 + 89) % 7001;
        }
    }
    qev_meta_free(m);
    return qev_writer_close(w);
}

/* Through a temporary file renamed into place, as the tools' -o does. */
static int write_file(struct spec s, const char *path)
{
    qev_atomic_file a;
    if (qev_atomic_open(&a, path, NULL, 0) != QEV_OK)
        return QEV_EIO;
    int rc = write_events(s, fileno(a.f), path);
    if (rc != QEV_OK) {
        qev_atomic_abandon(&a);
        return rc;
    }
    return qev_atomic_commit(&a, NULL, 0);
}

/* In a child process, so that the threads below are this process's first
 * callers of the library: whatever it might build on first use, they build. */
static int write_file_in_child(struct spec s, const char *path)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(write_file(s, path) == QEV_OK ? 0 : 1);
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0
               ? QEV_OK
               : QEV_EIO;
}

static void *writer_job(void *arg)
{
    struct job *j = arg;
    pthread_barrier_wait(j->start);
    if (j->path) {
        j->status = write_file(j->spec, j->path);
    } else {
        j->status = write_events(j->spec, j->fd, "pipe");
        close(j->fd);
    }
    return NULL;
}

static void read_stream(struct job *j)
{
    j->got = (struct digest){0, 0xCBF29CE484222325u};
    qev_reader *r = j->path ? qev_reader_open(j->path) : qev_reader_fdopen(j->fd, "pipe");
    uint8_t fields = 0;
    qev_meta_fields(qev_reader_meta(r), &fields);
    const qev_event *ev;
    long n;
    char line[128];
    while ((n = qev_read(r, &ev)) >= 0)
        for (long i = 0; i < n; i++) {
            digest_add(&j->got, &ev[i]);
            j->text_bytes += qev_text_line(&ev[i], fields, 0, '\t', line, sizeof line);
        }
    j->segments = qev_reader_count(r, QEV_READ_SEGMENTS);
    j->trailers = qev_reader_count(r, QEV_READ_TRAILERS);
    j->status = qev_reader_close(r);
    if (!j->path)
        close(j->fd);
}

static void *reader_job(void *arg)
{
    struct job *j = arg;
    pthread_barrier_wait(j->start);
    read_stream(j);
    return NULL;
}

static void check_read(struct job *j, const char *what)
{
    char name[160];
    struct digest want = digest_of(j->spec);
    snprintf(name, sizeof name, "%s: closes cleanly", what);
    tap_is_i64(j->status, QEV_OK, name);
    snprintf(name, sizeof name, "%s: every event comes back", what);
    tap_is_i64((int64_t)j->got.events, EVENTS, name);
    snprintf(name, sizeof name, "%s: the events' checksum is the formula's", what);
    tap_is_i64((int64_t)j->got.hash, (int64_t)want.hash, name);
    snprintf(name, sizeof name, "%s: one segment with its trailer", what);
    tap_ok(j->segments == 1 && j->trailers == 1, name);
}

/* Mode 0666 under the umask, as a plain create gives it. */
static void check_mode(const char *path, mode_t umask_set, const char *what)
{
    struct stat st;
    char name[160];
    snprintf(name, sizeof name, "%s: mode 0%o under umask 0%o", what, 0666 & ~umask_set,
             umask_set);
    tap_is_i64(stat(path, &st) == 0 ? (int64_t)(st.st_mode & 0777) : -1, 0666 & ~umask_set,
               name);
}

/* At once: a writer into a pipe and the reader at its other end (photons), a
 * writer of a file (T3 on the sync grid), and a reader of a file (T3). */
static void test_two_readers_two_writers(const char *dir, mode_t umask_set)
{
    char known[256], made[256];
    snprintf(known, sizeof known, "%s/known.qev", dir);
    snprintf(made, sizeof made, "%s/made.qev", dir);
    struct spec piped = {PHOTONS, 1}, known_spec = {T3, 2}, made_spec = {T3, 3};
    tap_is_i64(write_file_in_child(known_spec, known), QEV_OK, "a known stream is written");
    int pipe_fds[2];
    tap_is_i64(pipe(pipe_fds), 0, "a pipe");
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 4);
    struct job jobs[4] = {
        {.spec = piped, .fd = pipe_fds[0], .start = &start},
        {.spec = known_spec, .fd = -1, .path = known, .start = &start},
        {.spec = piped, .fd = pipe_fds[1], .start = &start},
        {.spec = made_spec, .fd = -1, .path = made, .start = &start},
    };
    pthread_t threads[4];
    for (int k = 0; k < 4; k++)
        pthread_create(&threads[k], NULL, k < 2 ? reader_job : writer_job, &jobs[k]);
    for (int k = 0; k < 4; k++)
        pthread_join(threads[k], NULL);
    pthread_barrier_destroy(&start);

    check_read(&jobs[0], "reader of a pipe (photons)");
    check_read(&jobs[1], "reader of a file (T3 on the sync grid)");
    tap_ok(jobs[0].text_bytes > 0 && jobs[1].text_bytes > 0, "both readers printed text");
    tap_is_i64(jobs[2].status, QEV_OK, "the writer into the pipe succeeds");
    tap_is_i64(jobs[3].status, QEV_OK, "the writer of a file succeeds");
    struct job back = {.spec = made_spec, .fd = -1, .path = made};
    read_stream(&back);
    check_read(&back, "the file written in a thread (T3 on the sync grid)");
    check_mode(made, umask_set, "the file written in a thread");
    unlink(made);
    unlink(known);
}

/* ---- Photon-HDF5: libhdf5's own state ---- */

struct h5_job {
    struct spec spec;
    char path[256];
    int written;
    struct digest got;
};

/* Writes a Photon-HDF5 file of the stream and reads it back. */
static void h5_round_trip(struct h5_job *j)
{
    qev_meta *m = meta_of(j->spec);
    phdf5_writer *w = phdf5_writer_open(j->path, m);
    qev_event ev[4096];
    for (uint64_t i = 0, n = 0; i < EVENTS; i++) {
        ev[n++] = event_at(j->spec, i);
        if (n == 4096 || i + 1 == EVENTS) {
            phdf5_write(w, ev, n);
            n = 0;
        }
    }
    char msg[320];
    j->written = phdf5_writer_close(w, msg, sizeof msg);
    qev_meta_free(m);
    j->got = (struct digest){0, 0xCBF29CE484222325u};
    qtag_opts phdf5 = {.format = "phdf5"};
    qtag_reader *r = qtag_open(j->path, &phdf5, sizeof phdf5);
    long n;
    while ((n = qtag_read(r, ev, 4096)) > 0)
        for (long i = 0; i < n; i++)
            digest_add(&j->got, &ev[i]);
    qtag_close(r);
}

static void *h5_job_run(void *arg)
{
    h5_round_trip(arg);
    return NULL;
}

static void check_h5(const struct h5_job *j, const char *what)
{
    char name[160];
    snprintf(name, sizeof name, "%s: written", what);
    tap_is_i64(j->written, QEV_OK, name);
    snprintf(name, sizeof name, "%s: read back whole", what);
    tap_ok(j->got.events == EVENTS && j->got.hash == digest_of(j->spec).hash, name);
}

/* The caller's error printing is the caller's: the library turns libhdf5's
 * off only while it runs, and every thread finds its own as it left it. */
static void test_hdf5(const char *dir)
{
    H5E_auto2_t before_func, after_func;
    void *before_data, *after_data;
    H5Eget_auto2(H5E_DEFAULT, &before_func, &before_data);
    struct h5_job one = {.spec = {T3, 5}};
    snprintf(one.path, sizeof one.path, "%s/one.h5", dir);
    h5_round_trip(&one);
    check_h5(&one, "Photon-HDF5 in the main thread");
    H5Eget_auto2(H5E_DEFAULT, &after_func, &after_data);
    tap_ok(after_func == before_func && after_data == before_data,
           "libhdf5's error printing is as the program left it");
    unlink(one.path);

    hbool_t safe = 0;
    H5is_library_threadsafe(&safe);
    if (!safe) {
        printf("ok %d - # skip libhdf5 is not built thread-safe: one thread at a time\n",
               ++tap_count);
        return;
    }
    struct h5_job jobs[2] = {{.spec = {PHOTONS, 6}}, {.spec = {T3, 7}}};
    pthread_t threads[2];
    for (int k = 0; k < 2; k++) {
        snprintf(jobs[k].path, sizeof jobs[k].path, "%s/thread%d.h5", dir, k);
        pthread_create(&threads[k], NULL, h5_job_run, &jobs[k]);
    }
    for (int k = 0; k < 2; k++)
        pthread_join(threads[k], NULL);
    check_h5(&jobs[0], "Photon-HDF5 in a thread (photons)");
    check_h5(&jobs[1], "Photon-HDF5 in a thread (T3)");
    for (int k = 0; k < 2; k++)
        unlink(jobs[k].path);
}

/* ---- the CRC table: a constant, checked entry by entry ---- */

/* The CRC of one byte, bit by bit from the polynomial (no table). */
static uint32_t crc_by_bits(uint8_t byte)
{
    uint32_t c = 0xFFFFFFFFu ^ byte;
    for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    return c ^ 0xFFFFFFFFu;
}

static void test_crc_table(void)
{
    int wrong = 0;
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        wrong += qev_crc32(&byte, 1) != crc_by_bits(byte);
    }
    tap_is_i64(wrong, 0, "every entry of the constant CRC table matches the bitwise CRC");
}

int main(void)
{
    char dir[] = "/tmp/qpipe-threads.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN); /* a reader that fails early fails its checks, not the run */
    umask(027);
    test_two_readers_two_writers(dir, 027);
    test_hdf5(dir);
    test_crc_table();
    rmdir(dir);
    return tap_done();
}
