/* Unit tests of the report writer (cli/report.h) against documents written
 * out by hand: JSON in both spacings with nesting and line breaks, Prometheus
 * samples with escaped labels, and a run's key/value report in each form. */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tap.h"

/* A stream into memory, and its text once closed. */
struct memfile {
    FILE *f;
    char *text;
    size_t len;
};

static FILE *memfile_open(struct memfile *s)
{
    s->text = NULL;
    s->f = open_memstream(&s->text, &s->len);
    if (!s->f) {
        printf("Bail out! open_memstream failed\n");
        exit(1);
    }
    return s->f;
}

static int memfile_is(struct memfile *s, const char *want, const char *name)
{
    fclose(s->f);
    int ok = tap_ok(strcmp(s->text, want) == 0, name);
    if (!ok)
        printf("#   got  [%s]\n#   want [%s]\n", s->text, want);
    free(s->text);
    return ok;
}

static void test_json_compact(void)
{
    struct memfile s;
    struct report_json j;
    report_json_begin(&j, memfile_open(&s), 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "a", "%d", 1);
    report_json_array(&j, "b");
    report_json_put_number(&j, NULL, 0.5);
    report_json_put_string(&j, NULL, NULL);
    report_json_put_number(&j, NULL, NAN);
    report_json_end(&j);
    report_json_object(&j, "c");
    report_json_end(&j);
    report_json_put_string(&j, "d", "q\"\\\n");
    report_json_end(&j);
    memfile_is(&s, "{\"a\":1,\"b\":[0.5,null,null],\"c\":{},\"d\":\"q\\\"\\\\\\u000a\"}\n",
            "compact JSON: commas only, null for NULL and NaN, escapes, a newline at the end");
}

static void test_json_spaced(void)
{
    struct memfile s;
    struct report_json j;
    report_json_begin(&j, memfile_open(&s), 1);
    report_json_object(&j, NULL);
    report_json_put_string(&j, "v", "x");
    report_json_put_number(&j, "n", 0.1);
    report_json_newline(&j, 1);
    report_json_array(&j, "r");
    for (int i = 0; i < 2; i++) {
        report_json_newline(&j, 2);
        report_json_object(&j, NULL);
        report_json_put(&j, "k", "%d", i);
        report_json_put(&j, "t", "true");
        report_json_end(&j);
    }
    report_json_newline(&j, 1);
    report_json_end(&j);
    report_json_end(&j);
    memfile_is(&s,
            "{\"v\": \"x\", \"n\": 0.10000000000000001,\n"
            " \"r\": [\n"
            "  {\"k\": 0, \"t\": true},\n"
            "  {\"k\": 1, \"t\": true}\n"
            " ]}\n",
            "spaced JSON: spaces after commas and colons, line breaks where asked");
}

static void test_prom_samples(void)
{
    struct memfile s;
    FILE *f = memfile_open(&s);
    const struct prom_label labels[] = {{"source", "a\"b\\c\nd"}, {"channel", "3"}};
    report_prom_sample(f, "m_total", labels, 2, 1.5);
    report_prom_sample(f, "m_total", labels, 1, NAN);
    report_prom_sample(f, "bare", NULL, 0, -INFINITY);
    memfile_is(&s,
            "m_total{source=\"a\\\"b\\\\c\\nd\",channel=\"3\"} 1.5\n"
            "m_total{source=\"a\\\"b\\\\c\\nd\"} NaN\n"
            "bare -Inf\n",
            "Prometheus samples: labels escaped in order, no braces without labels");
}

static void fill_report(struct report *r)
{
    *r = (struct report){.tool = "qx", .command = "run", .source = "in.qev"};
    report_add(r, "image", 1, "%dx%d", 4, 2);
    report_add(r, "photons", 0, "%d", 12);
    report_add_number(r, "snr", 2.0 / 3);
    report_add_number(r, "residual", NAN);
    report_add(r, "converged", 0, "true");
}

static void test_report(void)
{
    struct report r;
    struct memfile s;
    fill_report(&r);
    report_write_json(memfile_open(&s), &r);
    memfile_is(&s,
            "{\"tool\": \"qx\", \"command\": \"run\", \"image\": \"4x2\", \"photons\": 12, "
            "\"snr\": 0.6666666667, \"residual\": null, \"converged\": true}\n",
            "report as JSON: text values quoted, numbers to 10 digits, null and true bare");
    report_write_text(memfile_open(&s), &r);
    memfile_is(&s,
            "qx run:\n"
            "  image                  4x2\n"
            "  photons                12\n"
            "  snr                    0.6666666667\n"
            "  residual               null\n"
            "  converged              true\n",
            "report as text: the values aligned after the keys");
    static const struct report_metric metrics[] = {
        {"converged", "qx_converged", "gauge", "Met its tolerance."},
        {"absent", "qx_absent", "gauge", "Not in the report."},
        {"photons", "qx_photons_total", "counter", "Photons."},
        {"residual", "qx_residual_ratio", "gauge", "Residual."},
    };
    report_write_prom(memfile_open(&s), &r, metrics, 4);
    memfile_is(&s,
            "# HELP qx_converged Met its tolerance.\n# TYPE qx_converged gauge\n"
            "qx_converged{source=\"in.qev\",command=\"run\"} 1\n"
            "# HELP qx_photons_total Photons.\n# TYPE qx_photons_total counter\n"
            "qx_photons_total{source=\"in.qev\",command=\"run\"} 12\n"
            "# HELP qx_residual_ratio Residual.\n# TYPE qx_residual_ratio gauge\n"
            "qx_residual_ratio{source=\"in.qev\",command=\"run\"} NaN\n",
            "report as Prometheus: in the table's order, true 1, null NaN, absent keys left out");
    for (int i = 0; i < REPORT_FIELDS + 3; i++)
        report_add(&r, "more", 0, "%d", i);
    tap_ok(r.n == REPORT_FIELDS, "fields beyond REPORT_FIELDS are left out");
}

int main(void)
{
    test_json_compact();
    test_json_spaced();
    test_prom_samples();
    test_report();
    return tap_done();
}
