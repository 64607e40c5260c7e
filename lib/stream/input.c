/* The buffered byte source of every reader. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)

int qev_input_fdopen(qev_input *in, int fd, struct qev_error *err)
{
    memset(in, 0, sizeof *in);
    in->fd = fd;
    in->err = err;
    in->cap = 2 * READ_CHUNK;
    in->buf = malloc(in->cap);
    if (!in->buf)
        return qev_error_set(err, QEV_ENOMEM, 0, "out of memory");
    return QEV_OK;
}

int qev_input_open(qev_input *in, const char *path, struct qev_error *err)
{
    if (strcmp(path, "-") == 0)
        return qev_input_fdopen(in, STDIN_FILENO, err);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        memset(in, 0, sizeof *in);
        in->fd = -1;
        return qev_error_set(err, QEV_EIO, 0, "%s", strerror(errno));
    }
    int rc = qev_input_fdopen(in, fd, err);
    in->own_fd = 1;
    return rc;
}

void qev_input_close(qev_input *in)
{
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    free(in->buf);
    in->buf = NULL;
    in->fd = -1;
}

static void compact(qev_input *in)
{
    memmove(in->buf, in->buf + in->pos, in->len - in->pos);
    in->len -= in->pos;
    in->buf_offset += in->pos;
    in->pos = 0;
}

size_t qev_input_ensure(qev_input *in, size_t need)
{
    while (in->len - in->pos < need && !in->eof && in->err->status == QEV_OK) {
        if (in->pos && (in->len == in->pos || in->cap - in->len < READ_CHUNK))
            compact(in);
        if (in->cap - in->len < READ_CHUNK / 4) {
            uint8_t *b = realloc(in->buf, in->cap * 2);
            if (!b) {
                qev_error_set(in->err, QEV_ENOMEM, qev_input_offset(in), "out of memory");
                break;
            }
            in->buf = b;
            in->cap *= 2;
        }
        ssize_t k = read(in->fd, in->buf + in->len, in->cap - in->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            qev_error_set(in->err, QEV_EIO, qev_input_end(in), "read error: %s", strerror(errno));
            break;
        }
        in->eof = k == 0;
        in->len += (size_t)k;
    }
    return in->len - in->pos;
}

int qev_input_seek(qev_input *in, uint64_t offset)
{
    if (lseek(in->fd, (off_t)offset, SEEK_SET) < 0)
        return qev_error_set(in->err, QEV_EIO, offset, "seek failed: %s", strerror(errno));
    in->buf_offset = offset;
    in->len = in->pos = 0;
    in->eof = 0;
    return QEV_OK;
}

int qev_input_skip(qev_input *in, uint64_t n)
{
    size_t have = in->len - in->pos;
    if (n <= have) {
        in->pos += (size_t)n;
        return QEV_OK;
    }
    if (qev_input_file_size(in) >= 0)
        return qev_input_seek(in, qev_input_offset(in) + n);
    for (uint64_t left = n; left;) {
        size_t got = qev_input_ensure(in, left < READ_CHUNK ? (size_t)left : READ_CHUNK);
        if (got == 0)
            return in->err->status ? in->err->status : QEV_ETRUNC;
        size_t take = got < left ? got : (size_t)left;
        in->pos += take;
        left -= take;
    }
    return QEV_OK;
}

int qev_input_pread(qev_input *in, uint64_t offset, void *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(in->fd, (uint8_t *)dst + done, n - done, (off_t)(offset + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return QEV_EIO;
        done += (size_t)k;
    }
    return QEV_OK;
}

int64_t qev_input_file_size(const qev_input *in)
{
    struct stat st;
    if (fstat(in->fd, &st) || !S_ISREG(st.st_mode))
        return -1;
    return (int64_t)st.st_size;
}
