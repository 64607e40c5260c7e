/* The one report writer of the tools: results for people (aligned text) and
 * for machines (JSON, the Prometheus text format). Part of the CLI layer: it
 * writes to a FILE. */
#ifndef QPIPE_REPORT_H
#define QPIPE_REPORT_H

#include <stddef.h>
#include <stdio.h>

/* ---- values ---- */

void report_json_string(FILE *f, const char *s);
/* A double as JSON: null when not finite. */
void report_json_number(FILE *f, double v);
/* A Prometheus label value, escaped, without quotes. */
void report_prom_label(FILE *f, const char *s);
void report_prom_family(FILE *f, const char *name, const char *type, const char *help);
/* A sample's value and the end of its line: NaN, +Inf and -Inf as Prometheus spells them. */
void report_prom_number(FILE *f, double v);

/* ---- Prometheus samples ---- */

struct prom_label {
    const char *name, *value;
};
/* name{label="value",...} v, each value escaped; no braces without labels. */
void report_prom_sample(FILE *f, const char *name, const struct prom_label *labels, size_t n,
                        double v);

/* ---- JSON documents, member by member ----
 * The writer puts the commas between members and elements. A spaced document
 * has a space after each comma and colon (qrecon's and qssim's reports), a
 * compact one none (qstat's and qcorr's). report_json_newline puts what comes
 * next in the container, a member, an element or its end, on a new line at an
 * indent. The document ends with a newline when its outermost container
 * closes. */
#define REPORT_JSON_DEPTH 8
struct report_json {
    FILE *f;
    int spaced, depth, indent;
    char close[REPORT_JSON_DEPTH];
    size_t items[REPORT_JSON_DEPTH];
};
void report_json_begin(struct report_json *j, FILE *f, int spaced);
/* Containers; key is NULL for the document itself and for array elements. */
void report_json_object(struct report_json *j, const char *key);
void report_json_array(struct report_json *j, const char *key);
void report_json_end(struct report_json *j);
void report_json_newline(struct report_json *j, int indent);
/* A string (null for NULL); a number (null when not finite); the text fmt
 * makes, as it is (integers, true, false, null, a chosen precision). */
void report_json_put_string(struct report_json *j, const char *key, const char *s);
void report_json_put_number(struct report_json *j, const char *key, double v);
void report_json_put(struct report_json *j, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- a run's report: named values ----
 * Each value is kept as the text the report shows. Text values become JSON
 * strings; the others go into JSON as they are (numbers, true, false, null)
 * and into Prometheus as numbers (true 1, false 0). */
#define REPORT_FIELDS 40
struct report_field {
    const char *key;
    int text;
    char value[160];
};
struct report {
    const char *tool, *command;
    const char *source; /* the input, for the samples' labels */
    size_t n;
    struct report_field field[REPORT_FIELDS];
};
/* Fields beyond REPORT_FIELDS are left out. */
void report_add(struct report *r, const char *key, int text, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A number with 10 significant digits, or null when not finite. */
void report_add_number(struct report *r, const char *key, double v);
/* "tool command:", then a line per field, the values aligned. */
void report_write_text(FILE *f, const struct report *r);
/* One line: {"tool": ..., "command": ..., then the fields}. */
void report_write_json(FILE *f, const struct report *r);

/* The fields monitoring watches: a family per field the table names, in the
 * table's order, each sample labelled with the report's source and command. */
struct report_metric {
    const char *key, *name, *type, *help;
};
void report_write_prom(FILE *f, const struct report *r, const struct report_metric *metrics,
                       size_t n);
/* A sample labelled as report_write_prom labels them. */
void report_prom_value(FILE *f, const struct report *r, const char *name, double v);

#endif
