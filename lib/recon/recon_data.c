/* Bucket values, pattern descriptions and partial results of qrecon. */
#include "internal.h"
#include "recon_data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Measurements and pixels held in memory are capped, whatever a header or a
 * partial claims. */
#define MAX_MEASUREMENTS ((size_t)1 << 26)

/* ---- buckets from a stream ---- */

int qev_buckets_init(qev_buckets *b, size_t measurements, int64_t own_from, int64_t own_to,
                     uint16_t marker_channel, uint16_t bucket_channel)
{
    *b = (qev_buckets){.measurements = measurements, .own_from = own_from, .own_to = own_to,
                       .marker_channel = marker_channel, .bucket_channel = bucket_channel,
                       .current = -1, .last_t = INT64_MIN};
    if (measurements < 1 || measurements > MAX_MEASUREMENTS)
        return QEV_EINVAL;
    b->counts = calloc(measurements, sizeof *b->counts);
    b->shown = calloc(measurements, sizeof *b->shown);
    return b->counts && b->shown ? QEV_OK : QEV_ENOMEM;
}

void qev_buckets_free(qev_buckets *b)
{
    free(b->counts);
    free(b->shown);
    b->counts = b->shown = NULL;
}

static int open_measurement(qev_buckets *b, const qev_event *e, uint64_t index, char *why,
                            size_t cap)
{
    uint64_t m;
    if (e->flags & QEV_F_VALUE) {
        m = e->aux;
    } else {
        m = b->unindexed++ % b->measurements;
        if (b->own_from != INT64_MIN)
            return qev_why(why, cap, QEV_EINVAL,
                        "event %llu: a marker without a pattern index in a time shard",
                        (unsigned long long)index);
    }
    if (m >= b->measurements)
        return qev_why(why, cap, QEV_EINVAL,
                    "event %llu: marker for measurement %llu, but there are %zu measurements",
                    (unsigned long long)index, (unsigned long long)m, b->measurements);
    b->current = (int64_t)m;
    if (e->t >= b->own_from && e->t < b->own_to) {
        b->shown[m]++;
        b->markers++;
    }
    return QEV_OK;
}

int qev_buckets_add(qev_buckets *b, const qev_event *ev, size_t n, char *why, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        const qev_event *e = &ev[i];
        if (e->t < b->last_t)
            return qev_why(why, cap, QEV_EINVAL,
                        "event %llu goes back in time; " QEV_ORDER_HINT,
                        (unsigned long long)(b->events + i));
        b->last_t = e->t;
        if (e->kind == QEV_MARKER && e->channel == b->marker_channel) {
            int rc = open_measurement(b, e, b->events + i, why, cap);
            if (rc != QEV_OK)
                return rc;
            continue;
        }
        if (e->kind != QEV_PHOTON || e->channel != b->bucket_channel || e->t < b->own_from ||
            e->t >= b->own_to)
            continue;
        if (b->current < 0 && b->own_from != INT64_MIN)
            return qev_why(why, cap, QEV_EINVAL,
                           "a photon at %lld ps is this shard's but comes before its first "
                           "marker: cut the shard with an --overlap of at least one exposure",
                           (long long)e->t);
        if (b->current < 0) {
            b->orphans++;
            continue;
        }
        b->counts[b->current]++;
        b->photons++;
    }
    b->events += n;
    return QEV_OK;
}

int qev_buckets_values(size_t measurements, const int64_t *counts, const int64_t *shown,
                       double *b, char *why, size_t cap)
{
    for (size_t m = 0; m < measurements; m++) {
        if (shown[m] <= 0)
            return qev_why(why, cap, QEV_EINVAL,
                        "measurement %zu of %zu was never shown (no marker for it)", m,
                        measurements);
        b[m] = (double)counts[m] / (double)shown[m];
    }
    return QEV_OK;
}

