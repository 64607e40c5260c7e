/* Photon-HDF5 (photon-hdf5.org) through libhdf5: /photon_data/timestamps in
 * units of timestamps_specs/timestamps_unit seconds, detectors as channels,
 * and nanotimes as micro-times in units of nanotimes_specs/tcspc_unit.
 *
 * HDF5 is not a byte stream: the file is opened again by name, and read in
 * hyperslabs of PH5_ROWS rows, so memory stays constant for any file size.
 * Multispot files (photon_data0, photon_data1, ...) are refused: which spot a
 * channel number would stand for is not something the format settles.
 *
 * Files written by qcat carry /user/qpipe/{kind,flags,aux,metadata}: with
 * them every event and the stream's metadata come back exactly. */
#include "phdf5.h"
#include "tagread_int.h"

#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PH5_ROWS 65536u
#define PH5_TEXT_CAP 1024u         /* metadata values taken from the file */
#define PH5_MAX_STRING (1u << 16)  /* larger strings are not read at all */
#define PH5_MAX_QPIPE_META (1u << 19)
#define PH5_MAX_CHILDREN 64        /* scalars taken from one group */
#define PH5_MAX_CHUNK (64u << 20)  /* libhdf5 holds a whole chunk in memory */

enum ph5_col { COL_TS, COL_DET, COL_NANO, COL_KIND, COL_FLAGS, COL_AUX, NCOLS };

static const char *const col_path[NCOLS] = {
    "/photon_data/timestamps", "/photon_data/detectors", "/photon_data/nanotimes",
    "/user/qpipe/kind",        "/user/qpipe/flags",      "/user/qpipe/aux",
};

struct ph5_column {
    hid_t dset; /* negative when the file has no such column */
    int is_signed;
};

struct ph5_state {
    hid_t file;
    struct ph5_column col[NCOLS];
    hsize_t rows, next;
    int64_t unit_ps_int;  /* the timestamps unit, when a whole number of ps; else 0 */
    long double unit_ps;
    uint8_t fields;       /* declared in the metadata */
    int qpipe;            /* kind, flags and aux come from /user/qpipe */
    uint64_t *scratch;    /* one column of PH5_ROWS values */
};

/* ---- HDF5 errors as one line ---- */

