/* Opening vendor time-tag files: the table of formats, detection, and the
 * calls that reach the chosen format's reader. */
#include "tagread_int.h"
#include "sized.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define PROBE_BYTES 1024

/* Formats with a magic come first: detection tries them in this order, then
 * the extensions of the others. */
static const struct qtag_format *const formats[] = {
    &qtag_fmt_ptu, &qtag_fmt_pt2,   &qtag_fmt_pt3, &qtag_fmt_ht2, &qtag_fmt_ht3, &qtag_fmt_t3r,
    &qtag_fmt_phdf5, &qtag_fmt_qutag, &qtag_fmt_spc, &qtag_fmt_csv, &qtag_fmt_raw, &qtag_fmt_raw16,
};
#define NFORMATS (sizeof formats / sizeof *formats)

size_t qtag_format_count(void) { return NFORMATS; }

const char *qtag_format_at(size_t i, const char **description)
{
    if (i >= NFORMATS)
        return NULL;
    if (description)
        *description = formats[i]->description;
    return formats[i]->name;
}

static const struct qtag_format *by_name(const char *name)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

static int has_extension(const char *path, const char *extensions)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    size_t n = strlen(dot);
    for (const char *p = extensions; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncasecmp(p, dot, n) == 0)
            return 1;
        p += len + (p[len] == ' ');
    }
    return 0;
}

static const struct qtag_format *detect(qtag_reader *r, const char *path)
{
    size_t n = qev_input_ensure(&r->in, PROBE_BYTES);
    const uint8_t *head = qev_input_data(&r->in);
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i]->probe && formats[i]->probe(head, n))
            return formats[i];
    for (size_t i = 0; i < NFORMATS; i++)
        if (!formats[i]->probe && has_extension(path, formats[i]->extensions))
            return formats[i];
    return NULL;
}

static void choose_format(qtag_reader *r, const char *path)
{
    if (r->opts.format) {
        r->fmt = by_name(r->opts.format);
        if (!r->fmt)
            qtag_fail(r, QEV_EINVAL, "unknown format '%s'", r->opts.format);
        return;
    }
    r->fmt = detect(r, path);
    if (!r->fmt && !r->err.status) {
        if (qev_input_end(&r->in) == 0)
            qtag_fail(r, QEV_EFORMAT, "empty file");
        else
            qtag_fail(r, QEV_EFORMAT, "unrecognised file format; name one with --format");
    }
}

qtag_reader *qtag_open(const char *path, const qtag_opts *opts, size_t opts_size)
{
    qtag_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = strdup(path);
    r->meta = qev_meta_new();
    if (!r->name || !r->meta) {
        qev_error_set(&r->err, QEV_ENOMEM, 0, "out of memory");
        return r;
    }
    if (qev_sized_copy(&r->opts, sizeof r->opts, opts, opts_size) != QEV_OK) {
        qev_error_set(&r->err, QEV_EINVAL, 0,
                      "reader options of %zu bytes set fields this library does not know",
                      opts_size);
        return r;
    }
    if (qev_input_open(&r->in, path, &r->err) != QEV_OK)
        return r;
    choose_format(r, path);
    if (r->err.status)
        return r;
    qev_meta_set(r->meta, "source_format", r->fmt->name);
    r->fmt->open(r);
    return r;
}

int qtag_status(const qtag_reader *r) { return r->err.status; }
const char *qtag_error(const qtag_reader *r) { return r->err.msg; }
const char *qtag_format_name(const qtag_reader *r) { return r->fmt ? r->fmt->name : "unknown"; }
const qev_meta *qtag_meta(const qtag_reader *r) { return r->meta; }
uint64_t qtag_count(const qtag_reader *r, enum qtag_counter counter)
{
    const qtag_counts *c = &r->counts;
    switch (counter) {
    case QTAG_RECORDS: return c->records;
    case QTAG_EXPECTED_RECORDS: return c->expected_records;
    case QTAG_PHOTONS: return c->photons;
    case QTAG_SYNCS: return c->syncs;
    case QTAG_MARKERS: return c->markers;
    case QTAG_OVERFLOW_RECORDS: return c->overflow_records;
    case QTAG_OVERFLOWS: return c->overflows;
    case QTAG_INVALID_RECORDS: return c->invalid;
    case QTAG_UNKNOWN_RECORDS: return c->unknown;
    case QTAG_TRAILING_BYTES: return c->trailing_bytes;
    case QTAG_TRUNCATED: return (uint64_t)c->truncated;
    }
    return 0;
}

void qtag_progress(const qtag_reader *r, uint64_t *done, uint64_t *total)
{
    int64_t size = qev_input_file_size(&r->in);
    *done = qev_input_offset(&r->in);
    *total = size > 0 ? (uint64_t)size : 0;
}

long qtag_read(qtag_reader *r, qev_event *out, size_t cap)
{
    if (r->err.status)
        return r->err.status;
    long n = r->fmt->decode(r, out, cap);
    if (n == QEV_END)
        qev_error_set(&r->err, QEV_END, qev_input_offset(&r->in), "end of file");
    return n;
}

int qtag_describe_counts(const qtag_reader *r, qev_meta *m)
{
    const qtag_counts *c = &r->counts;
    int failed = qev_meta_setf(m, "source_records", "%" PRIu64, c->records) != QEV_OK;
    if (c->expected_records)
        failed |= qev_meta_setf(m, "source_records_promised", "%" PRIu64, c->expected_records) !=
                  QEV_OK;
    failed |= qev_meta_setf(m, "source_overflows", "%" PRIu64, c->overflows) != QEV_OK;
    failed |= qev_meta_setf(m, "source_unknown_records", "%" PRIu64, c->unknown) != QEV_OK;
    if (c->invalid)
        failed |= qev_meta_setf(m, "source_invalid_records", "%" PRIu64, c->invalid) != QEV_OK;
    if (c->truncated)
        failed |= qev_meta_set(m, "truncated", "1") != QEV_OK;
    if (r->fmt && r->fmt->describe)
        r->fmt->describe(r, m);
    return failed ? QEV_ENOMEM : QEV_OK;
}

int qtag_close(qtag_reader *r)
{
    if (!r)
        return QEV_ENOMEM;
    int rc = r->err.status == QEV_END ? QEV_OK : r->err.status;
    if (r->fmt && r->fmt->free_state)
        r->fmt->free_state(r->state);
    qev_input_close(&r->in);
    qev_meta_free(r->meta);
    free(r->name);
    free(r);
    return rc;
}