/* ---- buckets from text ---- */

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Parses "index value"; 0 when the line is not such a row. */
static int parse_row(char *line, unsigned long long *index, double *value)
{
    char *p = skip_blanks(line), *end;
    if (!isdigit((unsigned char)*p))
        return 0;
    errno = 0;
    *index = strtoull(p, &end, 10);
    if (errno || end == p || (*end != ' ' && *end != '\t'))
        return 0;
    p = skip_blanks(end);
    *value = strtod(p, &end);
    if (end == p)
        return 0;
    end = skip_blanks(end);
    return *end == '\0' || *end == '\n' || (*end == '\r' && end[1] == '\n');
}

static int blank_or_comment(const char *line)
{
    line += strspn(line, " \t\r\n");
    return *line == '\0' || *line == '#';
}

static int tsv_row(char *line, size_t lineno, size_t measurements, double *b, uint8_t *seen,
                   char *why, size_t cap)
{
    unsigned long long index;
    double value;
    if (!parse_row(line, &index, &value))
        return qev_why(why, cap, QEV_EFORMAT, "line %zu: not an \"index value\" row", lineno);
    if (index >= measurements)
        return qev_why(why, cap, QEV_EFORMAT, "line %zu: index %llu, but there are %zu measurements",
                    lineno, index, measurements);
    if (!isfinite(value))
        return qev_why(why, cap, QEV_EFORMAT, "line %zu: the value is not a finite number", lineno);
    if (seen[index])
        return qev_why(why, cap, QEV_EFORMAT, "line %zu: index %llu appears twice", lineno, index);
    seen[index] = 1;
    b[index] = value;
    return QEV_OK;
}

static int tsv_lines(FILE *f, size_t measurements, double *b, uint8_t *seen, char *why,
                     size_t cap)
{
    char *line = NULL;
    size_t len = 0, lineno = 0, rows = 0;
    int rc = QEV_OK;
    while (rc == QEV_OK && getline(&line, &len, f) >= 0) {
        lineno++;
        if (blank_or_comment(line))
            continue;
        unsigned long long i;
        double v;
        if (rows == 0 && !parse_row(line, &i, &v) && !isdigit((unsigned char)*skip_blanks(line)))
            continue; /* a header line */
        rc = tsv_row(line, lineno, measurements, b, seen, why, cap);
        rows++;
    }
    free(line);
    if (rc == QEV_OK && ferror(f))
        rc = qev_why(why, cap, QEV_EIO, "read error: %s", strerror(errno));
    return rc;
}

int qev_buckets_read_tsv(FILE *f, size_t measurements, double *b, char *why, size_t cap)
{
    if (measurements < 1 || measurements > MAX_MEASUREMENTS)
        return qev_why(why, cap, QEV_EINVAL, "%zu measurements is out of range", measurements);
    uint8_t *seen = calloc(measurements, 1);
    if (!seen)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    int rc = tsv_lines(f, measurements, b, seen, why, cap);
    for (size_t m = 0; rc == QEV_OK && m < measurements; m++)
        if (!seen[m])
            rc = qev_why(why, cap, QEV_EFORMAT, "no row for measurement %zu of %zu", m, measurements);
    free(seen);
    return rc;
}

/* ---- patterns ---- */

uint64_t qev_pattern_measurements(const qev_pattern_spec *s)
{
    return s->kind == QEV_PATTERNS_HADAMARD && s->split ? 2 * s->count : s->count;
}

int qev_pattern_op(const qev_pattern_spec *s, qev_recon_op **op, char *why, size_t cap)
{
    int rc;
    uint64_t npix = (uint64_t)s->width * s->height;
    if (s->kind == QEV_PATTERNS_HADAMARD) {
        if (s->width != s->height || !qev_hadamard_size_valid(s->width))
            return qev_why(why, cap, QEV_EINVAL,
                        "Hadamard patterns need a square power of two, not %ux%u", s->width,
                        s->height);
        if (s->count < 1 || s->count > npix)
            return qev_why(why, cap, QEV_EINVAL, "%llu Hadamard patterns of %llu",
                        (unsigned long long)s->count, (unsigned long long)npix);
        rc = qev_op_hadamard(s->width, s->order, s->seed, s->count, s->split, op);
    } else if (s->kind == QEV_PATTERNS_RANDOM) {
        rc = qev_op_random(s->width, s->height, s->count, s->seed, s->fill, op);
        if (rc == QEV_EINVAL)
            return qev_why(why, cap, rc, "%llu random %ux%u patterns are too many to hold",
                        (unsigned long long)s->count, s->width, s->height);
    } else {
        return qev_why(why, cap, QEV_EINVAL, "patterns from a file need the file");
    }
    return rc == QEV_OK ? QEV_OK : qev_why(why, cap, rc, "out of memory");
}

