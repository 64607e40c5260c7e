/* Options structs passed with their size (see sized.h). */
#include "sized.h"

#include <string.h>

#include "qev.h"

int qev_sized_copy(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    memset(dst, 0, dst_size);
    if (!src)
        return QEV_OK;
    const unsigned char *tail = (const unsigned char *)src + dst_size;
    for (size_t i = dst_size; i < src_size; i++)
        if (tail[i - dst_size])
            return QEV_EINVAL;
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    return QEV_OK;
}
