/* Images the tools write (a flat field, a simulation's object, a
 * reconstruction, an SSIM map). Like the rest of the CLI module, a failure
 * prints one line and exits 1. */
#ifndef QPIPE_CLI_IMAGE_H
#define QPIPE_CLI_IMAGE_H

#include "image.h"

/* An image of width x height pixels; context names what it is for in the
 * message (NULL for none). */
void cli_image_alloc(qev_image *im, size_t width, size_t height, const char *context);
/* Writes im to path as qev_image_save does. */
void cli_image_save(const char *path, const qev_image *im, enum qev_image_format format, int bits,
                    qev_image_scale s);

#endif
