/* Photon-HDF5 0.5 output through libhdf5.
 *
 * Every event becomes a row: /photon_data/timestamps (int64, unit 1 ps) and
 * detectors (uint16, the channel), with nanotimes (uint32) when the stream
 * declares micro-times. Syncs and markers are rows too: /user/qpipe/kind,
 * flags and aux (and /user/qpipe/metadata, the stream's header text) keep
 * what Photon-HDF5 has no place for, so that qtag-read gives the stream back.
 *
 * The row arrays are chunked, shuffled and deflated (level 6), extendible,
 * and written PH5_ROWS rows at a time. Every node carries the TITLE that
 * phconvert's validator compares with the specification's descriptions. */
#include "phdf5.h"
#include "qev.h" /* QPIPE_VERSION */
#include "utc_time.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PH5_ROWS 65536u
#define PH5_DEFLATE 6

enum ph5_col { COL_TS, COL_DET, COL_NANO, COL_KIND, COL_FLAGS, COL_AUX, NCOLS };

struct phdf5_writer {
    int status;
    char msg[320];
    hid_t file, col[NCOLS];
    qev_meta *meta;
    uint8_t fields;      /* declared by the stream */
    uint8_t flags_seen;
    size_t n;            /* rows buffered */
    hsize_t rows;        /* rows written */
    int64_t *t;
    uint16_t *ch;
    uint32_t *nano, *aux;
    uint8_t *kind, *flags;
    int64_t tmin, tmax;
    uint32_t max_micro;
    int any_micro;
    uint8_t channel_seen[65536 / 8];
};

/* The descriptions of the specification (photon-hdf5_specs.json). */
#define T_ROOT "A file format for photon-counting detector based single-molecule spectroscopy " \
               "experiments."
#define T_PHOTON_DATA "Group containing arrays of photon-data."
#define T_TIMESTAMPS "Array of photon timestamps. Units specified in timestamps_units (defined " \
                     "in timestamps_specs/)."
#define T_DETECTORS "Array of pixel IDs for each timestamp."
#define T_NANOTIMES "TCSPC photon arrival time (nanotimes). Units and other specifications are " \
                    "in nanotimes_specs group."

/* ---- errors ---- */

struct innermost {
    char *buf;
    size_t cap;
};

static herr_t keep_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    const struct innermost *in = data;
    if (n == 0 && e->desc)
        snprintf(in->buf, in->cap, "%s", e->desc);
    return 0;
}

void phdf5_innermost_error(char *buf, size_t cap)
{
    buf[0] = '\0';
    struct innermost in = {buf, cap};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &in);
    H5Eclear2(H5E_DEFAULT);
}

/* The most specific HDF5 message; for a failed write, the system's reason
 * that HDF5 quotes in it ("No space left on device"). */
