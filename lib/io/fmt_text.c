/* CSV and TSV text: one event per row, through libcsv's streaming parser.
 *
 * Input is fed to libcsv one line at a time (at most TEXT_PIECE bytes), so
 * that every row knows its line number, comment lines can be skipped before
 * parsing, and one feed makes at most TEXT_PIECE rows. Times are converted
 * exactly (lib/stream/units.c); the columns kind, x, y, micro, value and group of
 * qcat's own text and CSV are read back when the header row names them. */
#include "tagread_int.h"
#include "units.h"

#include <csv.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define TEXT_PIECE 4096u
#define TEXT_MAX_FIELD (1u << 20)
#define TEXT_VALUE_MAX 128u  /* longest value kept for a column */
#define TEXT_MAX_COLUMN 1000000L
#define TEXT_PROBE (1u << 16) /* bytes looked at to choose the delimiter */

enum text_col {
    COL_TIME, COL_CHANNEL, COL_KIND, COL_X, COL_Y, COL_MICRO, COL_VALUE, COL_GROUP, NCOLS
};

/* The names of the columns qcat writes besides time and channel. */
static const char *const column_names[NCOLS] = {
    [COL_KIND] = "kind",   [COL_X] = "x",         [COL_Y] = "y",
    [COL_MICRO] = "micro", [COL_VALUE] = "value", [COL_GROUP] = "group",
};

struct channel_name {
    char *name;
    uint16_t channel;
};

struct text_state {
    qtag_reader *r;
    struct csv_parser p;
    int parser_ready;
    char delim;
    int64_t unit_ps;
    const char *unit_source;
    struct channel_name *map;
    size_t map_n;
    /* columns: 0-based index, -1 when absent; names given for time and channel */
    long col[NCOLS];
    const char *want_name[2];
    long named[NCOLS]; /* where the header row names each column */
    int first_row, header;
    size_t header_fields;
    uint64_t header_line;
    char header_text[2][TEXT_VALUE_MAX + 1];
    /* the row being parsed */
    size_t field;
    char val[NCOLS][TEXT_VALUE_MAX + 1];
    unsigned char got[NCOLS]; /* 1 kept, 2 too long to keep */
    /* position in the input */
    uint64_t line, row_line, row_offset;
    int at_line_start, in_quote, in_comment, input_done;
    uint64_t last_group;
    uint8_t fields;
    size_t pending_n, taken;
    qev_event pending[TEXT_PIECE + 1];
};

/* ---- small parsers ---- */

