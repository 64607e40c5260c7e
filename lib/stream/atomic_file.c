/* Files renamed into place when complete (see atomic_file.h). */
#include "atomic_file.h"
#include "internal.h"
#include "qev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int qev_temp_create(char *name)
{
    int fd = mkstemp(name);
    if (fd < 0)
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* mkstemp's 0600 would hide the file from the group */
    return fd;
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