/* The most specific message on HDF5's error stack, on one line. */
static void h5_reason(char *buf, size_t cap)
{
    char inner[200];
    phdf5_innermost_error(inner, sizeof inner);
    for (char *p = inner; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    snprintf(buf, cap, "%s%s", inner[0] ? ": " : "", inner);
}

static int h5_fail(qtag_reader *r, int status, const char *what)
{
    char why[210];
    h5_reason(why, sizeof why);
    return qtag_fail(r, status, "%s%s", what, why);
}

static void close_id(hid_t id, herr_t (*closer)(hid_t))
{
    if (id >= 0)
        closer(id);
}

/* ---- finding things ---- */

/* Whether every component of an absolute path exists (H5Lexists fails on a
 * missing intermediate group in older libraries). */
static int path_exists(hid_t file, const char *path)
{
    char prefix[256];
    size_t n = strlen(path);
    if (n >= sizeof prefix)
        return 0;
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        if (H5Lexists(file, prefix, H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
    }
    return 1;
}

/* A dataset or an attribute: the two things values are read from. */
struct h5obj {
    hid_t id;
    int attr;
};

static hid_t obj_type(struct h5obj o) { return o.attr ? H5Aget_type(o.id) : H5Dget_type(o.id); }
static hid_t obj_space(struct h5obj o) { return o.attr ? H5Aget_space(o.id) : H5Dget_space(o.id); }

static herr_t obj_read(struct h5obj o, hid_t mem, void *buf)
{
    return o.attr ? H5Aread(o.id, mem, buf) : H5Dread(o.id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}

static int is_scalar(struct h5obj o)
{
    hid_t space = obj_space(o);
    int scalar = space >= 0 && H5Sget_simple_extent_type(space) == H5S_SCALAR;
    close_id(space, H5Sclose);
    return scalar;
}

/* A scalar string of at most max bytes, NUL-terminated, in malloc'd memory;
 * NULL when it is something else or too long. */
static char *read_string(struct h5obj o, size_t max)
{
    hid_t ft = obj_type(o), mt = -1;
    char *out = NULL;
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING || !is_scalar(o))
        goto done;
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0) {
        char *v = NULL;
        H5Tset_size(mt, H5T_VARIABLE);
        if (obj_read(o, mt, &v) >= 0 && v && strlen(v) <= max)
            out = strdup(v);
        if (v)
            H5free_memory(v);
        goto done;
    }
    size_t size = H5Tget_size(ft);
    if (size == 0 || size > max)
        goto done;
    H5Tset_size(mt, size + 1);
    H5Tset_strpad(mt, H5T_STR_NULLTERM);
    out = calloc(1, size + 1);
    if (out && obj_read(o, mt, out) < 0) {
        free(out);
        out = NULL;
    }
done:
    close_id(mt, H5Tclose);
    close_id(ft, H5Tclose);
    H5Eclear2(H5E_DEFAULT);
    return out;
}

/* A scalar number as a double; 0 when it is not one. */
static int read_number(struct h5obj o, double *v)
{
    hid_t ft = obj_type(o);
    H5T_class_t c = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    int ok = (c == H5T_INTEGER || c == H5T_FLOAT) && is_scalar(o) &&
             obj_read(o, H5T_NATIVE_DOUBLE, v) >= 0;
    close_id(ft, H5Tclose);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

/* ---- values as metadata text ---- */

/* The shortest of %.15g..%.17g that reads back as v. */
static void real_text(double v, char *buf, size_t cap)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, cap, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A unit in seconds as picoseconds, as short as reads back to the same unit. */
static void ps_text(double seconds, char *buf, size_t cap)
{
    for (int digits = 15; digits <= 19; digits++) {
        snprintf(buf, cap, "%.*Lg", digits, (long double)seconds * 1e12L);
        if ((double)(strtold(buf, NULL) / 1e12L) == seconds)
            return;
    }
}

/* Control characters become spaces; the text is cut to PH5_TEXT_CAP bytes,
 * not inside a UTF-8 sequence. */
static void tidy_text(char *s)
{
    size_t n = strlen(s);
    if (n >= PH5_TEXT_CAP) {
        n = PH5_TEXT_CAP - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        s[n] = '\0';
    }
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
}

/* A simple scalar (an integer, a real or a string) as text; 0 otherwise. */
static int scalar_text(struct h5obj o, char *buf, size_t cap)
{
    hid_t ft = obj_type(o);
    H5T_class_t c = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    H5T_sign_t sign = c == H5T_INTEGER ? H5Tget_sign(ft) : H5T_SGN_ERROR;
    close_id(ft, H5Tclose);
    int ok = 0;
    if (c == H5T_INTEGER && is_scalar(o)) {
        int64_t i;
        uint64_t u;
        if (sign == H5T_SGN_NONE && (ok = obj_read(o, H5T_NATIVE_UINT64, &u) >= 0))
            snprintf(buf, cap, "%" PRIu64, u);
        else if (sign != H5T_SGN_NONE && (ok = obj_read(o, H5T_NATIVE_INT64, &i) >= 0))
            snprintf(buf, cap, "%" PRId64, i);
    } else if (c == H5T_FLOAT) {
        double v;
        if ((ok = read_number(o, &v)))
            real_text(v, buf, cap);
    } else if (c == H5T_STRING) {
        char *s = read_string(o, PH5_MAX_STRING);
        if ((ok = s != NULL)) {
            tidy_text(s);
            snprintf(buf, cap, "%s", s);
        }
        free(s);
    }
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

static void note(qtag_reader *r, const char *key, struct h5obj o)
{
    char text[PH5_TEXT_CAP + 64];
    if (qev_meta_key_valid(key) && scalar_text(o, text, sizeof text))
        qev_meta_set(r->meta, key, text);
}

static void note_root_attribute(qtag_reader *r, hid_t file, const char *name)
{
    char key[64];
    if (H5Aexists(file, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    snprintf(key, sizeof key, "phdf5.%s", name);
    if (a >= 0)
        note(r, key, (struct h5obj){a, 1});
    close_id(a, H5Aclose);
    H5Eclear2(H5E_DEFAULT);
}

/* "/setup/num_pixels" becomes the key "phdf5.setup.num_pixels". */
static void note_dataset(qtag_reader *r, hid_t loc, const char *path, const char *name)
{
    char key[300];
    int n = snprintf(key, sizeof key, "phdf5%s/%s", strcmp(path, "/") ? path : "", name);
    if (n < 0 || (size_t)n >= sizeof key)
        return;
    for (char *p = key; *p; p++)
        if (*p == '/')
            *p = '.';
    /* links to elsewhere (soft, or to other files) are not followed */
    H5L_info_t link;
    if (H5Lget_info(loc, name, &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj >= 0 && H5Iget_type(obj) == H5I_DATASET)
        note(r, key, (struct h5obj){obj, 0});
    close_id(obj, H5Oclose);
    H5Eclear2(H5E_DEFAULT);
}

/* The simple scalars directly in a group, up to PH5_MAX_CHILDREN of them. */
static void note_group(qtag_reader *r, hid_t file, const char *path)
{
    if (strcmp(path, "/") != 0 && !path_exists(file, path))
        return;
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    H5G_info_t info;
    if (g >= 0 && H5Gget_info(g, &info) >= 0) {
        hsize_t n = info.nlinks < PH5_MAX_CHILDREN ? info.nlinks : PH5_MAX_CHILDREN;
        for (hsize_t i = 0; i < n; i++) {
            char name[128];
            ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
                                             sizeof name, H5P_DEFAULT);
            if (len > 0 && (size_t)len < sizeof name)
                note_dataset(r, g, path, name);
        }
    }
    close_id(g, H5Gclose);
    H5Eclear2(H5E_DEFAULT);
}

static void note_descriptions(qtag_reader *r, hid_t file)
{
    static const char *const attributes[] = {"format_name", "format_version"};
    static const char *const groups[] = {
        "/", "/setup", "/identity", "/provenance", "/photon_data/timestamps_specs",
        "/photon_data/nanotimes_specs", "/photon_data/measurement_specs",
    };
    for (size_t i = 0; i < sizeof attributes / sizeof *attributes; i++)
        note_root_attribute(r, file, attributes[i]);
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
        note_group(r, file, groups[i]);
}

/* ---- the columns ---- */

/* The bytes of one chunk of a one-dimensional dataset; 0 when not chunked. */
static uint64_t chunk_bytes(hid_t dset, hid_t type)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    hsize_t rows = 0;
    if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, &rows) != 1)
        rows = 0;
    close_id(dcpl, H5Pclose);
    return (uint64_t)rows * H5Tget_size(type);
}

static int open_column(qtag_reader *r, struct ph5_state *s, enum ph5_col which)
{
    const char *path = col_path[which];
    if (!path_exists(s->file, path))
        return QEV_OK;
    char what[128];
    hid_t d = H5Dopen2(s->file, path, H5P_DEFAULT);
    snprintf(what, sizeof what, "cannot open %s", path);
    if (d < 0)
        return h5_fail(r, QEV_EFORMAT, what);
    s->col[which].dset = d;
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    int integer = type >= 0 && H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) <= 8;
    s->col[which].is_signed = integer && H5Tget_sign(type) != H5T_SGN_NONE;
    hsize_t rows = 0;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank == 1)
        H5Sget_simple_extent_dims(space, &rows, NULL);
    uint64_t chunk = rank == 1 && integer ? chunk_bytes(d, type) : 0;
    close_id(type, H5Tclose);
    close_id(space, H5Sclose);
    H5Eclear2(H5E_DEFAULT);
    if (!integer)
        return qtag_fail(r, QEV_EFORMAT, "%s is not an integer array", path);
    if (rank != 1)
        return qtag_fail(r, QEV_EFORMAT, "%s is not one-dimensional", path);
    if (chunk > PH5_MAX_CHUNK)
        return qtag_fail(r, QEV_EFORMAT, "%s has chunks of %" PRIu64 " bytes, over the %u MiB "
                         "read here", path, chunk, PH5_MAX_CHUNK >> 20);
    if (which == COL_TS)
        s->rows = rows;
    else if (rows != s->rows)
        return qtag_fail(r, QEV_EFORMAT, "%s has %llu rows, but timestamps has %llu", path,
                         (unsigned long long)rows, (unsigned long long)s->rows);
    return QEV_OK;
}

