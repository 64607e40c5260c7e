/* qcal diff: how each parameter moved between two calibrations
 * (calib_diff.h). */
#include <math.h>
#include <string.h>

#include "calib_diff.h"
#include "cli.h"
#include "qcal.h"
#include "report.h"

static const char help[] =
    "qcal diff: the change of each parameter, per day, and in sigma.\n"
    "      --max-sigma=S      exit 3 when a parameter moved more than S sigma\n";

static void format_value(char *buf, size_t cap, double v, const char *unit, int sign)
{
    if (!isfinite(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, sign ? "%+.6g%s%s" : "%.6g%s%s", v, *unit ? " " : "", unit);
}

static void json_text(FILE *f, const char *name, const char *text)
{
    fprintf(f, ",\"%s\":", name);
    text ? report_json_string(f, text) : (void)fputs("null", f);
}

static void print_change(FILE *f, const qev_calib_change *c, int json, int *first)
{
    const char *what = !c->old_text ? "added" : !c->new_text ? "removed" : "changed";
    if (json) {
        fprintf(f, "%s{\"key\":", *first ? "" : ",");
        report_json_string(f, c->key);
        fprintf(f, ",\"status\":\"%s\"", what);
        json_text(f, "old", c->old_text);
        json_text(f, "new", c->new_text);
        json_num(f, "change", c->change, 1);
        json_num(f, "change_per_day", c->per_day, 1);
        json_num(f, "sigmas", c->sigmas, 1);
        fputc('}', f);
    } else if (c->numeric) {
        char change[48], per_day[48], sigmas[32], unit[16];
        snprintf(unit, sizeof unit, "%s/d", qev_calib_unit_name(c->dim));
        format_value(change, sizeof change, c->change, qev_calib_unit_name(c->dim), 1);
        format_value(per_day, sizeof per_day, c->per_day, unit, 1);
        format_value(sigmas, sizeof sigmas, c->sigmas, "", 0);
        fprintf(f, "%-32s %18s %20s %8s\n", c->key, change, per_day, sigmas);
    } else {
        fprintf(f, "%-32s %s: %s -> %s\n", c->key, what, c->old_text ? c->old_text : "-",
                c->new_text ? c->new_text : "-");
    }
    *first = 0;
}

struct diff {
    const struct opts *o;
    FILE *f;
    const qev_calib *a, *b;
    int first;
    qev_calib_change worst; /* the largest move beyond --max-sigma; key NULL for none */
};

static void diff_one(struct diff *d, const char *key)
{
    qev_calib_change c;
    qev_calib_compare(d->a, d->b, key, &c);
    int same_text = c.old_text && c.new_text && strcmp(c.old_text, c.new_text) == 0;
    if (qev_calib_bookkeeping(key) || same_text)
        return;
    print_change(d->f, &c, d->o->json, &d->first);
    if (d->o->max_sigma >= 0 && isfinite(c.sigmas) && c.sigmas > d->o->max_sigma &&
        (!d->worst.key || c.sigmas > d->worst.sigmas))
        d->worst = c;
}

static void run(const struct opts *o, char **paths, int n)
{
    if (n != 2)
        cli_usage_error("qcal diff needs two calibration files, OLD and NEW");
    qev_calib *a = load_calibration(paths[0]), *b = load_calibration(paths[1]);
    struct diff d = {o, cli_output_stream(o->output, 0), a, b, 1, {0}};
    if (o->json)
        fputs("{\"changes\":[", d.f);
    else
        fprintf(d.f, "%-32s %18s %20s %8s\n", "parameter", "change", "per day", "sigma");
    for (size_t i = 0; i < qev_calib_count(a); i++)
        diff_one(&d, qev_calib_key(a, i));
    for (size_t i = 0; i < qev_calib_count(b); i++)
        if (!qev_calib_get(a, qev_calib_key(b, i)))
            diff_one(&d, qev_calib_key(b, i));
    if (o->json)
        fputs("]}\n", d.f);
    int status = CLI_OK;
    if (d.worst.key) {
        cli_warn(NULL, "%s moved %.3g sigma, more than --max-sigma %g", d.worst.key,
                 d.worst.sigmas, o->max_sigma);
        status = CLI_CHECK;
    }
    qev_calib_free(a);
    qev_calib_free(b);
    cli_exit(status);
}

const struct qcal_command diff_command = {"diff", help, NULL, run};