/* ---- partial results ---- */

static int set_counts(qev_partial *p, const char *name, const uint64_t *v, size_t n)
{
    int64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return QEV_ENOMEM;
    for (size_t i = 0; i < n; i++)
        tmp[i] = (int64_t)v[i];
    int rc = qev_partial_set(p, name, QEV_MERGE_SUM, tmp, n);
    free(tmp);
    return rc;
}

static int put_tally(qev_partial *p, const char *prefix, const qev_tally *t, int singles)
{
    char name[64];
    size_t npix = (size_t)t->width * t->height;
    int rc = QEV_OK;
    snprintf(name, sizeof name, "%s.pixels", prefix);
    rc |= set_counts(p, name, t->count, npix);
    snprintf(name, sizeof name, "%s.groups", prefix);
    rc |= qev_partial_set1(p, name, QEV_MERGE_SUM, (int64_t)t->groups);
    snprintf(name, sizeof name, "%s.photons", prefix);
    rc |= qev_partial_set1(p, name, QEV_MERGE_SUM, (int64_t)t->photons);
    if (singles) {
        snprintf(name, sizeof name, "%s.heralds", prefix);
        rc |= qev_partial_set1(p, name, QEV_MERGE_SUM, (int64_t)t->heralds);
        snprintf(name, sizeof name, "%s.first_ps", prefix);
        rc |= qev_partial_set1(p, name, QEV_MERGE_MIN, t->first);
        snprintf(name, sizeof name, "%s.last_ps", prefix);
        rc |= qev_partial_set1(p, name, QEV_MERGE_MAX, t->last);
    }
    return rc;
}

qev_partial *qev_herald_partial(const qev_herald_sums *s)
{
    qev_partial *p = qev_partial_new(QEV_PARTIAL_HERALDED);
    if (!p)
        return NULL;
    int rc = qev_partial_set1(p, "width", QEV_MERGE_SAME, s->width);
    rc |= qev_partial_set1(p, "height", QEV_MERGE_SAME, s->height);
    rc |= qev_partial_set1(p, "accidentals", QEV_MERGE_SAME, s->acc);
    rc |= qev_partial_set1(p, "camera_channel", QEV_MERGE_SAME, s->camera_channel);
    rc |= put_tally(p, "coinc", &s->coinc, 0);
    if (s->acc == QEV_ACC_DELAYED)
        rc |= put_tally(p, "delayed", &s->delayed, 0);
    if (s->acc == QEV_ACC_SINGLES) {
        rc |= put_tally(p, "singles", &s->singles, 1);
        rc |= qev_partial_set1(p, "window_ps", QEV_MERGE_SAME, s->window_ps);
        rc |= qev_partial_set1(p, "quantum_ps", QEV_MERGE_SAME, s->quantum_ps);
    }
    if (rc != QEV_OK) {
        qev_partial_free(p);
        return NULL;
    }
    return p;
}

static int get1(const qev_partial *p, const char *name, int64_t *v, char *why, size_t cap)
{
    size_t n;
    const int64_t *x = qev_partial_get(p, name, &n);
    if (!x || n != 1)
        return qev_why(why, cap, QEV_EFORMAT, "the partial result lacks '%s'", name);
    *v = x[0];
    return QEV_OK;
}

