/* What every fuzz harness shares: the input as a file the readers can open,
 * a check that aborts with a message (so libFuzzer and the replayer both stop
 * on a broken promise, not only on a crash), and, without libFuzzer, a main()
 * that replays the files named on the command line.
 *
 * Each harness defines LLVMFuzzerTestOneInput() and includes this header once. */
#ifndef QPIPE_FUZZ_H
#define QPIPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* A regular file in memory holding data, positioned at 0; -1 on failure.
 * Regular, so readers may seek and pread in it as in a file on disk. */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < size;) {
        ssize_t k = write(fd, data + done, size - done);
        if (k <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)k;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The path under which a descriptor of this process opens again. */
static inline void fuzz_fd_path(int fd, char *out, size_t cap)
{
    snprintf(out, cap, "/proc/self/fd/%d", fd);
}

#ifndef QPIPE_LIBFUZZER
/* The corpus replayer: runs each file given, and says how many it ran. */
static uint8_t *fuzz_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        uint8_t *data = fuzz_slurp(argv[i], &size);
        if (!data) {
            fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
            return 2;
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        ran++;
    }
    printf("%d inputs ran\n", ran);
    return 0;
}
#endif

#endif
