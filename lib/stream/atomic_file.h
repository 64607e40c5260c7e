/* A file written under a temporary name beside its path and renamed into
 * place only when complete, so that a crash or a kill never leaves a
 * half-written file that looks finished. */
#ifndef QEV_ATOMIC_FILE_H
#define QEV_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct qev_atomic_file {
    FILE *f;
    char *temp;
    const char *path;
} qev_atomic_file;

/* The name of a temporary file beside path, "PATH.tmp.XXXXXX" (malloc'd; NULL
 * without memory): the template qev_temp_create fills in. */
char *qev_temp_name(const char *path);
/* Creates the file of a template from qev_temp_name, with the mode a plain
 * create would give it; the name is in place as soon as the file exists, so
 * a signal handler can always remove it. Returns its descriptor, or -1 with
 * errno set. */
int qev_temp_create(char *name);

/* Creates the temporary file, with the mode a plain create would give it.
 * Returns QEV_OK, or QEV_EIO / QEV_ENOMEM with the reason in why. */
int qev_atomic_open(qev_atomic_file *a, const char *path, char *why, size_t why_cap);
/* Closes the stream and renames the file into place; on any write error
 * the temporary file is removed instead and the error returned. */
int qev_atomic_commit(qev_atomic_file *a, char *why, size_t why_cap);
/* Removes the temporary file (the content is not wanted). */
void qev_atomic_abandon(qev_atomic_file *a);

#endif