/* Reads rows [start, start + n) of a column into s->scratch as 64-bit values
 * of the column's signedness, which holds any integer type exactly. */
static int read_column(qtag_reader *r, struct ph5_state *s, enum ph5_col which, hsize_t start,
                       hsize_t n)
{
    const struct ph5_column *c = &s->col[which];
    hid_t fs = H5Dget_space(c->dset), ms = H5Screate_simple(1, &n, NULL);
    herr_t rc = -1;
    char why[210] = "";
    if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0)
        rc = H5Dread(c->dset, c->is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, ms, fs,
                     H5P_DEFAULT, s->scratch);
    if (rc < 0)
        h5_reason(why, sizeof why);
    close_id(fs, H5Sclose);
    close_id(ms, H5Sclose);
    if (rc >= 0)
        return QEV_OK;
    return qtag_fail(r, QEV_ECORRUPT, "cannot read %s from row %llu%s", col_path[which],
                     (unsigned long long)start, why);
}

/* A column's value as a number in [0, max]; -1 when it is outside. */
static int64_t column_value(const struct ph5_column *c, uint64_t raw, uint64_t max)
{
    if (c->is_signed && (int64_t)raw < 0)
        return -1;
    return raw <= max ? (int64_t)raw : -1;
}

static int value_fail(qtag_reader *r, const struct ph5_column *c, enum ph5_col which, hsize_t row,
                      uint64_t raw, const char *why)
{
    if (c->is_signed)
        return qtag_fail(r, QEV_ECORRUPT, "%s[%llu] = %" PRId64 " %s", col_path[which],
                         (unsigned long long)row, (int64_t)raw, why);
    return qtag_fail(r, QEV_ECORRUPT, "%s[%llu] = %" PRIu64 " %s", col_path[which],
                     (unsigned long long)row, raw, why);
}