/* Digits only, at most max. */
static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return 0;
        unsigned d = (unsigned)(*s - '0');
        if (x > (max - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

/* A value as it may appear in a one-line message: control bytes become '?'. */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

/* The unit a time column's name states, "time_ns", "t (us)", "t [ps]"; 0 when
 * it states none. */
static int64_t unit_in_name(const char *name)
{
    size_t n = strlen(name);
    const char *u = NULL, *end = name + n;
    if (n >= 3 && (name[n - 1] == ')' || name[n - 1] == ']')) {
        u = memrchr(name, name[n - 1] == ')' ? '(' : '[', n);
        end--;
    } else {
        u = strrchr(name, '_');
    }
    if (!u)
        return 0;
    for (u++; u < end && *u == ' '; u++) {
    }
    while (end > u && end[-1] == ' ')
        end--;
    char text[16] = "1";
    size_t len = (size_t)(end - u);
    if (len == 0 || len + 2 > sizeof text || !(isalpha((unsigned char)*u) || *u == '\xc2'))
        return 0;
    for (size_t i = 0; i < len; i++) /* the units are lower case: NS, Us */
        text[i + 1] = (char)tolower((unsigned char)u[i]);
    text[len + 1] = '\0';
    int64_t ps;
    const char *why;
    return qev_parse_time_ps(text, &ps, &why) == QEV_OK && ps > 0 ? ps : 0;
}

/* ---- options ---- */

static int column_choice(qtag_reader *r, struct text_state *s, enum text_col k, const char *spec,
                         const char *option)
{
    uint64_t n;
    s->col[k] = -1;
    s->want_name[k] = NULL;
    if (!*spec)
        return qtag_fail(r, QEV_EINVAL, "%s: an empty column name", option);
    if (!parse_uint(spec, UINT64_MAX, &n)) {
        s->want_name[k] = spec;
        return QEV_OK;
    }
    if (n < 1 || n > TEXT_MAX_COLUMN)
        return qtag_fail(r, QEV_EINVAL, "%s: columns count from 1 (to %ld)", option,
                         TEXT_MAX_COLUMN);
    s->col[k] = (long)n - 1;
    return QEV_OK;
}

/* Without the spaces around it: "A=1, B=2" names B, as the parser trims fields. */
static char *trimmed(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static int add_channel_name(qtag_reader *r, struct text_state *s, char *entry)
{
    char *eq = strchr(entry, '=');
    uint64_t ch;
    if (!eq)
        return qtag_fail(r, QEV_EINVAL, "--channel-map: '%s' is not NAME=NUMBER", entry);
    *eq = '\0';
    entry = trimmed(entry);
    if (!*entry || !parse_uint(trimmed(eq + 1), 65535, &ch))
        return qtag_fail(r, QEV_EINVAL,
                         "--channel-map: '%s=%s' needs a name and a channel in 0..65535", entry,
                         eq + 1);
    s->map[s->map_n].name = strdup(entry);
    if (!s->map[s->map_n].name)
        return qtag_fail(r, QEV_ENOMEM, "out of memory");
    s->map[s->map_n++].channel = (uint16_t)ch;
    return QEV_OK;
}

/* "A=1,B=2": channel names to numbers. */
static int parse_channel_map(qtag_reader *r, struct text_state *s, const char *map)
{
    size_t entries = 1;
    for (const char *c = map; *c; c++)
        entries += *c == ',';
    char *copy = strdup(map);
    s->map = calloc(entries, sizeof *s->map);
    if (!copy || !s->map) {
        free(copy);
        return qtag_fail(r, QEV_ENOMEM, "out of memory");
    }
    char *save = NULL;
    for (char *e = strtok_r(copy, ",", &save); e && !r->err.status; e = strtok_r(NULL, ",", &save))
        add_channel_name(r, s, e);
    free(copy);
    if (!r->err.status && s->map_n == 0)
        qtag_fail(r, QEV_EINVAL, "--channel-map: no NAME=NUMBER in '%s'", map);
    return r->err.status;
}

static int read_options(qtag_reader *r, struct text_state *s)
{
    const qtag_opts *o = &r->opts;
    if (column_choice(r, s, COL_TIME, o->time_column ? o->time_column : "1", "--time-column") ||
        column_choice(r, s, COL_CHANNEL, o->channel_column ? o->channel_column : "2",
                      "--channel-column"))
        return r->err.status;
    int named = s->want_name[COL_TIME] || s->want_name[COL_CHANNEL];
    if (o->header_row == QTAG_HEADER_NO && named)
        return qtag_fail(r, QEV_EINVAL, "a column chosen by name needs a header row, but "
                                        "--no-header says there is none");
    if (s->col[COL_TIME] >= 0 && s->col[COL_TIME] == s->col[COL_CHANNEL])
        return qtag_fail(r, QEV_EINVAL, "the time and channel columns are the same column");
    if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r')
        return qtag_fail(r, QEV_EINVAL, "--delimiter cannot be a quote or a line end");
    s->unit_ps = o->time_unit_ps > 0 ? o->time_unit_ps : 1;
    s->unit_source = o->time_unit_ps > 0 ? "--time-unit" : "default";
    if (o->channel_map && parse_channel_map(r, s, o->channel_map))
        return r->err.status;
    return QEV_OK;
}

/* ---- the delimiter ---- */

static int blank_line(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

/* The first line that is neither blank nor a comment decides: tab, comma,
 * semicolon or space, the first of them that appears outside quotes. */
static char detect_delimiter(const uint8_t *p, size_t n)
{
    size_t start = 0, end = 0;
    for (; start < n; start = end + 1) {
        const uint8_t *nl = memchr(p + start, '\n', n - start);
        end = nl ? (size_t)(nl - p) : n;
        if (!blank_line(p + start, end - start) && p[start] != '#')
            break;
    }
    int seen[4] = {0}, quoted = 0;
    static const char candidates[] = "\t,; ";
    for (size_t i = start; i < end && i < n; i++) {
        quoted ^= p[i] == '"';
        const char *c = quoted || !p[i] ? NULL : strchr(candidates, p[i]);
        if (c)
            seen[c - candidates] = 1;
    }
    for (int i = 0; i < 4; i++)
        if (seen[i])
            return candidates[i];
    return ',';
}

static void describe_delimiter(qev_meta *m, char d)
{
    const char *name = d == '\t'  ? "tab"
                       : d == ',' ? "comma"
                       : d == ';' ? "semicolon"
                       : d == ' ' ? "space (runs of spaces)"
                                  : NULL;
    if (name)
        qev_meta_set(m, "delimiter", name);
    else
        qev_meta_setf(m, "delimiter", "%c", d);
}

/* ---- rows ---- */

static void keep_value(struct text_state *s, enum text_col k, const char *data, size_t len)
{
    if (len > TEXT_VALUE_MAX) {
        s->got[k] = 2;
        return;
    }
    memcpy(s->val[k], data, len);
    s->val[k][len] = '\0';
    s->got[k] = 1;
}

static int same_name(const char *data, size_t len, const char *name)
{
    return name && strlen(name) == len && strncasecmp(data, name, len) == 0;
}

/* In the first row, notes where each column is named, in case it is a header. */
static void note_names(struct text_state *s, size_t i, const char *data, size_t len)
{
    for (int k = 0; k < NCOLS; k++) {
        const char *name = k <= COL_CHANNEL ? s->want_name[k] : column_names[k];
        if (s->named[k] < 0 && same_name(data, len, name)) {
            s->named[k] = (long)i;
            if (k <= COL_CHANNEL)
                keep_value(s, (enum text_col)k, data, len);
        }
    }
}

static void on_field(void *data, size_t len, void *ctx)
{
    struct text_state *s = ctx;
    if (s->r->err.status)
        return;
    if (!data && s->delim == ' ') /* an empty field between two spaces of a run */
        return;
    if (!data)
        data = "";
    size_t i = s->field++;
    if (s->first_row)
        note_names(s, i, data, len);
    for (int k = 0; k < NCOLS; k++)
        if (s->col[k] == (long)i)
            keep_value(s, (enum text_col)k, data, len);
}

static void emit(struct text_state *s, const qev_event *e)
{
    qtag_counts *c = &s->r->counts;
    if (s->pending_n >= sizeof s->pending / sizeof *s->pending) {
        qtag_fail(s->r, QEV_ECORRUPT, "line %" PRIu64 ": too many rows in one line", s->row_line);
        return;
    }
    s->pending[s->pending_n++] = *e;
    c->records++;
    c->photons += e->kind == QEV_PHOTON;
    c->syncs += e->kind == QEV_SYNC;
    c->markers += e->kind == QEV_MARKER;
}

static int row_fail(struct text_state *s, enum text_col k, const char *fmt, const char *value)
{
    char buf[48];
    char what[160];
    snprintf(what, sizeof what, fmt, shown(value, buf, sizeof buf));
    return qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ", column %ld: %s", s->row_line,
                     s->col[k] + 1, what);
}

/* Every column in use is present, and short enough to be a number. */
static int row_complete(struct text_state *s)
{
    for (int k = 0; k < NCOLS; k++) {
        if (s->col[k] < 0 || s->got[k] == 1)
            continue;
        char what[64];
        if (s->got[k] == 2)
            snprintf(what, sizeof what, "a value longer than %u characters", TEXT_VALUE_MAX);
        else
            snprintf(what, sizeof what, "missing: the row has %zu field%s", s->field,
                     s->field == 1 ? "" : "s");
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ", column %ld: %s", s->row_line,
                  s->col[k] + 1, what);
        return 0;
    }
    return 1;
}

/* A header row again, as `cat a.csv b.csv` makes: skipped when it names the
 * same columns in the same places, an error when it names others. */
static int repeated_header(struct text_state *s)
{
    if (!s->header || qev_is_number(s->val[COL_TIME]) ||
        strcasecmp(s->val[COL_TIME], s->header_text[COL_TIME]) != 0)
        return 0;
    int same = s->field == s->header_fields &&
               strcasecmp(s->val[COL_CHANNEL], s->header_text[COL_CHANNEL]) == 0;
    for (int k = COL_KIND; k < NCOLS && same; k++)
        same = s->col[k] < 0 || strcasecmp(s->val[k], column_names[k]) == 0;
    if (!same)
        qtag_fail(s->r, QEV_EFORMAT,
                  "line %" PRIu64 ": a header row that differs from the one on line %" PRIu64,
                  s->row_line, s->header_line);
    return 1;
}

static int read_time(struct text_state *s, int64_t *t)
{
    const char *why;
    if (qev_parse_time_in_unit(s->val[COL_TIME], s->unit_ps, t, &why) == QEV_OK)
        return 1;
    char fmt[96];
    snprintf(fmt, sizeof fmt, "time '%%s' (unit %" PRId64 " ps): %s", s->unit_ps, why);
    row_fail(s, COL_TIME, fmt, s->val[COL_TIME]);
    return 0;
}

static int read_channel(struct text_state *s, uint16_t *channel)
{
    const char *v = s->val[COL_CHANNEL];
    for (size_t i = 0; i < s->map_n; i++) {
        if (strcmp(v, s->map[i].name) == 0) {
            *channel = s->map[i].channel;
            return 1;
        }
    }
    uint64_t n;
    if (parse_uint(v, 65535, &n)) {
        *channel = (uint16_t)n;
        return 1;
    }
    if (parse_uint(v, UINT64_MAX, &n) || (v[0] == '-' && isdigit((unsigned char)v[1])))
        row_fail(s, COL_CHANNEL, "channel %s is outside 0..65535", v);
    else if (s->map_n)
        row_fail(s, COL_CHANNEL, "channel '%s' is not a number and not in --channel-map", v);
    else
        row_fail(s, COL_CHANNEL, "channel '%s' is not a number (name channels with "
                                 "--channel-map, e.g. A=1,B=2)", v);
    return 0;
}

static int read_kind(struct text_state *s, uint8_t *kind)
{
    uint64_t n;
    *kind = QEV_PHOTON;
    if (s->col[COL_KIND] < 0 || qev_kind_parse(s->val[COL_KIND], kind) == QEV_OK)
        return 1;
    if (parse_uint(s->val[COL_KIND], 255, &n)) {
        *kind = (uint8_t)n;
        return 1;
    }
    row_fail(s, COL_KIND, "kind '%s' is not photon, sync, marker or a number 0..255",
             s->val[COL_KIND]);
    return 0;
}

/* An optional number column: 0 when it says "-", 1 with the number, -1 on error. */
static int optional_number(struct text_state *s, enum text_col k, uint64_t max, uint64_t *v)
{
    if (s->col[k] < 0 || strcmp(s->val[k], "-") == 0)
        return 0;
    if (parse_uint(s->val[k], max, v))
        return 1;
    char fmt[80];
    snprintf(fmt, sizeof fmt, "%s '%%s' is not '-' or a number in 0..%" PRIu64, column_names[k],
             max);
    row_fail(s, k, fmt, s->val[k]);
    return -1;
}

static int read_aux(struct text_state *s, qev_event *e)
{
    uint64_t x = 0, y = 0, micro = 0, value = 0;
    int has_x = optional_number(s, COL_X, 65535, &x), has_y = optional_number(s, COL_Y, 65535, &y);
    int has_micro = optional_number(s, COL_MICRO, UINT32_MAX, &micro);
    int has_value = optional_number(s, COL_VALUE, UINT32_MAX, &value);
    if (has_x < 0 || has_y < 0 || has_micro < 0 || has_value < 0)
        return 0;
    if (has_x != has_y) {
        row_fail(s, has_x ? COL_Y : COL_X, "'%s': x and y are both numbers or both '-'",
                 has_x ? s->val[COL_Y] : s->val[COL_X]);
        return 0;
    }
    if (has_x + has_micro + has_value > 1) {
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ": an event carries at most one of pixel, "
                  "micro and value; the others are '-'", s->row_line);
        return 0;
    }
    e->flags = has_x ? QEV_F_PIXEL : has_micro ? QEV_F_MICRO : has_value ? QEV_F_VALUE : 0;
    e->aux = has_x ? qev_pixel_aux((uint16_t)x, (uint16_t)y) : (uint32_t)(micro | value);
    return 1;
}

/* qcat numbers the groups; a number other than the previous row's starts a group. */
static int read_group(struct text_state *s, qev_event *e)
{
    uint64_t g;
    if (s->col[COL_GROUP] < 0)
        return 1;
    if (!parse_uint(s->val[COL_GROUP], UINT64_MAX, &g)) {
        row_fail(s, COL_GROUP, "group '%s' is not a number", s->val[COL_GROUP]);
        return 0;
    }
    if (g != s->last_group)
        e->flags |= QEV_F_GROUP;
    s->last_group = g;
    return 1;
}

static void data_row(struct text_state *s)
{
    qev_event e = {0};
    if (!row_complete(s) || repeated_header(s))
        return;
    if (read_time(s, &e.t) && read_channel(s, &e.channel) && read_kind(s, &e.kind) &&
        read_aux(s, &e) && read_group(s, &e))
        emit(s, &e);
}

/* ---- the first row: header or data ---- */

static void describe(qtag_reader *r, struct text_state *s)
{
    qev_meta *m = r->meta;
    describe_delimiter(m, s->delim);
    qev_meta_set(m, "header_row", s->header ? "1" : "0");
    if (s->col[COL_TIME] >= 0)
        qev_meta_setf(m, "time_column", "%ld", s->col[COL_TIME] + 1);
    if (s->col[COL_CHANNEL] >= 0)
        qev_meta_setf(m, "channel_column", "%ld", s->col[COL_CHANNEL] + 1);
    qev_meta_setf(m, "time_unit_ps", "%" PRId64, s->unit_ps);
    qev_meta_set(m, "time_unit_source", s->unit_source);
    qev_meta_set(m, "time_rule", "t = time * time_unit_ps, exactly; a time that is not a whole "
                                 "number of ps is an error");
    qev_meta_set(m, "channel_rule", s->map_n ? "names by channel_map; numbers as written"
                                             : "channel numbers as written");
    if (r->opts.channel_map)
        qev_meta_set(m, "channel_map", r->opts.channel_map);
    if (s->col[COL_GROUP] >= 0)
        qev_meta_set(m, "group_rule", "a group number other than the previous row's starts a "
                                      "group");
    s->fields = (uint8_t)((s->col[COL_X] >= 0 ? QEV_F_PIXEL : 0) |
                          (s->col[COL_MICRO] >= 0 ? QEV_F_MICRO : 0) |
                          (s->col[COL_VALUE] >= 0 ? QEV_F_VALUE : 0) |
                          (s->col[COL_GROUP] >= 0 ? QEV_F_GROUP : 0));
    char names[64];
    qev_fields_string(s->fields, names, sizeof names);
    if (s->fields)
        qev_meta_set(m, "fields", names);
}

/* A column the user named, or numbered, must be in the header row. */
static int header_column(struct text_state *s, enum text_col k, const char *what)
{
    if (s->want_name[k]) {
        char buf[48];
        s->col[k] = s->named[k];
        if (s->col[k] < 0)
            qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ": no column named '%s' in the header "
                      "row", s->row_line, shown(s->want_name[k], buf, sizeof buf));
    } else if ((size_t)s->col[k] >= s->field) {
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ": the header row has %zu column%s; the "
                  "%s column is %ld", s->row_line, s->field, s->field == 1 ? "" : "s", what,
                  s->col[k] + 1);
    }
    return s->r->err.status == QEV_OK;
}