static int get_tally(const qev_partial *p, const char *prefix, qev_tally *t, int singles,
                     char *why, size_t cap)
{
    char name[64];
    size_t n, npix = (size_t)t->width * t->height;
    snprintf(name, sizeof name, "%s.pixels", prefix);
    const int64_t *v = qev_partial_get(p, name, &n);
    if (!v || n != npix)
        return qev_why(why, cap, QEV_EFORMAT, "the partial result lacks '%s' of %zu pixels", name,
                    npix);
    for (size_t i = 0; i < npix; i++) {
        if (v[i] < 0)
            return qev_why(why, cap, QEV_EFORMAT, "'%s' holds a negative count", name);
        t->count[i] = (uint64_t)v[i];
    }
    int64_t x = 0;
    const char *fields[] = {"groups", "photons", "heralds", "first_ps", "last_ps"};
    for (size_t f = 0; f < (singles ? 5u : 2u); f++) {
        snprintf(name, sizeof name, "%s.%s", prefix, fields[f]);
        if (get1(p, name, &x, why, cap) != QEV_OK)
            return QEV_EFORMAT;
        if (f < 3 && x < 0)
            return qev_why(why, cap, QEV_EFORMAT, "'%s' is negative", name);
        uint64_t *counters[] = {&t->groups, &t->photons, &t->heralds};
        if (f < 3)
            *counters[f] = (uint64_t)x;
        else if (f == 3)
            t->first = x;
        else
            t->last = x;
    }
    return QEV_OK;
}

static int herald_shape(const qev_partial *p, qev_herald_sums *s, char *why, size_t cap)
{
    int64_t w = 0, h = 0, acc = 0;
    if (get1(p, "width", &w, why, cap) || get1(p, "height", &h, why, cap) ||
        get1(p, "accidentals", &acc, why, cap))
        return QEV_EFORMAT;
    if (w < 1 || h < 1 || w > 65536 || h > 65536 || (uint64_t)w * (uint64_t)h > (1u << 24) ||
        acc < QEV_ACC_NONE || acc > QEV_ACC_SINGLES)
        return qev_why(why, cap, QEV_EFORMAT, "bad image size or accidentals in the partial result");
    s->width = (uint32_t)w;
    s->height = (uint32_t)h;
    s->acc = (enum qev_accidentals)acc;
    int64_t cam = qev_partial_get1(p, "camera_channel", -1);
    s->camera_channel = cam >= 0 && cam <= 65535 ? (long)cam : -1;
    return QEV_OK;
}

int qev_herald_from_partial(const qev_partial *p, qev_herald_sums *s, char *why, size_t cap)
{
    memset(s, 0, sizeof *s);
    int rc = herald_shape(p, s, why, cap);
    if (rc != QEV_OK)
        return rc;
    qev_tally *t[] = {&s->coinc, &s->delayed, &s->singles};
    for (size_t i = 0; i < 3; i++)
        if (qev_tally_init(t[i], s->width, s->height, INT64_MIN, INT64_MAX) != QEV_OK)
            return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    rc = get_tally(p, "coinc", &s->coinc, 0, why, cap);
    if (rc == QEV_OK && s->acc == QEV_ACC_DELAYED)
        rc = get_tally(p, "delayed", &s->delayed, 0, why, cap);
    if (rc == QEV_OK && s->acc == QEV_ACC_SINGLES) {
        rc = get_tally(p, "singles", &s->singles, 1, why, cap);
        if (rc == QEV_OK)
            rc = get1(p, "window_ps", &s->window_ps, why, cap);
        if (rc == QEV_OK)
            rc = get1(p, "quantum_ps", &s->quantum_ps, why, cap);
    }
    return rc;
}

void qev_herald_sums_free(qev_herald_sums *s)
{
    qev_tally_free(&s->coinc);
    qev_tally_free(&s->delayed);
    qev_tally_free(&s->singles);
}

static int64_t double_bits(double d)
{
    int64_t v;
    memcpy(&v, &d, sizeof v);
    return v;
}