static int to_time(const struct ph5_state *s, uint64_t raw, int64_t *t)
{
    if (!s->col[COL_TS].is_signed && raw > INT64_MAX)
        return 0;
    int64_t v = (int64_t)raw;
    if (s->unit_ps_int)
        return !__builtin_mul_overflow(v, s->unit_ps_int, t);
    long double x = (long double)v * s->unit_ps;
    if (!(fabsl(x) < 9.2e18L))
        return 0;
    *t = llroundl(x);
    return 1;
}

static int apply_times(qtag_reader *r, struct ph5_state *s, qev_event *out, hsize_t n)
{
    for (hsize_t i = 0; i < n; i++)
        if (!to_time(s, s->scratch[i], &out[i].t))
            return value_fail(r, &s->col[COL_TS], COL_TS, s->next + i, s->scratch[i],
                              "does not fit 64-bit picoseconds");
    return QEV_OK;
}

/* The other columns are integers with a range: channel, kind, flags, aux. */
static int apply_column(qtag_reader *r, struct ph5_state *s, enum ph5_col which, qev_event *out,
                        hsize_t n)
{
    static const uint64_t max[NCOLS] = {0, UINT16_MAX, UINT32_MAX, QEV_MARKER, QEV_F_ALL,
                                        UINT32_MAX};
    const struct ph5_column *c = &s->col[which];
    for (hsize_t i = 0; i < n; i++) {
        int64_t v = column_value(c, s->scratch[i], max[which]);
        if (v < 0)
            return value_fail(r, c, which, s->next + i, s->scratch[i], "is out of range");
        switch (which) {
        case COL_DET: out[i].channel = (uint16_t)v; break;
        case COL_KIND: out[i].kind = (uint8_t)v; break;
        case COL_FLAGS: out[i].flags = (uint8_t)v; break;
        default: out[i].aux = (uint32_t)v; break;
        }
    }
    return QEV_OK;
}

