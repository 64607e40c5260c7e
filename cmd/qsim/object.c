/* The object of qsim ghost and qsim spi: a built-in phantom or an image file. */
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "qsim.h"
#include "sim_object.h"

/* The file's object on the grid; without --size, the grid takes the file's size. */
static void object_from_file(struct phys_opts *o)
{
    qev_image im;
    char why[256];
    int rc = qev_image_read(o->object, NULL, &im, why, sizeof why);
    if (rc == QEV_ENOMEM)
        cli_die(o->object, "out of memory");
    if (rc != QEV_OK || qev_sim_transmissions(&im, why, sizeof why) != QEV_OK)
        cli_die(o->object, "%s", why);
    if (!o->has_size) {
        if (!qev_sim_object_fits(o->c.setup, im.width, im.height))
            cli_die(o->object, "a %zux%zu object is too large; give --size", im.width, im.height);
        o->c.width = (uint32_t)im.width;
        o->c.height = (uint32_t)im.height;
        float *px = realloc(o->object_pixels, im.width * im.height * sizeof *px);
        if (!px)
            cli_die(NULL, "out of memory");
        o->object_pixels = px;
    }
    qev_sim_resample(&im, o->c.width, o->c.height, o->object_pixels);
    qev_image_free(&im);
}

void qsim_load_object(struct phys_opts *o)
{
    size_t n = (size_t)o->c.width * o->c.height;
    o->object_pixels = malloc(n * sizeof *o->object_pixels);
    if (!o->object_pixels)
        cli_die(NULL, "out of memory");
    if (qev_phantom_known(o->object)) {
        qev_phantom(o->object, o->c.width, o->c.height, o->object_pixels);
        if (qev_sim_object_dark(o->object_pixels, n))
            cli_usage_error("--object: %s has no lit pixel at %ux%u; give a larger --size or "
                            "another object", o->object, o->c.width, o->c.height);
    } else if (strchr(o->object, '/') || strchr(o->object, '.')) {
        object_from_file(o);
    } else {
        cli_usage_error("--object: '%s' is neither a built-in object (usaf, discs, letters, "
                        "letters:TEXT) nor a file name", o->object);
    }
    o->c.object = o->object_pixels;
}

void qsim_meta_image(qev_meta *m, const struct phys_opts *o)
{
    qev_meta_setf(m, "image_width", "%u", o->c.width);
    qev_meta_setf(m, "image_height", "%u", o->c.height);
    qev_meta_set(m, "object", o->object);
}
