/* The options structs of the public API (qev_writer_opts, qtag_opts) only
 * ever grow at their end, and every caller passes the size it was built with. */
#ifndef QEV_SIZED_H
#define QEV_SIZED_H

#include <stddef.h>

/* Copies the part of src that src_size covers into dst (dst_size bytes, the
 * library's own size) and zeroes the rest, so a field the caller's build does
 * not know takes its default. A NULL src gives all defaults. QEV_EINVAL when
 * src sets bytes beyond dst_size, which only a newer build knows. */
int qev_sized_copy(void *dst, size_t dst_size, const void *src, size_t src_size);

#endif