static void header_row(struct text_state *s)
{
    s->header = 1;
    if (!header_column(s, COL_TIME, "time") || !header_column(s, COL_CHANNEL, "channel"))
        return;
    if (s->col[COL_TIME] == s->col[COL_CHANNEL]) {
        qtag_fail(s->r, QEV_EINVAL, "the time and channel columns are the same column (%ld)",
                  s->col[COL_TIME] + 1);
        return;
    }
    for (int k = COL_KIND; k < NCOLS; k++)
        s->col[k] = s->named[k] == s->col[COL_TIME] || s->named[k] == s->col[COL_CHANNEL]
                        ? -1
                        : s->named[k];
    if ((s->col[COL_X] < 0) != (s->col[COL_Y] < 0)) {
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ": a column x needs a column y, and y "
                  "needs x", s->row_line);
        return;
    }
    int64_t unit = unit_in_name(s->val[COL_TIME]);
    if (unit && !(s->r->opts.time_unit_ps > 0)) {
        s->unit_ps = unit;
        s->unit_source = "the time column's name";
    }
    memcpy(s->header_text, s->val, sizeof s->header_text);
    s->header_fields = s->field;
    s->header_line = s->row_line;
    describe(s->r, s);
}

static void first_row(struct text_state *s)
{
    int header = s->r->opts.header_row == QTAG_HEADER_YES;
    s->first_row = 0;
    if (s->r->opts.header_row == QTAG_HEADER_DETECT)
        header = s->want_name[COL_TIME] || s->got[COL_TIME] != 1 ||
                 !qev_is_number(s->val[COL_TIME]);
    if (header) {
        header_row(s);
        return;
    }
    if (s->want_name[COL_TIME] || s->want_name[COL_CHANNEL]) {
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ": a column chosen by name needs a header "
                  "row, but the first row holds data", s->row_line);
        return;
    }
    describe(s->r, s);
    data_row(s);
}

