/* Small shared helpers: CRC-32, sticky errors, string lists. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* CRC-32 (IEEE 802.3, reflected, as zlib and PNG compute it). */
uint32_t qev_crc32_update(uint32_t crc, const void *data, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    uint32_t c = crc ^ 0xFFFFFFFFu;
    while (n--)
        c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t qev_crc32(const void *data, size_t n) { return qev_crc32_update(0, data, n); }

int qev_error_set(struct qev_error *e, int status, uint64_t offset, const char *fmt, ...)
{
    if (e->status != QEV_OK && e->status != QEV_END)
        return e->status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->status = status;
    e->offset = offset;
    return status;
}

int qev_why(char *why, size_t cap, int status, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return status;
}

int strlist_push(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **p = realloc(l->s, cap * sizeof *p);
        if (!p)
            return QEV_ENOMEM;
        l->s = p;
        l->cap = cap;
    }
    char *d = strdup(s);
    if (!d)
        return QEV_ENOMEM;
    l->s[l->n++] = d;
    return QEV_OK;
}

void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}
