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

static void json_change(struct report_json *j, const qev_calib_change *c, const char *what)
{
    report_json_object(j, NULL);
    report_json_put_string(j, "key", c->key);
    report_json_put_string(j, "status", what);
    report_json_put_string(j, "old", c->old_text);
    report_json_put_string(j, "new", c->new_text);
    report_json_put_number(j, "change", c->change);
    report_json_put_number(j, "change_per_day", c->per_day);
    report_json_put_number(j, "sigmas", c->sigmas);
    report_json_end(j);
}

static void print_change(FILE *f, const qev_calib_change *c, struct report_json *json)
{
    const char *what = !c->old_text ? "added" : !c->new_text ? "removed" : "changed";
    if (json) {
        json_change(json, c, what);
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
}

struct diff {
    const struct opts *o;
    FILE *f;
    const qev_calib *a, *b;
    struct report_json json;
    qev_calib_change worst; /* the largest move beyond --max-sigma; key NULL for none */
};

static void diff_one(struct diff *d, const char *key)
{
    qev_calib_change c;
    qev_calib_compare(d->a, d->b, key, &c);
    int same_text = c.old_text && c.new_text && strcmp(c.old_text, c.new_text) == 0;
    if (qev_calib_bookkeeping(key) || same_text)
        return;
    print_change(d->f, &c, d->o->json ? &d->json : NULL);
    if (d->o->max_sigma >= 0 && isfinite(c.sigmas) && c.sigmas > d->o->max_sigma &&
        (!d->worst.key || c.sigmas > d->worst.sigmas))
        d->worst = c;
}

static void run(const struct opts *o, char **paths, int n)
{
    if (n != 2)
        cli_usage_error("qcal diff needs two calibration files, OLD and NEW");
    qev_calib *a = load_calibration(paths[0]), *b = load_calibration(paths[1]);
    struct diff d = {o, cli_output_stream(o->output, 0), a, b, {0}, {0}};
    if (o->json) {
        report_json_begin(&d.json, d.f, 0);
        report_json_object(&d.json, NULL);
        report_json_array(&d.json, "changes");
    } else {
        fprintf(d.f, "%-32s %18s %20s %8s\n", "parameter", "change", "per day", "sigma");
    }
    for (size_t i = 0; i < qev_calib_count(a); i++)
        diff_one(&d, qev_calib_key(a, i));
    for (size_t i = 0; i < qev_calib_count(b); i++)
        if (!qev_calib_get(a, qev_calib_key(b, i)))
            diff_one(&d, qev_calib_key(b, i));
    if (o->json) {
        report_json_end(&d.json);
        report_json_end(&d.json);
    }
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