/* The last row has no line end: the file may have been cut inside it. */
static void partial_row(struct text_state *s)
{
    qtag_counts *c = &s->r->counts;
    c->truncated = 1;
    c->trailing_bytes = qev_input_end(&s->r->in) - s->row_offset;
    if (!s->r->opts.allow_truncated)
        qtag_fail(s->r, QEV_ETRUNC,
                  "truncated: line %" PRIu64 " has no line end (a partial row of %" PRIu64
                  " bytes after %" PRIu64 " row%s); --allow-truncated drops it",
                  s->row_line, c->trailing_bytes, c->records, c->records == 1 ? "" : "s");
}

static void on_row(int terminator, void *ctx)
{
    struct text_state *s = ctx;
    if (s->r->err.status || s->field == 0) {
        /* nothing, or only the spaces of a blank line */
    } else if (terminator == -1) {
        partial_row(s);
    } else if (s->first_row) {
        first_row(s);
    } else {
        data_row(s);
    }
    s->field = 0;
    memset(s->got, 0, sizeof s->got);
}

/* ---- feeding the parser ---- */

static void parse_error(struct text_state *s)
{
    int e = csv_error(&s->p);
    if (e == CSV_ENOMEM) {
        qtag_fail(s->r, QEV_ENOMEM, "out of memory");
        return;
    }
    qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ", column %zu: %s", s->line, s->field + 1,
              e == CSV_EPARSE ? "a quote inside an unquoted field, or text after a closing "
                                "quote"
                              : csv_strerror(e));
}

