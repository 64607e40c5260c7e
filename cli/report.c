/* The report writer: aligned text, JSON and the Prometheus text format (CLI
 * layer). */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void report_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void report_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void report_prom_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

void report_prom_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("NaN\n", f);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf\n" : "-Inf\n", f);
    else
        fprintf(f, "%.17g\n", v);
}

void report_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void report_prom_sample(FILE *f, const char *name, const struct prom_label *labels, size_t n,
                        double v)
{
    fputs(name, f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s%s=\"", i ? "," : "{", labels[i].name);
        report_prom_label(f, labels[i].value);
        fputc('"', f);
    }
    fputs(n ? "} " : " ", f);
    report_prom_number(f, v);
}

/* ---- JSON documents ---- */

void report_json_begin(struct report_json *j, FILE *f, int spaced)
{
    *j = (struct report_json){.f = f, .spaced = spaced, .indent = -1};
}

/* What goes before a member or an element: the comma, then the line break
 * asked for or the space of a spaced document, then the key. */
static void json_item(struct report_json *j, const char *key)
{
    int later = j->depth > 0 && j->items[j->depth - 1]++ > 0;
    if (later)
        fputc(',', j->f);
    if (j->indent >= 0)
        fprintf(j->f, "\n%*s", j->indent, "");
    else if (later && j->spaced)
        fputc(' ', j->f);
    j->indent = -1;
    if (key) {
        report_json_string(j->f, key);
        fputs(j->spaced ? ": " : ":", j->f);
    }
}

static void json_open(struct report_json *j, const char *key, char open, char close)
{
    json_item(j, key);
    fputc(open, j->f);
    if (j->depth < REPORT_JSON_DEPTH) {
        j->close[j->depth] = close;
        j->items[j->depth] = 0;
    }
    j->depth++;
}

void report_json_object(struct report_json *j, const char *key) { json_open(j, key, '{', '}'); }

void report_json_array(struct report_json *j, const char *key) { json_open(j, key, '[', ']'); }

void report_json_end(struct report_json *j)
{
    if (j->indent >= 0)
        fprintf(j->f, "\n%*s", j->indent, "");
    j->indent = -1;
    if (j->depth > 0 && --j->depth < REPORT_JSON_DEPTH)
        fputc(j->close[j->depth], j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void report_json_newline(struct report_json *j, int indent) { j->indent = indent; }

void report_json_put_string(struct report_json *j, const char *key, const char *s)
{
    json_item(j, key);
    if (s)
        report_json_string(j->f, s);
    else
        fputs("null", j->f);
}

void report_json_put_number(struct report_json *j, const char *key, double v)
{
    json_item(j, key);
    report_json_number(j->f, v);
}

void report_json_put(struct report_json *j, const char *key, const char *fmt, ...)
{
    va_list ap;
    json_item(j, key);
    va_start(ap, fmt);
    vfprintf(j->f, fmt, ap);
    va_end(ap);
}

/* ---- a run's report ---- */

static void report_vadd(struct report *r, const char *key, int text, const char *fmt, va_list ap)
{
    if (r->n == REPORT_FIELDS)
        return;
    struct report_field *f = &r->field[r->n++];
    f->key = key;
    f->text = text;
    vsnprintf(f->value, sizeof f->value, fmt, ap);
}

void report_add(struct report *r, const char *key, int text, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_vadd(r, key, text, fmt, ap);
    va_end(ap);
}

void report_add_number(struct report *r, const char *key, double v)
{
    if (isfinite(v))
        report_add(r, key, 0, "%.10g", v);
    else
        report_add(r, key, 0, "null");
}

void report_write_text(FILE *f, const struct report *r)
{
    fprintf(f, "%s %s:\n", r->tool, r->command);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "  %-22s %s\n", r->field[i].key, r->field[i].value);
}

void report_write_json(FILE *f, const struct report *r)
{
    struct report_json j;
    report_json_begin(&j, f, 1);
    report_json_object(&j, NULL);
    report_json_put_string(&j, "tool", r->tool);
    report_json_put_string(&j, "command", r->command);
    for (size_t i = 0; i < r->n; i++) {
        const struct report_field *v = &r->field[i];
        if (v->text)
            report_json_put_string(&j, v->key, v->value);
        else
            report_json_put(&j, v->key, "%s", v->value);
    }
    report_json_end(&j);
}

/* A field's value as a sample's: true 1, false 0, a number, or NaN. */
static double field_number(const char *text)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        return text[0] == 't';
    char *end;
    double v = strtod(text, &end);
    return end != text && *end == '\0' ? v : NAN;
}

void report_prom_value(FILE *f, const struct report *r, const char *name, double v)
{
    const struct prom_label labels[] = {{"source", r->source}, {"command", r->command}};
    report_prom_sample(f, name, labels, 2, v);
}

void report_write_prom(FILE *f, const struct report *r, const struct report_metric *metrics,
                       size_t n)
{
    for (size_t m = 0; m < n; m++)
        for (size_t i = 0; i < r->n; i++) {
            if (strcmp(r->field[i].key, metrics[m].key) != 0)
                continue;
            report_prom_family(f, metrics[m].name, metrics[m].type, metrics[m].help);
            report_prom_value(f, r, metrics[m].name, field_number(r->field[i].value));
        }
}