/* Flags from /user/qpipe must be valid and declared in the stream's fields. */
static int check_flags(qtag_reader *r, const struct ph5_state *s, const qev_event *out, hsize_t n)
{
    for (hsize_t i = 0; i < n; i++)
        if (!qev_event_flags_valid(out[i].flags) || (out[i].flags & ~s->fields))
            return qtag_fail(r, QEV_ECORRUPT,
                             "/user/qpipe/flags[%llu] = %u is not valid for fields 0x%x",
                             (unsigned long long)(s->next + i), out[i].flags, s->fields);
    return QEV_OK;
}

static void count_kinds(qtag_counts *c, const qev_event *out, hsize_t n)
{
    for (hsize_t i = 0; i < n; i++) {
        if (out[i].kind == QEV_PHOTON)
            c->photons++;
        else if (out[i].kind == QEV_SYNC)
            c->syncs++;
        else
            c->markers++;
    }
}

static long decode_rows(qtag_reader *r, qev_event *out, size_t cap)
{
    struct ph5_state *s = r->state;
    if (s->next >= s->rows)
        return QEV_END;
    hsize_t n = s->rows - s->next;
    if (n > cap)
        n = cap;
    if (n > PH5_ROWS)
        n = PH5_ROWS;
    uint8_t flags = !s->qpipe && s->col[COL_NANO].dset >= 0 ? QEV_F_MICRO : 0;
    for (hsize_t i = 0; i < n; i++)
        out[i] = (qev_event){0, 0, QEV_PHOTON, flags, 0};
    for (int which = 0; which < NCOLS; which++) {
        if (s->col[which].dset < 0 || (which == COL_NANO && s->qpipe))
            continue;
        if (read_column(r, s, which, s->next, n) != QEV_OK)
            return r->err.status;
        int rc = which == COL_TS ? apply_times(r, s, out, n) : apply_column(r, s, which, out, n);
        if (rc != QEV_OK)
            return rc;
    }
    if (s->qpipe && check_flags(r, s, out, n) != QEV_OK)
        return r->err.status;
    count_kinds(&r->counts, out, n);
    s->next += n;
    r->counts.records += n;
    return (long)n;
}

/* ---- the units ---- */