static void parse_piece(struct text_state *s, const uint8_t *p, size_t len)
{
    size_t done = csv_parse(&s->p, p, len, on_field, on_row, s);
    if (s->r->err.status)
        return;
    if (done < len) {
        parse_error(s);
        return;
    }
    if (csv_get_buffer_size(&s->p) > TEXT_MAX_FIELD) {
        qtag_fail(s->r, QEV_EFORMAT, "line %" PRIu64 ", column %zu: a field longer than %u "
                  "bytes", s->line, s->field + 1, TEXT_MAX_FIELD);
        return;
    }
    /* Strict quoting lets a quote only open, close or double inside a field,
     * so an odd count means a quoted field goes on past this piece. */
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++)
        quotes += p[i] == '"';
    s->in_quote ^= (int)(quotes & 1);
}

static void finish_input(struct text_state *s)
{
    s->input_done = 1;
    if (csv_fini(&s->p, on_field, on_row, s) != 0 && !s->r->err.status)
        partial_row(s); /* a quoted field never closed */
}

/* Feeds the parser the next line, or TEXT_PIECE bytes of it; comment lines
 * are skipped whole. At the end of the input, finishes the parse. */
static void feed_next(struct text_state *s)
{
    qev_input *in = &s->r->in;
    size_t len = qev_input_ensure(in, TEXT_PIECE);
    if (s->r->err.status)
        return;
    if (len == 0) {
        finish_input(s);
        return;
    }
    const uint8_t *p = qev_input_data(in);
    len = len < TEXT_PIECE ? len : TEXT_PIECE;
    const uint8_t *nl = memchr(p, '\n', len);
    if (nl)
        len = (size_t)(nl - p) + 1;
    if (s->at_line_start && !s->in_quote) {
        s->row_line = s->line;
        s->row_offset = qev_input_offset(in);
        s->in_comment = p[0] == '#';
    }
    if (!s->in_comment)
        parse_piece(s, p, len);
    qev_input_consume(in, len);
    s->at_line_start = nl != NULL;
    if (nl) {
        s->line++;
        s->in_comment = 0;
    }
}

