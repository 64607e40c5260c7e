/* Calibration files in and out: what each measurement writes around its
 * numbers (provenance, times, sources), and reading one back. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qcal.h"

void check_calib(const qev_calib *c, int rc)
{
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
}

/* A new calibration with this run's provenance and time. */
qev_calib *new_calibration(void)
{
    qev_calib *c = qev_calib_new();
    qev_meta *m = qev_meta_new();
    char now[32];
    if (!c || !m)
        cli_die(NULL, "out of memory");
    cli_add_provenance(m);
    for (size_t i = 0; i < qev_meta_provenance_count(m); i++)
        check_calib(c, qev_calib_add_provenance(c, qev_meta_provenance(m, i)));
    qev_meta_free(m);
    cli_utc_now(now, sizeof now);
    check_calib(c, qev_calib_set(c, "created", now));
    return c;
}

void section_start(qev_calib *c, const char *section, const char *comment, const char *source)
{
    char key[96], now[32];
    cli_utc_now(now, sizeof now);
    check_calib(c, qev_calib_comment(c, comment));
    snprintf(key, sizeof key, "%s.measured", section);
    check_calib(c, qev_calib_set(c, key, now));
    snprintf(key, sizeof key, "%s.source", section);
    check_calib(c, qev_calib_set(c, key, source));
}

void setn(qev_calib *c, double v, double sigma, const char *unit, const char *fmt, ...)
{
    char key[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    check_calib(c, qev_calib_set_number(c, key, v, sigma, unit));
}

void write_calibration(const struct opts *o, const qev_calib *c)
{
    FILE *f = cli_output_stream(o->output, 0);
    qev_calib_write(c, f);
}

qev_calib *load_calibration(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    qev_calib *c = qev_calib_new();
    if (!c)
        cli_die(NULL, "out of memory");
    int rc = qev_calib_read(c, f, path);
    if (f != stdin)
        fclose(f);
    if (rc != QEV_OK)
        cli_die(NULL, "%s", qev_calib_error(c));
    return c;
}

int looks_like_calibration(const char *path)
{
    FILE *f = fopen(path, "r");
    char head[32] = "";
    if (!f)
        cli_die(path, "cannot open: %s", strerror(errno));
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return strncmp(head, QEV_CALIB_MAGIC, strlen(QEV_CALIB_MAGIC)) == 0;
}