static void h5_reason(char *buf, size_t cap)
{
    char inner[240];
    phdf5_innermost_error(inner, sizeof inner);
    const char *quoted = strstr(inner, "error message = '");
    const char *text = inner;
    size_t len = strlen(inner);
    if (quoted) {
        text = quoted + strlen("error message = '");
        len = strcspn(text, "'");
    }
    snprintf(buf, cap, "%s%.*s", len ? ": " : "", (int)len, text);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

static void fail(phdf5_writer *w, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(phdf5_writer *w, int status, const char *fmt, ...)
{
    if (w->status != QEV_OK)
        return;
    char what[160], why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    h5_reason(why, sizeof why);
    w->status = status;
    snprintf(w->msg, sizeof w->msg, "%s%s", what, why);
}

static void close_id(hid_t id, herr_t (*closer)(hid_t))
{
    if (id >= 0)
        closer(id);
}

/* After a failed write the file is given up: closing it would only fail
 * again. libhdf5 closes what is left of it when the library shuts down. */
static void abandon_file(phdf5_writer *w)
{
    for (int c = 0; c < NCOLS; c++) {
        close_id(w->col[c], H5Dclose);
        w->col[c] = -1;
    }
    w->file = -1;
    H5Eclear2(H5E_DEFAULT);
}

/* Checks an HDF5 result; the first failure sticks. */
static hid_t check(phdf5_writer *w, hid_t id, const char *what)
{
    if (id < 0)
        fail(w, QEV_EIO, "cannot write Photon-HDF5 (%s)", what);
    return id;
}

/* ---- nodes ---- */

/* Photon-HDF5 strings are fixed-length byte strings. */
static hid_t string_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    return t;
}

static void set_string_attribute(phdf5_writer *w, hid_t obj, const char *name, const char *value)
{
    hid_t type = string_type(strlen(value)), space = H5Screate(H5S_SCALAR);
    hid_t a = check(w, H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name);
    if (a >= 0)
        check(w, H5Awrite(a, type, value), name);
    close_id(a, H5Aclose);
    close_id(space, H5Sclose);
    close_id(type, H5Tclose);
}

static hid_t group(phdf5_writer *w, hid_t parent, const char *name, const char *title)
{
    hid_t g = check(w, H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
    if (g >= 0)
        set_string_attribute(w, g, "TITLE", title);
    return g;
}

/* A small dataset: a scalar when n is 0, else an array of n values. */
static void put(phdf5_writer *w, hid_t parent, const char *name, hid_t type, size_t n,
                const void *data, const char *title)
{
    hsize_t dim = n;
    hid_t space = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t d = check(w, H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
    if (d >= 0) {
        check(w, H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
        set_string_attribute(w, d, "TITLE", title);
    }
    close_id(d, H5Dclose);
    close_id(dcpl, H5Pclose);
    close_id(space, H5Sclose);
}

static void put_string(phdf5_writer *w, hid_t parent, const char *name, const char *value,
                       const char *title)
{
    hid_t type = string_type(strlen(value));
    put(w, parent, name, type, 0, value, title);
    close_id(type, H5Tclose);
}

static void put_int(phdf5_writer *w, hid_t parent, const char *name, int64_t v, const char *title)
{
    put(w, parent, name, H5T_NATIVE_INT64, 0, &v, title);
}

static void put_real(phdf5_writer *w, hid_t parent, const char *name, double v, const char *title)
{
    put(w, parent, name, H5T_NATIVE_DOUBLE, 0, &v, title);
}

/* An extendible row array: chunks of PH5_ROWS rows, shuffled and deflated. */
static hid_t row_array(phdf5_writer *w, hid_t parent, const char *name, hid_t type,
                       const char *title)
{
    hsize_t dim = 0, max = H5S_UNLIMITED, chunk = PH5_ROWS;
    hid_t space = H5Screate_simple(1, &dim, &max), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, PH5_DEFLATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t d = check(w, H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
    if (d >= 0)
        set_string_attribute(w, d, "TITLE", title);
    close_id(dcpl, H5Pclose);
    close_id(space, H5Sclose);
    return d;
}

/* ---- rows ---- */

static const void *column_data(const phdf5_writer *w, enum ph5_col c, hid_t *type)
{
    switch (c) {
    case COL_TS: *type = H5T_NATIVE_INT64; return w->t;
    case COL_DET: *type = H5T_NATIVE_UINT16; return w->ch;
    case COL_NANO: *type = H5T_NATIVE_UINT32; return w->nano;
    case COL_KIND: *type = H5T_NATIVE_UINT8; return w->kind;
    case COL_FLAGS: *type = H5T_NATIVE_UINT8; return w->flags;
    default: *type = H5T_NATIVE_UINT32; return w->aux;
    }
}

static void append_column(phdf5_writer *w, enum ph5_col c)
{
    hsize_t start = w->rows, count = w->n, size = w->rows + w->n;
    hid_t type, d = w->col[c];
    const void *data = column_data(w, c, &type);
    if (check(w, H5Dset_extent(d, &size), "extending a row array") < 0)
        return;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
    if (check(w, H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL),
              "selecting rows") >= 0)
        check(w, H5Dwrite(d, type, ms, fs, H5P_DEFAULT, data), "writing rows");
    close_id(ms, H5Sclose);
    close_id(fs, H5Sclose);
}

static void flush_rows(phdf5_writer *w)
{
    for (int c = 0; c < NCOLS && w->n && w->status == QEV_OK; c++)
        if (w->col[c] >= 0)
            append_column(w, c);
    w->rows += w->n;
    w->n = 0;
}

static void buffer_event(phdf5_writer *w, const qev_event *e)
{
    size_t i = w->n++;
    w->t[i] = e->t;
    w->ch[i] = e->channel;
    w->kind[i] = e->kind;
    w->flags[i] = e->flags;
    w->aux[i] = e->aux;
    w->nano[i] = e->flags & QEV_F_MICRO ? e->aux : 0;
    if (e->t < w->tmin)
        w->tmin = e->t;
    if (e->t > w->tmax)
        w->tmax = e->t;
    if ((e->flags & QEV_F_MICRO) && (!w->any_micro || e->aux > w->max_micro)) {
        w->max_micro = e->aux;
        w->any_micro = 1;
    }
    w->flags_seen |= e->flags;
    w->channel_seen[e->channel >> 3] |= (uint8_t)(1u << (e->channel & 7));
}

static int write_rows(phdf5_writer *w, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n && w->status == QEV_OK; i++) {
        buffer_event(w, &ev[i]);
        if (w->n == PH5_ROWS)
            flush_rows(w);
    }
    if (w->status != QEV_OK)
        abandon_file(w);
    return w->status;
}

/* ---- opening ---- */

static int allocate_rows(phdf5_writer *w)
{
    w->t = malloc(PH5_ROWS * sizeof *w->t);
    w->ch = malloc(PH5_ROWS * sizeof *w->ch);
    w->nano = malloc(PH5_ROWS * sizeof *w->nano);
    w->aux = malloc(PH5_ROWS * sizeof *w->aux);
    w->kind = malloc(PH5_ROWS);
    w->flags = malloc(PH5_ROWS);
    return w->t && w->ch && w->nano && w->aux && w->kind && w->flags;
}

static void create_row_arrays(phdf5_writer *w)
{
    hid_t pd = group(w, w->file, "photon_data", T_PHOTON_DATA);
    hid_t user = group(w, w->file, "user", "User-defined data: qpipe keeps its events here.");
    hid_t qp = group(w, user, "qpipe", "The rest of each qpipe event, row by row, and the "
                                       "stream's metadata.");
    w->col[COL_TS] = row_array(w, pd, "timestamps", H5T_STD_I64LE, T_TIMESTAMPS);
    w->col[COL_DET] = row_array(w, pd, "detectors", H5T_STD_U16LE, T_DETECTORS);
    if (w->fields & QEV_F_MICRO)
        w->col[COL_NANO] = row_array(w, pd, "nanotimes", H5T_STD_U32LE, T_NANOTIMES);
    w->col[COL_KIND] = row_array(w, qp, "kind", H5T_STD_U8LE,
                                 "Event kind: 0 photon, 1 sync, 2 marker.");
    w->col[COL_FLAGS] = row_array(w, qp, "flags", H5T_STD_U8LE,
                                  "Event flags: 1 pixel, 2 micro-time, 4 value, 8 group start.");
    w->col[COL_AUX] = row_array(w, qp, "aux", H5T_STD_U32LE,
                                "Event aux field: pixel, micro-time or value, as flags say.");
    close_id(qp, H5Gclose);
    close_id(user, H5Gclose);
    close_id(pd, H5Gclose);
}

static phdf5_writer *open_writer(const char *path, const qev_meta *meta)
{
    phdf5_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->file = -1;
    for (int c = 0; c < NCOLS; c++)
        w->col[c] = -1;
    w->tmin = INT64_MAX;
    w->tmax = INT64_MIN;
    w->meta = qev_meta_dup(meta);
    if (!w->meta || !allocate_rows(w)) {
        w->status = QEV_ENOMEM;
        snprintf(w->msg, sizeof w->msg, "out of memory");
        return w;
    }
    qev_meta_fields(meta, &w->fields);
    if (!H5Zfilter_avail(H5Z_FILTER_DEFLATE)) {
        fail(w, QEV_EINVAL, "this libhdf5 has no deflate filter");
        return w;
    }
    w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w->file < 0) {
        fail(w, QEV_EIO, "cannot create %s", path);
        return w;
    }
    create_row_arrays(w);
    return w;
}

int phdf5_writer_status(const phdf5_writer *w) { return w->status; }

const char *phdf5_writer_error(const phdf5_writer *w) { return w->msg; }

/* ---- closing: everything that is known only at the end ---- */

static size_t distinct_channels(const phdf5_writer *w, uint16_t *ids)
{
    size_t n = 0;
    for (uint32_t c = 0; c < 65536; c++)
        if (w->channel_seen[c >> 3] & (1u << (c & 7)))
            ids[n++] = (uint16_t)c;
    return n;
}

/* The rate of the pulsed laser, from the sync period of a T3 stream; 0 when
 * the stream has no micro-times or does not say. */
static double laser_rate_hz(const phdf5_writer *w)
{
    const char *sync = qev_meta_get(w->meta, "sync_period_ps");
    double ps = sync ? strtod(sync, NULL) : 0;
    return (w->fields & QEV_F_MICRO) && ps > 0 ? 1e12 / ps : 0;
}

static void write_nanotimes_specs(phdf5_writer *w, hid_t pd)
{
    const char *unit = qev_meta_get(w->meta, "microtime_unit_ps");
    const char *bins = qev_meta_get(w->meta, "tcspc_num_bins");
    /* without a declared unit the nanotimes have none that can be stated */
    double seconds = unit ? (double)(strtold(unit, NULL) / 1e12L) : __builtin_nan("");
    int64_t nbins = bins ? strtoll(bins, NULL, 10) : w->any_micro ? (int64_t)w->max_micro + 1 : 0;
    hid_t specs = group(w, pd, "nanotimes_specs", "Group for nanotime-specific data.");
    put_real(w, specs, "tcspc_unit", seconds,
             "Value of 1-unit nanotime-increment in seconds (TCSPC bin size).");
    put_int(w, specs, "tcspc_num_bins", nbins, "Number of TCSPC bins.");
    close_id(specs, H5Gclose);
}

/* A generic measurement on one spectral channel holding every detector. With
 * micro-times and no known laser rate it is left out: the validator would
 * demand the rate of the pulsed laser. */
static void write_measurement_specs(phdf5_writer *w, hid_t pd, const uint16_t *ids, size_t n)
{
    double rate = laser_rate_hz(w);
    if ((w->fields & QEV_F_MICRO) && rate == 0)
        return;
    hid_t ms = group(w, pd, "measurement_specs",
                     "Metadata necessary for interpretation of the particular type of "
                     "measurement.");
    put_string(w, ms, "measurement_type", "generic", "Name of the measurement the data represents.");
    if (rate > 0)
        put_real(w, ms, "laser_repetition_rate", rate,
                 "Repetition rate of the pulsed excitation laser (in Hertz).");
    hid_t ds = group(w, ms, "detectors_specs", "Mapping between the pixel IDs and the detection "
                                               "channels.");
    static const uint16_t none = 0;
    put(w, ds, "spectral_ch1", H5T_STD_U16LE, n ? n : 1, n ? ids : &none,
        "Pixel IDs for the first spectral channel (i.e. donor in a 2-color smFRET "
        "measurement).");
    close_id(ds, H5Gclose);
    close_id(ms, H5Gclose);
}

static void write_photon_data_specs(phdf5_writer *w, const uint16_t *ids, size_t n)
{
    hid_t pd = H5Gopen2(w->file, "photon_data", H5P_DEFAULT);
    hid_t ts = group(w, pd, "timestamps_specs", "Specifications for timestamps.");
    put_real(w, ts, "timestamps_unit", 1e-12, "Value of 1-unit timestamp-increment in seconds.");
    close_id(ts, H5Gclose);
    if (w->fields & QEV_F_MICRO)
        write_nanotimes_specs(w, pd);
    write_measurement_specs(w, pd, ids, n);
    close_id(pd, H5Gclose);
}

static void write_setup(phdf5_writer *w, size_t channels)
{
    int micro = (w->fields & QEV_F_MICRO) != 0;
    double rate = laser_rate_hz(w);
    uint8_t no = 0, cw = !micro;
    hid_t s = group(w, w->file, "setup", "Information about the experimental setup.");
    put_int(w, s, "num_pixels", channels ? (int64_t)channels : 1,
            "Total number of detector pixels.");
    put_int(w, s, "num_spots", 1, "Number of excitation (or detection) \"spots\" in the sample.");
    put_int(w, s, "num_spectral_ch", 1, "Number of distinct spectral bands which are acquired.");
    put_int(w, s, "num_polarization_ch", 1,
            "Number of distinct polarization states which are acquired.");
    put_int(w, s, "num_split_ch", 1,
            "Number of distinct detection channels detecting the same spectral band and "
            "polarization. This value is > 1 when using a non-polarizing beam splitter.");
    put_int(w, s, "modulated_excitation", 0,
            "True (i.e. 1) if there is any form of excitation modulation of excitation "
            "wavelength (as in us-ALEX or PAX) or polarization. This field is also True for "
            "pulse-interleaved excitation (PIE) or ns-ALEX measurements.");
    put(w, s, "excitation_alternated", H5T_STD_U8LE, 1, &no,
        "New in version 0.5. Indicates whether each excitation source is alternated (True, or "
        "1) or not alternated (False, or 0).");
    put_int(w, s, "lifetime", micro,
            "True (i.e. 1) if the measurement includes a nanotimes array of photon arrival "
            "times with respect to a laser pulse (as in TCSPC measurements).");
    put(w, s, "excitation_cw", H5T_STD_U8LE, 1, &cw,
        "For each excitation source, this field indicates whether excitation is continuous "
        "wave (CW), True (i.e. 1), or pulsed, False (i.e. 0).");
    if (rate > 0)
        put(w, s, "laser_repetition_rates", H5T_IEEE_F64LE, 1, &rate,
            "Repetition rates in Hz for each laser. CW lasers have a value of 0.");
    close_id(s, H5Gclose);
}

static void write_identity(phdf5_writer *w)
{
    char when[32];
    qev_utc_time("%Y-%m-%d %H:%M:%S", when, sizeof when);
    hid_t id = group(w, w->file, "identity", "Information about the Photon-HDF5 data file.");
    put_string(w, id, "format_name", "Photon-HDF5", "Name of the file format.");
    put_string(w, id, "format_version", "0.5", "Version for the Photon-HDF5 format.");
    put_string(w, id, "format_url", "http://photon-hdf5.org/",
               "Official URL for the Photon-HDF5 format.");
    put_string(w, id, "software", "qpipe",
               "Name of the software used to create the current Photon-HDF5 file.");
    put_string(w, id, "software_version", QPIPE_VERSION,
               "Version of the software used to create current the Photon-HDF5 file.");
    put_string(w, id, "creation_time", when, "Creation time of the current Photon-HDF5 file.");
    close_id(id, H5Gclose);
}

/* The first tool that made the stream, from its oldest provenance line. */
static void first_tool(const qev_meta *m, char *buf, size_t cap)
{
    const char *line = qev_meta_provenance_count(m) ? qev_meta_provenance(m, 0) : "";
    snprintf(buf, cap, "%.*s", (int)strcspn(line, "\t "), line);
}

static void write_provenance(phdf5_writer *w)
{
    const char *source = qev_meta_get(w->meta, "source_file");
    char tool[64];
    hid_t p = group(w, w->file, "provenance", "Information about the original data file.");
    if (source) {
        const char *base = strrchr(source, '/');
        put_string(w, p, "filename", base ? base + 1 : source,
                   "File name of the original data file before conversion to Photon-HDF5.");
        put_string(w, p, "filename_full", source,
                   "File name (with full path) of the original data file before conversion to "
                   "Photon-HDF5.");
    } else {
        first_tool(w->meta, tool, sizeof tool);
        if (tool[0])
            put_string(w, p, "software", tool, "Software used to save the original data file.");
    }
    close_id(p, H5Gclose);
}

static void write_description(phdf5_writer *w)
{
    const char *given = qev_meta_get(w->meta, "description");
    const char *source = qev_meta_get(w->meta, "source_file");
    char text[600];
    if (given)
        snprintf(text, sizeof text, "%s", given);
    else
        snprintf(text, sizeof text, "%" PRIu64 " events written by qpipe%s%.400s",
                 (uint64_t)w->rows, source ? " from " : "", source ? source : "");
    put_string(w, w->file, "description", text, "A user-defined comment describing the data file.");
    double duration = w->rows ? (double)(w->tmax - w->tmin) * 1e-12 : 0;
    put_real(w, w->file, "acquisition_duration", duration, "Measurement duration in seconds.");
    set_string_attribute(w, w->file, "format_name", "Photon-HDF5");
    set_string_attribute(w, w->file, "format_version", "0.5");
    set_string_attribute(w, w->file, "format_url", "http://photon-hdf5.org/");
    set_string_attribute(w, w->file, "TITLE", T_ROOT);
}

/* The stream's header as qcat --header prints it: key=value, then @provenance.
 * Fields seen in events but not declared (a later segment's) are added. */
static char *metadata_text(phdf5_writer *w)
{
    uint8_t fields = w->fields | (w->flags_seen & QEV_F_ALL);
    char names[64];
    if (fields != w->fields && qev_fields_string(fields, names, sizeof names) == QEV_OK)
        qev_meta_set(w->meta, "fields", names);
    size_t len = 1;
    for (size_t i = 0; i < qev_meta_count(w->meta); i++)
        len += strlen(qev_meta_key(w->meta, i)) + strlen(qev_meta_value(w->meta, i)) + 2;
    for (size_t i = 0; i < qev_meta_provenance_count(w->meta); i++)
        len += strlen(qev_meta_provenance(w->meta, i)) + 2;
    char *text = malloc(len), *p = text;
    if (!text)
        return NULL;
    for (size_t i = 0; i < qev_meta_count(w->meta); i++)
        p += sprintf(p, "%s=%s\n", qev_meta_key(w->meta, i), qev_meta_value(w->meta, i));
    for (size_t i = 0; i < qev_meta_provenance_count(w->meta); i++)
        p += sprintf(p, "@%s\n", qev_meta_provenance(w->meta, i));
    *p = '\0';
    return text;
}

static void write_user_metadata(phdf5_writer *w)
{
    char *text = metadata_text(w);
    if (!text) {
        fail(w, QEV_ENOMEM, "out of memory");
        return;
    }
    hid_t qp = H5Gopen2(w->file, "/user/qpipe", H5P_DEFAULT);
    put_string(w, qp, "metadata", text, "The stream's metadata: key=value lines, then "
                                        "@provenance lines.");
    close_id(qp, H5Gclose);
    free(text);
}

static void write_descriptions(phdf5_writer *w)
{
    uint16_t *ids = malloc(65536 * sizeof *ids);
    if (!ids) {
        fail(w, QEV_ENOMEM, "out of memory");
        return;
    }
    size_t channels = distinct_channels(w, ids);
    write_photon_data_specs(w, ids, channels);
    write_setup(w, channels);
    write_identity(w);
    write_provenance(w);
    write_description(w);
    write_user_metadata(w);
    free(ids);
}

static void free_writer(phdf5_writer *w)
{
    qev_meta_free(w->meta);
    free(w->t);
    free(w->ch);
    free(w->nano);
    free(w->aux);
    free(w->kind);
    free(w->flags);
    free(w);
}

static int close_writer(phdf5_writer *w, char *msg, size_t cap)
{
    if (w->status == QEV_OK)
        flush_rows(w);
    if (w->status == QEV_OK && w->file >= 0)
        write_descriptions(w);
    for (int c = 0; c < NCOLS; c++)
        close_id(w->col[c], H5Dclose);
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        fail(w, QEV_EIO, "cannot complete the Photon-HDF5 file");
    H5Eclear2(H5E_DEFAULT);
    int rc = w->status;
    snprintf(msg, cap, "%s", w->msg);
    free_writer(w);
    return rc;
}

/* ---- the entry points ---- */

/* libhdf5's printing of errors stays off only while an entry point runs, as
 * in the reader (fmt_phdf5.c says why). */
phdf5_writer *phdf5_writer_open(const char *path, const qev_meta *meta)
{
    phdf5_writer *w;
    H5E_BEGIN_TRY { w = open_writer(path, meta); } H5E_END_TRY;
    return w;
}

int phdf5_write(phdf5_writer *w, const qev_event *ev, size_t n)
{
    int rc;
    H5E_BEGIN_TRY { rc = write_rows(w, ev, n); } H5E_END_TRY;
    return rc;
}

int phdf5_writer_close(phdf5_writer *w, char *msg, size_t cap)
{
    int rc;
    H5E_BEGIN_TRY { rc = close_writer(w, msg, cap); } H5E_END_TRY;
    return rc;
}