/* ---- the format ---- */

static int start_parser(qtag_reader *r, struct text_state *s)
{
    size_t n = qev_input_ensure(&r->in, TEXT_PROBE);
    const uint8_t *head = qev_input_data(&r->in);
    if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0) { /* a UTF-8 byte order mark */
        qev_input_consume(&r->in, 3);
        head += 3;
        n -= 3;
    }
    s->delim = r->opts.delimiter ? r->opts.delimiter : detect_delimiter(head, n);
    /* Strict quoting keeps the quote count of a line meaningful (see
     * parse_piece); with spaces, the empty fields of a run are dropped. */
    unsigned char options =
        CSV_STRICT | CSV_STRICT_FINI | (s->delim == ' ' ? CSV_EMPTY_IS_NULL : 0);
    if (csv_init(&s->p, options) != 0)
        return qtag_fail(r, QEV_ENOMEM, "out of memory");
    s->parser_ready = 1;
    csv_set_delim(&s->p, (unsigned char)s->delim);
    csv_set_blk_size(&s->p, 4096);
    return QEV_OK;
}

static void free_state(void *state)
{
    struct text_state *s = state;
    if (!s)
        return;
    if (s->parser_ready)
        csv_free(&s->p);
    for (size_t i = 0; i < s->map_n; i++)
        free(s->map[i].name);
    free(s->map);
    free(s);
}

