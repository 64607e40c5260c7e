/* Files renamed into place when complete (see atomic_file.h). */
#include "atomic_file.h"
#include "internal.h"
#include "qev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define TEMP_RANDOM 6      /* the XXXXXX of qev_temp_name's template */
#define TEMP_ATTEMPTS 100u /* as many names as mkstemp would try, roughly */

static int fail_errno(char *why, size_t cap, int status, const char *what, int err)
{
    return qev_why(why, cap, status, "%s: %s", what, strerror(err));
}

char *qev_temp_name(const char *path)
{
    static const char suffix[] = ".tmp.XXXXXX";
    char *name = malloc(strlen(path) + sizeof suffix);
    if (name) {
        strcpy(name, path);
        strcat(name, suffix);
    }
    return name;
}

/* Random letters and digits for the template's XXXXXX, from the kernel's
 * pool, which leaves no state behind. Should getrandom fail (a kernel before
 * 3.17), the time, the process id and the attempt still tell concurrent
 * creators apart: O_EXCL makes a clash a retry, never a shared file. */
static void fill_random(char *x, unsigned attempt)
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t bytes[TEMP_RANDOM];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t v = ((uint64_t)ts.tv_sec << 30 ^ (uint64_t)ts.tv_nsec ^
                      (uint64_t)getpid() << 40) * 0x9E3779B97F4A7C15u + attempt;
        for (size_t i = 0; i < sizeof bytes; i++, v >>= 8)
            bytes[i] = (uint8_t)v;
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        x[i] = letters[bytes[i] % (sizeof letters - 1)];
}

/* open(O_EXCL) with mode 0666 lets the kernel apply the umask (and a default
 * ACL) as for any new file; mkstemp would fix 0600, and reading the umask to
 * correct that means setting it, for every thread of the process. */
int qev_temp_create(char *name)
{
    size_t len = strlen(name);
    if (len < TEMP_RANDOM || strcmp(name + len - TEMP_RANDOM, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
        fill_random(name + len - TEMP_RANDOM, attempt);
        /* read-write as from mkstemp; close-on-exec, so that a program
         * another thread starts meanwhile does not inherit it */
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1; /* errno is EEXIST */
}

int qev_atomic_open(qev_atomic_file *a, const char *path, char *why, size_t why_cap)
{
    *a = (qev_atomic_file){NULL, qev_temp_name(path), path};
    if (!a->temp)
        return fail_errno(why, why_cap, QEV_ENOMEM, "out of memory", ENOMEM);
    int fd = qev_temp_create(a->temp);
    if (fd < 0) {
        int err = errno;
        free(a->temp);
        a->temp = NULL;
        return fail_errno(why, why_cap, QEV_EIO, "cannot create", err);
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        qev_atomic_abandon(a);
        return fail_errno(why, why_cap, QEV_EIO, "cannot open", err);
    }
    return QEV_OK;
}

int qev_atomic_commit(qev_atomic_file *a, char *why, size_t why_cap)
{
    int err = 0;
    if (fflush(a->f) != 0 || ferror(a->f))
        err = errno ? errno : EIO;
    if (fclose(a->f) != 0 && !err)
        err = errno;
    a->f = NULL;
    if (!err && rename(a->temp, a->path) != 0) {
        qev_atomic_abandon(a);
        return fail_errno(why, why_cap, QEV_EIO, "cannot rename into place", errno);
    }
    if (err) {
        qev_atomic_abandon(a);
        return fail_errno(why, why_cap, QEV_EIO, "write error", err);
    }
    free(a->temp);
    a->temp = NULL;
    return QEV_OK;
}

void qev_atomic_abandon(qev_atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (a->temp)
        unlink(a->temp);
    free(a->temp);
    a->temp = NULL;
}