static int read_named_number(hid_t file, const char *path, double *v)
{
    if (!path_exists(file, path))
        return 0;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    int ok = d >= 0 && read_number((struct h5obj){d, 0}, v);
    close_id(d, H5Dclose);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

static int timestamps_unit(qtag_reader *r, struct ph5_state *s)
{
    double unit;
    if (!read_named_number(s->file, "/photon_data/timestamps_specs/timestamps_unit", &unit))
        return qtag_fail(r, QEV_EFORMAT, "no numeric /photon_data/timestamps_specs/timestamps_unit");
    if (!(unit > 0) || !isfinite(unit))
        return qtag_fail(r, QEV_EFORMAT, "timestamps_unit %g s is not a positive time", unit);
    char text[64];
    s->unit_ps = (long double)unit * 1e12L;
    long double whole = roundl(s->unit_ps);
    if (whole >= 1 && fabsl(whole - s->unit_ps) < 1e-9L * s->unit_ps && whole < 9.2e18L)
        s->unit_ps_int = (int64_t)whole;
    if (s->unit_ps_int)
        snprintf(text, sizeof text, "%" PRId64, s->unit_ps_int);
    else
        ps_text(unit, text, sizeof text);
    qev_meta_set(r->meta, "resolution_ps", text);
    qev_meta_set(r->meta, "time_rule",
                 s->unit_ps_int ? "t = timestamp * resolution_ps (timestamps_unit is a whole "
                                  "number of ps)"
                                : "t = round(timestamp * resolution_ps) to the nearest ps "
                                  "(timestamps_unit is not a whole number of ps)");
    return QEV_OK;
}

static void nanotimes_units(qtag_reader *r, struct ph5_state *s)
{
    double unit, bins;
    char text[64];
    if (read_named_number(s->file, "/photon_data/nanotimes_specs/tcspc_unit", &unit) &&
        unit > 0 && isfinite(unit)) {
        ps_text(unit, text, sizeof text);
        qev_meta_set(r->meta, "microtime_unit_ps", text);
    }
    if (read_named_number(s->file, "/photon_data/nanotimes_specs/tcspc_num_bins", &bins) &&
        bins >= 0 && bins < 1e15)
        qev_meta_setf(r->meta, "tcspc_num_bins", "%.0f", bins);
    qev_meta_set(r->meta, "fields", "micro");
    qev_meta_set(r->meta, "micro_rule", "micro = nanotime, in units of microtime_unit_ps");
}

/* ---- what qpipe's own writer keeps under /user/qpipe ---- */

/* key=value lines and @provenance lines, as qcat --header prints them. The
 * file's own source_format and source_file stay those of this read. */
static void restore_metadata(qtag_reader *r, char *text)
{
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '@') {
            qev_meta_add_provenance(r->meta, line + 1);
        } else if (eq) {
            *eq = '\0';
            if (strcmp(line, "source_format") != 0 && strcmp(line, "source_file") != 0)
                qev_meta_set(r->meta, line, eq + 1);
        }
        line = end ? end + 1 : NULL;
    }
}

static int open_qpipe_columns(qtag_reader *r, struct ph5_state *s)
{
    int present = 0;
    for (int which = COL_KIND; which <= COL_AUX; which++) {
        if (open_column(r, s, which) != QEV_OK)
            return r->err.status;
        present += s->col[which].dset >= 0;
    }
    if (present == 0)
        return QEV_OK;
    if (present != 3)
        return qtag_fail(r, QEV_EFORMAT, "/user/qpipe is incomplete: it needs kind, flags and aux");
    s->qpipe = 1;
    if (path_exists(s->file, "/user/qpipe/metadata")) {
        hid_t d = H5Dopen2(s->file, "/user/qpipe/metadata", H5P_DEFAULT);
        char *text = d >= 0 ? read_string((struct h5obj){d, 0}, PH5_MAX_QPIPE_META) : NULL;
        close_id(d, H5Dclose);
        if (!text)
            return qtag_fail(r, QEV_EFORMAT, "/user/qpipe/metadata is not a string of at most "
                                             "%u bytes", PH5_MAX_QPIPE_META);
        restore_metadata(r, text);
        free(text);
    }
    if (qev_meta_fields(r->meta, &s->fields) != QEV_OK)
        return qtag_fail(r, QEV_EFORMAT, "/user/qpipe/metadata declares unknown fields '%s'",
                         qev_meta_get(r->meta, "fields"));
    return QEV_OK;
}

/* ---- opening ---- */

static void close_reader(void *state)
{
    struct ph5_state *s = state;
    if (!s)
        return;
    for (int i = 0; i < NCOLS; i++)
        close_id(s->col[i].dset, H5Dclose);
    close_id(s->file, H5Fclose);
    H5Eclear2(H5E_DEFAULT);
    free(s->scratch);
    free(s);
}