static int text_open(qtag_reader *r)
{
    struct text_state *s = qtag_state_new(r, sizeof *s);
    if (!s)
        return r->err.status;
    s->r = r;
    s->line = 1;
    s->at_line_start = s->first_row = 1;
    for (int k = 0; k < NCOLS; k++)
        s->col[k] = s->named[k] = -1;
    if (read_options(r, s) || start_parser(r, s))
        return r->err.status;
    while (s->first_row && !s->input_done && !r->err.status)
        feed_next(s);
    if (r->err.status)
        return r->err.status;
    if (s->first_row && !r->counts.truncated)
        return qtag_fail(r, QEV_EFORMAT, qev_input_end(&r->in) ? "no rows: only blank and "
                                                                 "comment lines"
                                                               : "empty file");
    if (s->first_row)
        describe(r, s);
    return QEV_OK;
}

static long text_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct text_state *s = r->state;
    size_t n = 0;
    if (cap == 0)
        return 0;
    while (n < cap && !r->err.status) {
        if (s->taken < s->pending_n) {
            size_t k = s->pending_n - s->taken < cap - n ? s->pending_n - s->taken : cap - n;
            memcpy(out + n, s->pending + s->taken, k * sizeof *out);
            n += k;
            s->taken += k;
            continue;
        }
        if (s->input_done)
            break;
        s->pending_n = s->taken = 0;
        feed_next(s);
    }
    if (r->err.status)
        return r->err.status;
    return n ? (long)n : QEV_END;
}

const struct qtag_format qtag_fmt_csv = {
    "csv", "CSV or TSV text: a time and a channel column, optionally qcat's kind, x, y, micro, "
           "value and group",
    ".csv .tsv .txt", NULL, text_open, text_decode, free_state, NULL,
};
