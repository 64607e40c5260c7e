/* Images the tools write, exiting with the reason when they cannot. */
#include "cli_image.h"

#include "cli.h"

void cli_image_alloc(qev_image *im, size_t width, size_t height, const char *context)
{
    char why[256];
    if (qev_image_alloc(im, width, height, why, sizeof why) != QEV_OK)
        cli_die(context, "%s", why);
}

void cli_image_save(const char *path, const qev_image *im, enum qev_image_format format, int bits,
                    qev_image_scale s)
{
    char why[400];
    if (qev_image_save(path, im, format, bits, s, why, sizeof why) != QEV_OK)
        cli_die(path, "%s", why);
}
