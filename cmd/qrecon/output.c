/* What qrecon writes: images that say how they were scaled, partial sums,
 * and the report; and the metadata its inputs carry. */
#include "qrecon.h"

#include "cli.h"
#include "cli_image.h"
#include "cli_side.h"
#include "image.h"
#include "recon_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- metadata ---- */

int qrecon_meta_int(const qev_meta *m, const char *key, int64_t *v)
{
    const char *s = m ? qev_meta_get(m, key) : NULL;
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        cli_die(NULL, "metadata %s=%s is not an integer", key, s);
    *v = x;
    return 1;
}

void qrecon_owned_interval(const qev_meta *m, int64_t *from, int64_t *to)
{
    *from = INT64_MIN;
    *to = INT64_MAX;
    int64_t f, t;
    if (qrecon_meta_int(m, "owned_from_ps", &f) && qrecon_meta_int(m, "owned_to_ps", &t)) {
        *from = f;
        *to = t;
    }
}

void qrecon_image_size(struct qrecon_opts *o, const qev_meta *m, const char *what)
{
    int64_t w, h;
    if (o->has_size)
        return;
    if (!qrecon_meta_int(m, "image_width", &w) || !qrecon_meta_int(m, "image_height", &h))
        cli_usage_error("%s does not say the image size: give --size", what);
    if (w < 1 || h < 1 || w > 65535 || h > 65535 || (uint64_t)(w * h) > QRECON_MAX_PIXELS)
        cli_die(what, "image size %" PRId64 "x%" PRId64 " is out of range (at most %lu pixels)",
                w, h, (unsigned long)QRECON_MAX_PIXELS);
    o->width = (uint32_t)w;
    o->height = (uint32_t)h;
}

/* ---- images ---- */

static enum qev_recon_format output_format(const struct qrecon_opts *o)
{
    enum qev_recon_format f = QEV_OUT_PFM;
    if (o->format) {
        if (qev_recon_format_parse(o->format, &f) != QEV_OK)
            cli_usage_error("--format: '%s' is not pfm, pgm, pgm16, png, png16 or tsv", o->format);
    } else if (o->output && strcmp(o->output, "-") != 0 &&
               qev_recon_format_of_path(o->output, &f) != QEV_OK) {
        f = QEV_OUT_PFM;
    }
    return f;
}

static qev_image_scale image_scale(const struct qrecon_opts *o, const qev_image *im,
                                   const char **how)
{
    if (o->has_scale) {
        *how = "--scale";
        return (qev_image_scale){o->scale_lo, o->scale_hi};
    }
    qev_image_scale s;
    int flat = qev_image_span_scale(im, &s);
    *how = flat ? "a flat image" : "the image's minimum and maximum";
    return s;
}

/* The scaling of a viewable format, said in the file's comment and on stderr. */
static qev_image_scale state_scale(const struct qrecon_opts *o, const qev_image *im,
                                   enum qev_recon_format f, char *comment, size_t cap)
{
    const char *how;
    qev_image_scale s = image_scale(o, im, &how);
    unsigned top = f == QEV_OUT_PGM16 || f == QEV_OUT_PNG16 ? 65535 : 255;
    char line[256];
    snprintf(line, sizeof line, "scaled linearly: %.9g -> 0, %.9g -> %u (%s), clamped", s.lo,
             s.hi, top, how);
    size_t used = strlen(comment);
    snprintf(comment + used, cap - used, "\n%s", line);
    if (!o->quiet)
        fprintf(stderr, "qrecon: %s %s\n", qev_recon_format_name(f), line);
    return s;
}

void qrecon_write_image(const struct qrecon_opts *o, uint32_t w, uint32_t h, const double *px,
                        const char *what)
{
    qev_image im;
    char comment[512], why[256];
    cli_image_alloc(&im, w, h, NULL);
    memcpy(im.px, px, (size_t)w * h * sizeof *px);
    enum qev_recon_format f = output_format(o);
    qev_image_scale s = {0, 1};
    snprintf(comment, sizeof comment, "qrecon: %s", what);
    if (qev_recon_format_scaled(f))
        s = state_scale(o, &im, f, comment, sizeof comment);
    FILE *out = cli_output_stream(o->output, f != QEV_OUT_TSV);
    if (qev_recon_write_image(out, &im, f, s, comment, why, sizeof why) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "%s", why);
    qev_image_free(&im);
}

void qrecon_write_partial(const struct qrecon_opts *o, qev_partial *p)
{
    if (!p)
        cli_die(NULL, "out of memory");
    FILE *out = cli_output_stream(o->output, 0);
    if (qev_partial_write(p, out) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "write error: %s", strerror(errno));
    qev_partial_free(p);
}

/* ---- the report ---- */

/* The report's numbers that monitoring watches, as Prometheus metrics. */
static const struct report_metric prom_metrics[] = {
    {"photons_used", "qpipe_recon_photons_total", "counter",
     "Photons in coincidence with a herald, summed into the image."},
    {"photons", "qpipe_recon_photons_total", "counter",
     "Bucket photons counted into the measurements."},
    {"groups", "qpipe_recon_coincidence_groups_total", "counter",
     "Coincidence groups read."},
    {"heralds", "qpipe_recon_heralds_total", "counter", "Herald events read."},
    {"measurements", "qpipe_recon_measurements_total", "counter",
     "Measurements (patterns shown) reconstructed from."},
    {"accidentals_subtracted", "qpipe_recon_accidentals", "gauge",
     "Estimated accidental coincidences subtracted from the image."},
    {"net_counts", "qpipe_recon_net_counts", "gauge",
     "Coincidences in the image after the accidentals were subtracted."},
    {"snr_total", "qpipe_recon_snr_ratio", "gauge",
     "Signal-to-noise ratio of the image's total net counts."},
    {"iterations", "qpipe_recon_iterations", "gauge", "Iterations of the solver."},
    {"converged", "qpipe_recon_converged", "gauge",
     "1 when the solver met its tolerance, 0 when it stopped at its limit."},
    {"residual", "qpipe_recon_residual_ratio", "gauge",
     "Relative residual |Ax - b| / |b| of the reconstruction."},
};

static void write_prom(const struct qrecon_opts *o, const struct report *r)
{
    qev_atomic_file a;
    FILE *f = cli_side_open(&a, o->prom);
    report_prom_family(f, "qpipe_recon_duration_seconds", "gauge",
                       "Wall time from the start of the run to the finished image.");
    report_prom_value(f, r, "qpipe_recon_duration_seconds", cli_monotonic_seconds() - o->started);
    report_write_prom(f, r, prom_metrics, sizeof prom_metrics / sizeof *prom_metrics);
    cli_side_commit(&a);
}

void qrecon_print_report(const struct qrecon_opts *o, const char *command)
{
    struct report *r = &qrecon_report;
    r->command = command;
    if (o->report) {
        qev_atomic_file a;
        report_write_json(cli_side_open(&a, o->report), r);
        cli_side_commit(&a);
    }
    if (o->prom)
        write_prom(o, r);
    if (!o->quiet)
        report_write_text(stderr, r);
}