/* On failure why holds HDF5's reason, taken before another call clears it. */
static hid_t open_file(const char *path, char *why, size_t cap)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    /* file systems without locks (some network mounts) are read all the same */
    H5Pset_file_locking(fapl, 1, 1);
#endif
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0)
        h5_reason(why, cap);
    close_id(fapl, H5Pclose);
    return file;
}

static int check_single_spot(qtag_reader *r, hid_t file)
{
    if (path_exists(file, "/photon_data"))
        return QEV_OK;
    if (path_exists(file, "/photon_data0") || path_exists(file, "/photon_data1"))
        return qtag_fail(r, QEV_EFORMAT, "multispot Photon-HDF5 (photon_data0, photon_data1, ...) "
                                         "is not read; convert one spot at a time");
    return qtag_fail(r, QEV_EFORMAT, "not a Photon-HDF5 file: it has no /photon_data group");
}

static int open_reader(qtag_reader *r)
{
    if (strcmp(r->name, "-") == 0)
        return qtag_fail(r, QEV_EINVAL, "Photon-HDF5 is read from a named file, not standard input");
    struct ph5_state *s = qtag_state_new(r, sizeof *s);
    if (!s)
        return r->err.status;
    s->file = -1;
    for (int i = 0; i < NCOLS; i++)
        s->col[i].dset = -1;
    s->scratch = malloc(PH5_ROWS * sizeof *s->scratch);
    if (!s->scratch)
        return qtag_fail(r, QEV_ENOMEM, "out of memory");
    char why[210];
    s->file = open_file(r->name, why, sizeof why);
    if (s->file < 0)
        return qtag_fail(r, QEV_EFORMAT, "not a readable HDF5 file%s", why);
    if (check_single_spot(r, s->file) != QEV_OK)
        return r->err.status;
    if (!path_exists(s->file, col_path[COL_TS]))
        return qtag_fail(r, QEV_EFORMAT, "no /photon_data/timestamps");
    for (int which = COL_TS; which <= COL_NANO; which++)
        if (open_column(r, s, which) != QEV_OK)
            return r->err.status;
    if (timestamps_unit(r, s) != QEV_OK)
        return r->err.status;
    qev_meta_set(r->meta, "channel_rule",
                 s->col[COL_DET].dset >= 0 ? "channel = detector id as stored"
                                           : "one detector, no detectors array: channel 0");
    if (s->col[COL_NANO].dset >= 0)
        nanotimes_units(r, s);
    note_descriptions(r, s->file);
    r->counts.expected_records = s->rows;
    return open_qpipe_columns(r, s);
}

/* ---- the entry points ---- */

/* libhdf5 prints its error stack on stderr unless told not to. That setting
 * is the calling thread's in a thread-safe libhdf5 and the whole process's in
 * a serial one, so it is off only while an entry point runs: H5E_BEGIN_TRY
 * saves it and turns it off, H5E_END_TRY puts the caller's back. */
static int ph5_open(qtag_reader *r)
{
    int rc;
    H5E_BEGIN_TRY { rc = open_reader(r); } H5E_END_TRY;
    return rc;
}

static long ph5_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    long n;
    H5E_BEGIN_TRY { n = decode_rows(r, out, cap); } H5E_END_TRY;
    return n;
}

static void ph5_close(void *state)
{
    H5E_BEGIN_TRY { close_reader(state); } H5E_END_TRY;
}

static int ph5_probe(const uint8_t *h, size_t n)
{
    return n >= 8 && memcmp(h, "\x89HDF\r\n\x1a\n", 8) == 0;
}

const struct qtag_format qtag_fmt_phdf5 = {
    "phdf5", "Photon-HDF5 (.h5 .hdf5) through libhdf5, single spot", ".h5 .hdf5",
    ph5_probe, ph5_open, ph5_decode, ph5_close, NULL,
};
