/* Output of events as text, QEV, a count, or segment headers (CLI layer). */
#include "sink.h"
#include "cli.h"
#include "phdf5.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_BUF (1u << 16)

struct sink {
    enum sink_mode mode;
    const char *output;
    int level;
    FILE *out;
    int fd;
    qev_writer *w;
    phdf5_writer *h5;
    uint64_t count, segments, group;
    uint8_t fields;
    int columns_printed;
    char *text;
    size_t text_len;
};

struct sink *sink_open(enum sink_mode mode, const char *output, int level)
{
    struct sink *s = calloc(1, sizeof *s);
    if (!s)
        cli_die(NULL, "out of memory");
    s->mode = mode;
    s->output = output;
    s->level = level;
    if (mode == SINK_QEV) {
        s->fd = cli_output_fd(output, 1);
    } else if (mode == SINK_PHDF5) {
        if (!output || strcmp(output, "-") == 0)
            cli_usage_error("Photon-HDF5 needs a file: name it with -o");
        s->fd = cli_output_fd(output, 1); /* a temporary name, renamed on success */
    } else {
        s->out = cli_output_stream(output, mode == SINK_RAW);
        s->text = malloc(TEXT_BUF);
        if (!s->text)
            cli_die(NULL, "out of memory");
    }
    return s;
}

static void flush_text(struct sink *s)
{
    if (s->text_len && fwrite(s->text, 1, s->text_len, s->out) != s->text_len)
        cli_die(s->output, "write error: %s", strerror(errno));
    s->text_len = 0;
}

static void print_header(struct sink *s, const qev_meta *m, const char *source)
{
    fprintf(s->out, "# segment %" PRIu64 "%s%s\n", s->segments, source ? " of " : "",
            source ? source : "");
    for (size_t i = 0; i < qev_meta_count(m); i++)
        fprintf(s->out, "%s=%s\n", qev_meta_key(m, i), qev_meta_value(m, i));
    for (size_t i = 0; i < qev_meta_provenance_count(m); i++)
        fprintf(s->out, "@%s\n", qev_meta_provenance(m, i));
}

/* Photon-HDF5 holds one table of photons: later segments add to it. */
static void start_phdf5(struct sink *s, const qev_meta *meta)
{
    if (s->h5)
        return;
    s->h5 = phdf5_writer_open(cli_output_temp_path(), meta);
    if (!s->h5)
        cli_die(NULL, "out of memory");
    if (phdf5_writer_status(s->h5) != QEV_OK)
        cli_die(s->output, "%s", phdf5_writer_error(s->h5));
}

static void start_qev_segment(struct sink *s, const qev_meta *meta)
{
    qev_meta *m = qev_meta_dup(meta);
    if (!m)
        cli_die(NULL, "out of memory");
    cli_add_provenance(m);
    if (!s->w)
        s->w = cli_writer(s->fd, m, s->level);
    else
        cli_check_write(s->w, qev_writer_new_segment(s->w, m));
    qev_meta_free(m);
}

void sink_segment(struct sink *s, const qev_meta *meta, const char *source)
{
    s->segments++;
    uint8_t fields = 0;
    qev_meta_fields(meta, &fields);
    switch (s->mode) {
    case SINK_QEV:
        start_qev_segment(s, meta);
        break;
    case SINK_HEADER:
        print_header(s, meta, source);
        break;
    case SINK_PHDF5:
        start_phdf5(s, meta);
        break;
    case SINK_TEXT:
    case SINK_CSV:
        if (!s->columns_printed || fields != s->fields) {
            char line[128];
            flush_text(s);
            qev_text_header(fields, s->mode == SINK_CSV ? ',' : '\t', line, sizeof line);
            fputs(line, s->out);
            s->columns_printed = 1;
        }
        break;
    case SINK_COUNT:
    case SINK_RAW:
        break;
    }
    s->fields = fields;
}

static void text_events(struct sink *s, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->text_len > TEXT_BUF - 160)
            flush_text(s);
        s->group += (ev[i].flags & QEV_F_GROUP) != 0;
        s->text_len += qev_text_line(&ev[i], s->fields, s->group, s->mode == SINK_CSV ? ',' : '\t',
                                     s->text + s->text_len, TEXT_BUF - s->text_len);
    }
}

void sink_events(struct sink *s, const qev_event *ev, size_t n)
{
    s->count += n;
    if (s->mode == SINK_TEXT || s->mode == SINK_CSV)
        text_events(s, ev, n);
    else if (s->mode == SINK_PHDF5 && phdf5_write(s->h5, ev, n) != QEV_OK)
        cli_die(s->output, "%s", phdf5_writer_error(s->h5));
    else if (s->mode == SINK_QEV)
        cli_check_write(s->w, qev_write(s->w, ev, n));
    else if (s->mode == SINK_RAW && fwrite(ev, sizeof *ev, n, s->out) != n)
        cli_die(s->output, "write error: %s", strerror(errno));
}

uint64_t sink_events_written(const struct sink *s) { return s->count; }

void sink_closing(struct sink *s, const qev_meta *closing)
{
    if (!closing)
        return;
    if (s->mode == SINK_QEV && s->w)
        cli_check_write(s->w, qev_writer_set_closing_meta(s->w, closing));
    if (s->mode == SINK_HEADER) {
        fprintf(s->out, "# closing metadata of segment %" PRIu64 "\n", s->segments);
        for (size_t i = 0; i < qev_meta_count(closing); i++)
            fprintf(s->out, "%s=%s\n", qev_meta_key(closing, i), qev_meta_value(closing, i));
    }
}

void sink_close(struct sink *s)
{
    if (s->mode == SINK_QEV && s->w)
        cli_writer_close(s->w);
    if (s->mode == SINK_TEXT || s->mode == SINK_CSV)
        flush_text(s);
    if (s->mode == SINK_PHDF5 && s->h5) {
        char msg[320];
        if (phdf5_writer_close(s->h5, msg, sizeof msg) != QEV_OK)
            cli_die(s->output, "%s", msg);
    }
    if (s->mode == SINK_COUNT)
        fprintf(s->out, "%" PRIu64 "\n", s->count);
    free(s->text);
    free(s);
}

qev_meta *sink_merged_meta(qev_reader **readers, size_t k)
{
    const qev_meta **metas = malloc((k ? k : 1) * sizeof *metas);
    if (!metas)
        cli_die(NULL, "out of memory");
    for (size_t i = 0; i < k; i++)
        metas[i] = qev_reader_meta(readers[i]);
    qev_meta *m = qev_meta_merged(metas, k);
    free(metas);
    if (!m)
        cli_die(NULL, "out of memory");
    return m;
}