qev_partial *qev_buckets_partial(const qev_buckets *b, const qev_pattern_spec *spec)
{
    qev_partial *p = qev_partial_new(QEV_PARTIAL_COMPUTATIONAL);
    if (!p)
        return NULL;
    int rc = qev_partial_set1(p, "width", QEV_MERGE_SAME, spec->width);
    rc |= qev_partial_set1(p, "height", QEV_MERGE_SAME, spec->height);
    rc |= qev_partial_set1(p, "measurements", QEV_MERGE_SAME, (int64_t)b->measurements);
    rc |= qev_partial_set1(p, "patterns.kind", QEV_MERGE_SAME, spec->kind);
    rc |= qev_partial_set1(p, "patterns.order", QEV_MERGE_SAME, spec->order);
    rc |= qev_partial_set1(p, "patterns.seed", QEV_MERGE_SAME, (int64_t)spec->seed);
    rc |= qev_partial_set1(p, "patterns.count", QEV_MERGE_SAME, (int64_t)spec->count);
    rc |= qev_partial_set1(p, "patterns.split", QEV_MERGE_SAME, spec->split);
    rc |= qev_partial_set1(p, "patterns.fill_bits", QEV_MERGE_SAME, double_bits(spec->fill));
    rc |= qev_partial_set(p, "counts", QEV_MERGE_SUM, b->counts, b->measurements);
    rc |= qev_partial_set(p, "shown", QEV_MERGE_SUM, b->shown, b->measurements);
    rc |= qev_partial_set1(p, "photons", QEV_MERGE_SUM, (int64_t)b->photons);
    rc |= qev_partial_set1(p, "orphans", QEV_MERGE_SUM, (int64_t)b->orphans);
    rc |= qev_partial_set1(p, "markers", QEV_MERGE_SUM, (int64_t)b->markers);
    if (rc != QEV_OK) {
        qev_partial_free(p);
        return NULL;
    }
    return p;
}

static int spec_from_partial(const qev_partial *p, qev_pattern_spec *s, char *why, size_t cap)
{
    int64_t v[8];
    const char *names[] = {"width", "height", "patterns.kind", "patterns.order",
                           "patterns.seed", "patterns.count", "patterns.split",
                           "patterns.fill_bits"};
    for (size_t i = 0; i < 8; i++)
        if (get1(p, names[i], &v[i], why, cap) != QEV_OK)
            return QEV_EFORMAT;
    if (v[0] < 1 || v[1] < 1 || v[0] > 65536 || v[1] > 65536 || v[0] * v[1] > (1 << 24) ||
        v[2] < 0 || v[2] > QEV_PATTERNS_FILE || !qev_order_name((enum qev_order)v[3]) || v[5] < 1)
        return qev_why(why, cap, QEV_EFORMAT, "bad pattern description in the partial result");
    *s = (qev_pattern_spec){(enum qev_pattern_kind)v[2], (uint32_t)v[0], (uint32_t)v[1],
                            (enum qev_order)v[3], (uint64_t)v[4], (uint64_t)v[5], v[6] != 0, 0};
    memcpy(&s->fill, &v[7], sizeof s->fill);
    return QEV_OK;
}

int qev_buckets_from_partial(const qev_partial *p, qev_buckets *b, qev_pattern_spec *spec,
                             char *why, size_t cap)
{
    memset(b, 0, sizeof *b);
    int64_t m = 0, x[3] = {0};
    if (spec_from_partial(p, spec, why, cap) || get1(p, "measurements", &m, why, cap) ||
        get1(p, "photons", &x[0], why, cap) || get1(p, "orphans", &x[1], why, cap) ||
        get1(p, "markers", &x[2], why, cap))
        return QEV_EFORMAT;
    if (m < 1 || (size_t)m > MAX_MEASUREMENTS)
        return qev_why(why, cap, QEV_EFORMAT, "bad number of measurements in the partial result");
    if (qev_buckets_init(b, (size_t)m, INT64_MIN, INT64_MAX, 0, 0) != QEV_OK)
        return qev_why(why, cap, QEV_ENOMEM, "out of memory");
    size_t nc, ns;
    const int64_t *c = qev_partial_get(p, "counts", &nc), *s = qev_partial_get(p, "shown", &ns);
    if (!c || !s || nc != (size_t)m || ns != (size_t)m)
        return qev_why(why, cap, QEV_EFORMAT, "the partial result lacks counts or shown");
    memcpy(b->counts, c, nc * sizeof *c);
    memcpy(b->shown, s, ns * sizeof *s);
    b->photons = (uint64_t)x[0];
    b->orphans = (uint64_t)x[1];
    b->markers = (uint64_t)x[2];
    return QEV_OK;
}
