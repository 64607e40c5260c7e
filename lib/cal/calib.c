/* The calibration file: entries in file order with a hash index by key. */
#include "calib.h"
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LINE 65536

struct entry {
    char *key, *value, *comment; /* comment: lines printed before the entry */
    int removed;
};

struct qev_calib {
    struct entry *e;
    size_t n, cap, live;
    size_t *slot; /* open addressing: index + 1, 0 empty */
    size_t nslots;
    int index_stale;
    char **prov;
    size_t nprov, capprov;
    char *pending_comment;
    char error[320];
};

qev_calib *qev_calib_new(void) { return calloc(1, sizeof(qev_calib)); }

void qev_calib_free(qev_calib *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        free(c->e[i].value);
        free(c->e[i].comment);
    }
    for (size_t i = 0; i < c->nprov; i++)
        free(c->prov[i]);
    free(c->e);
    free(c->slot);
    free(c->prov);
    free(c->pending_comment);
    free(c);
}

const char *qev_calib_error(const qev_calib *c) { return c->error; }

static int fail(qev_calib *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(qev_calib *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- the index ---- */

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

#define FNV_START 0xcbf29ce484222325ull

static int rebuild_index(qev_calib *c)
{
    size_t want = 64;
    while (want < 2 * c->n + 1)
        want *= 2;
    size_t *slot = calloc(want, sizeof *slot);
    if (!slot)
        return QEV_ENOMEM;
    free(c->slot);
    c->slot = slot;
    c->nslots = want;
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].removed)
            continue;
        size_t h = (size_t)fnv1a(FNV_START, c->e[i].key) & (want - 1);
        while (slot[h])
            h = (h + 1) & (want - 1);
        slot[h] = i + 1;
    }
    c->index_stale = 0;
    return QEV_OK;
}

static long find(const qev_calib *cc, const char *key)
{
    qev_calib *c = (qev_calib *)cc; /* the index is a cache */
    if ((c->index_stale || !c->slot) && rebuild_index(c) != QEV_OK)
        return -1;
    size_t h = (size_t)fnv1a(FNV_START, key) & (c->nslots - 1);
    for (; c->slot[h]; h = (h + 1) & (c->nslots - 1))
        if (strcmp(c->e[c->slot[h] - 1].key, key) == 0)
            return (long)(c->slot[h] - 1);
    return -1;
}

/* ---- entries ---- */

static int key_valid(const char *key)
{
    if (!*key)
        return 0;
    for (const char *p = key; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
            return 0;
    return 1;
}

static int append(qev_calib *c, const char *key, const char *value)
{
    if (c->n == QEV_CALIB_MAX_ENTRIES)
        return fail(c, QEV_EFORMAT, "more than %u entries", QEV_CALIB_MAX_ENTRIES);
    if (c->n == c->cap) {
        struct entry *e = qev_grow(c->e, &c->cap, c->n + 1, sizeof *e, 64);
        if (!e)
            return fail(c, QEV_ENOMEM, "out of memory");
        c->e = e;
    }
    struct entry *e = &c->e[c->n];
    *e = (struct entry){strdup(key), strdup(value), c->pending_comment, 0};
    c->pending_comment = NULL;
    if (!e->key || !e->value)
        return fail(c, QEV_ENOMEM, "out of memory");
    c->n++;
    c->live++;
    /* the index stays valid while it has room to spare */
    if (c->slot && !c->index_stale && 2 * c->n + 1 <= c->nslots) {
        size_t h = (size_t)fnv1a(FNV_START, key) & (c->nslots - 1);
        while (c->slot[h])
            h = (h + 1) & (c->nslots - 1);
        c->slot[h] = c->n;
    } else {
        c->index_stale = 1;
    }
    return QEV_OK;
}

int qev_calib_set(qev_calib *c, const char *key, const char *value)
{
    if (!key_valid(key) || strchr(value, '\n'))
        return fail(c, QEV_EINVAL, "bad key or value: '%s'", key);
    long i = find(c, key);
    if (i < 0)
        return append(c, key, value);
    char *v = strdup(value);
    if (!v)
        return fail(c, QEV_ENOMEM, "out of memory");
    free(c->e[i].value);
    c->e[i].value = v;
    return QEV_OK;
}

int qev_calib_setf(qev_calib *c, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return qev_calib_set(c, key, buf);
}

/* Two significant digits of the uncertainty, and one more. */
static int decimals_for(double sigma)
{
    int d = 2 - (int)floor(log10(sigma));
    return d < 0 ? 0 : d > 15 ? 15 : d;
}

int qev_calib_set_number(qev_calib *c, const char *key, double value, double sigma,
                         const char *unit)
{
    char buf[160];
    const char *sp = unit && *unit ? " " : "";
    unit = unit ? unit : "";
    if (isfinite(sigma) && sigma > 0) {
        int d = decimals_for(sigma);
        snprintf(buf, sizeof buf, "%.*f%s%s +- %.*f%s%s", d, value, sp, unit, d, sigma, sp, unit);
    } else if (value == floor(value) && fabs(value) < 9e15) {
        snprintf(buf, sizeof buf, "%.0f%s%s", value, sp, unit);
    } else {
        snprintf(buf, sizeof buf, "%.10g%s%s", value, sp, unit);
    }
    return qev_calib_set(c, key, buf);
}

int qev_calib_remove(qev_calib *c, const char *key)
{
    long i = find(c, key);
    if (i < 0)
        return QEV_END;
    c->e[i].removed = 1;
    c->live--;
    c->index_stale = 1;
    return QEV_OK;
}

const char *qev_calib_get(const qev_calib *c, const char *key)
{
    long i = find(c, key);
    return i < 0 ? NULL : c->e[i].value;
}

/* Drops removed entries, so that indices count live ones. */
static void compact(qev_calib *c)
{
    if (c->live == c->n)
        return;
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].removed) {
            free(c->e[i].key);
            free(c->e[i].value);
            free(c->e[i].comment);
        } else {
            c->e[w++] = c->e[i];
        }
    }
    c->n = w;
    c->index_stale = 1;
}

size_t qev_calib_count(const qev_calib *c)
{
    compact((qev_calib *)c);
    return c->n;
}

const char *qev_calib_key(const qev_calib *c, size_t i) { return c->e[i].key; }
const char *qev_calib_value(const qev_calib *c, size_t i) { return c->e[i].value; }

int qev_calib_comment(qev_calib *c, const char *text)
{
    size_t old = c->pending_comment ? strlen(c->pending_comment) : 0;
    char *p = realloc(c->pending_comment, old + strlen(text) + 2);
    if (!p)
        return fail(c, QEV_ENOMEM, "out of memory");
    strcpy(p + old, text);
    strcat(p + old, "\n");
    c->pending_comment = p;
    return QEV_OK;
}

int qev_calib_add_provenance(qev_calib *c, const char *line)
{
    if (strchr(line, '\n'))
        return fail(c, QEV_EINVAL, "a provenance line holds a newline");
    if (c->nprov == c->capprov) {
        size_t cap = c->capprov ? 2 * c->capprov : 8;
        char **p = realloc(c->prov, cap * sizeof *p);
        if (!p)
            return fail(c, QEV_ENOMEM, "out of memory");
        c->prov = p;
        c->capprov = cap;
    }
    if (!(c->prov[c->nprov] = strdup(line)))
        return fail(c, QEV_ENOMEM, "out of memory");
    c->nprov++;
    return QEV_OK;
}

size_t qev_calib_provenance_count(const qev_calib *c) { return c->nprov; }
const char *qev_calib_provenance(const qev_calib *c, size_t i) { return c->prov[i]; }

/* ---- reading and writing ---- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int read_magic(qev_calib *c, const char *line, const char *name)
{
    size_t m = strlen(QEV_CALIB_MAGIC);
    if (strncmp(line, QEV_CALIB_MAGIC, m) != 0 || (line[m] != ' ' && line[m] != '\t'))
        return fail(c, QEV_EFORMAT,
                    "%s: not a calibration file (the first line must be '%s %d')", name,
                    QEV_CALIB_MAGIC, QEV_CALIB_VERSION);
    char *end;
    long v = strtol(line + m, &end, 10);
    if (end == line + m || *trim(end))
        return fail(c, QEV_EFORMAT, "%s: line 1: a version number must follow '%s'", name,
                    QEV_CALIB_MAGIC);
    if (v != QEV_CALIB_VERSION)
        return fail(c, QEV_EVERSION, "%s: calibration format version %ld; this qcal reads %d",
                    name, v, QEV_CALIB_VERSION);
    return QEV_OK;
}

static int read_entry(qev_calib *c, char *line, const char *name, unsigned long lineno)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return fail(c, QEV_EFORMAT, "%s: line %lu: not 'key = value'", name, lineno);
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    if (!key_valid(key))
        return fail(c, QEV_EFORMAT, "%s: line %lu: '%s' is not a key ([A-Za-z0-9_.-]+)", name,
                    lineno, key);
    if (find(c, key) >= 0)
        return fail(c, QEV_EFORMAT, "%s: line %lu: %s is set twice", name, lineno, key);
    return append(c, key, value);
}

static int read_line(qev_calib *c, char *line, size_t len, const char *name, unsigned long lineno)
{
    int text = strlen(line) == len;
    if (len && line[len - 1] == '\n')
        line[--len] = '\0';
    if (lineno == 1) {
        int rc = read_magic(c, line, name);
        if (rc == QEV_OK && !text)
            rc = fail(c, QEV_EFORMAT, "%s: line 1: not text (a NUL byte)", name);
        return rc;
    }
    if (!text)
        return fail(c, QEV_EFORMAT, "%s: line %lu: not text (a NUL byte)", name, lineno);
    if (line[0] == '@')
        return qev_calib_add_provenance(c, line + 1);
    char *t = trim(line);
    if (*t == '#')
        return qev_calib_comment(c, trim(t + 1));
    if (!*t)
        return QEV_OK;
    return read_entry(c, t, name, lineno);
}

int qev_calib_read(qev_calib *c, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = QEV_OK;
    errno = 0;
    while (rc == QEV_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len > MAX_LINE)
            rc = fail(c, QEV_EFORMAT, "%s: line %lu is longer than %d bytes", name, lineno,
                      MAX_LINE);
        else
            rc = read_line(c, line, (size_t)len, name, lineno);
    }
    free(line);
    if (rc == QEV_OK && ferror(f))
        rc = fail(c, QEV_EIO, "%s: read error: %s", name, strerror(errno));
    if (rc == QEV_OK && lineno == 0)
        rc = fail(c, QEV_EFORMAT, "%s: empty file, not a calibration", name);
    free(c->pending_comment); /* comments after the last entry */
    c->pending_comment = NULL;
    return rc;
}

int qev_calib_write(const qev_calib *c, FILE *f)
{
    fprintf(f, "%s %d\n", QEV_CALIB_MAGIC, QEV_CALIB_VERSION);
    for (size_t i = 0; i < c->nprov; i++)
        fprintf(f, "@%s\n", c->prov[i]);
    for (size_t i = 0; i < c->n; i++) {
        const struct entry *e = &c->e[i];
        if (e->removed)
            continue;
        for (const char *p = e->comment; p && *p;) {
            const char *nl = strchr(p, '\n');
            fprintf(f, "# %.*s\n", (int)(nl - p), p);
            p = nl + 1;
        }
        fprintf(f, "%s = %s\n", e->key, e->value);
    }
    return ferror(f) ? QEV_EIO : QEV_OK;
}

/* ---- numbers ---- */

struct unit {
    const char *name;
    double scale;
    enum qev_calib_dim dim;
};

static const struct unit units[] = {
    {"ps", 1, QEV_DIM_TIME},       {"ns", 1e3, QEV_DIM_TIME},     {"us", 1e6, QEV_DIM_TIME},
    {"\xc2\xb5s", 1e6, QEV_DIM_TIME}, {"ms", 1e9, QEV_DIM_TIME},  {"s", 1e12, QEV_DIM_TIME},
    {"Hz", 1, QEV_DIM_RATE},       {"kHz", 1e3, QEV_DIM_RATE},    {"MHz", 1e6, QEV_DIM_RATE},
    {"GHz", 1e9, QEV_DIM_RATE},    {"cps", 1, QEV_DIM_RATE},      {"ppm", 1, QEV_DIM_RATIO},
    {"ppb", 1e-3, QEV_DIM_RATIO},
};

const char *qev_calib_unit_name(enum qev_calib_dim dim)
{
    static const char *const names[] = {"", "ps", "Hz", "ppm"};
    return names[dim];
}

/* A number and an optional unit word at *s; advances *s. */
static int number_unit(const char **s, double *v, const struct unit **u)
{
    char *end;
    errno = 0;
    *v = strtod(*s, &end);
    if (end == *s || errno == ERANGE || !isfinite(*v))
        return QEV_EFORMAT;
    const char *p = end;
    while (*p == ' ' || *p == '\t')
        p++;
    *u = NULL;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(p, units[i].name, n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t')) {
            *u = &units[i];
            p += n;
            break;
        }
    }
    while (*p == ' ' || *p == '\t')
        p++;
    *s = p;
    return QEV_OK;
}

static int plus_minus(const char **s)
{
    if (strncmp(*s, "+-", 2) == 0 || strncmp(*s, "\xc2\xb1", 2) == 0) {
        *s += 2;
        while (**s == ' ' || **s == '\t')
            (*s)++;
        return 1;
    }
    return 0;
}

int qev_calib_parse_number(const char *text, qev_calib_num *out)
{
    const char *s = text;
    const struct unit *u = NULL, *su = NULL;
    double v, sigma = NAN;
    while (*s == ' ')
        s++;
    if (number_unit(&s, &v, &u) != QEV_OK)
        return QEV_EFORMAT;
    if (plus_minus(&s) && (number_unit(&s, &sigma, &su) != QEV_OK || !(sigma >= 0)))
        return QEV_EFORMAT;
    if (*s)
        return QEV_EFORMAT;
    const struct unit *vu = u ? u : su, *sgu = su ? su : u;
    if (u && su && u->dim != su->dim)
        return QEV_EFORMAT;
    out->value = v * (vu ? vu->scale : 1);
    out->sigma = sigma * (sgu ? sgu->scale : 1);
    out->dim = vu ? vu->dim : QEV_DIM_NONE;
    return QEV_OK;
}

int qev_calib_number(const qev_calib *c, const char *key, qev_calib_num *out)
{
    const char *v = qev_calib_get(c, key);
    if (!v)
        return QEV_END;
    return qev_calib_parse_number(v, out);
}

int qev_calib_parse_utc(const char *text, int64_t *seconds)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return QEV_EFORMAT;
    *seconds = (int64_t)timegm(&tm);
    return QEV_OK;
}

/* ---- sections ---- */

void qev_calib_section(const char *key, char *buf, size_t cap)
{
    static const char *const two[] = {"clock.", "flat.", "hot.", "mask."};
    const char *dot = strchr(key, '.');
    if (!dot) {
        snprintf(buf, cap, "%s", strcmp(key, "created") == 0 ? "" : key);
        return;
    }
    size_t n = (size_t)(dot - key);
    for (size_t i = 0; i < sizeof two / sizeof *two; i++)
        if (strncmp(key, two[i], strlen(two[i])) == 0 && strchr(dot + 1, '.'))
            n = (size_t)(strchr(dot + 1, '.') - key);
    snprintf(buf, cap, "%.*s", (int)n, key);
}

/* Sorted, distinct section names of c's entries. */
static int has_section(char **names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return 1;
    return 0;
}

static int later_sections(const qev_calib *later, char ***out, size_t *n)
{
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < later->n; i++) {
        char s[256];
        if (later->e[i].removed)
            continue;
        qev_calib_section(later->e[i].key, s, sizeof s);
        if (!*s || has_section(names, *n, s))
            continue;
        if (*n == cap) {
            char **p = qev_grow(names, &cap, *n + 1, sizeof *p, 16);
            if (!p)
                return QEV_ENOMEM;
            names = p;
        }
        if (!(names[(*n)++] = strdup(s)))
            return QEV_ENOMEM;
    }
    *out = names;
    return QEV_OK;
}

static void remove_sections(qev_calib *c, char **names, size_t n)
{
    for (size_t i = 0; i < c->n; i++) {
        char s[256];
        if (c->e[i].removed)
            continue;
        qev_calib_section(c->e[i].key, s, sizeof s);
        if (*s && has_section(names, n, s)) {
            c->e[i].removed = 1;
            c->live--;
            c->index_stale = 1;
        }
    }
}

int qev_calib_merge(qev_calib *c, const qev_calib *later)
{
    char **names = NULL;
    size_t n = 0;
    int rc = later_sections(later, &names, &n);
    if (rc == QEV_OK)
        remove_sections(c, names, n);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    compact(c);
    for (size_t i = 0; rc == QEV_OK && i < later->n; i++) {
        if (later->e[i].removed)
            continue;
        if (later->e[i].comment) {
            free(c->pending_comment);
            if (!(c->pending_comment = strdup(later->e[i].comment)))
                rc = QEV_ENOMEM;
        }
        if (rc == QEV_OK)
            rc = qev_calib_set(c, later->e[i].key, later->e[i].value);
    }
    for (size_t i = 0; rc == QEV_OK && i < later->nprov; i++)
        rc = qev_calib_add_provenance(c, later->prov[i]);
    return rc == QEV_ENOMEM ? fail(c, rc, "out of memory") : rc;
}

uint64_t qev_calib_fingerprint(const qev_calib *c)
{
    uint64_t h = FNV_START;
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i].removed)
            continue;
        h = fnv1a(h, c->e[i].key);
        h = fnv1a(h, "=");
        h = fnv1a(h, c->e[i].value);
        h = fnv1a(h, "\n");
    }
    return h;
}

/* ---- in stream metadata ---- */

#define APPLIED_KEY "calibration_applied"

int qev_calib_applied(const qev_meta *m, uint64_t fingerprint, int *any)
{
    const char *v = qev_meta_get(m, APPLIED_KEY);
    *any = v && *v;
    if (!v)
        return 0;
    char want[17];
    snprintf(want, sizeof want, "%016" PRIx64, fingerprint);
    for (const char *p = v; (p = strstr(p, want)); p += 16)
        if ((p == v || p[-1] == ' ') && (p[16] == '\0' || p[16] == ' '))
            return 1;
    return 0;
}

int qev_calib_mark_applied(qev_meta *m, uint64_t fingerprint)
{
    const char *v = qev_meta_get(m, APPLIED_KEY);
    if (v && *v)
        return qev_meta_setf(m, APPLIED_KEY, "%s %016" PRIx64, v, fingerprint);
    return qev_meta_setf(m, APPLIED_KEY, "%016" PRIx64, fingerprint);
}

/* ---- delays ---- */

int qev_calib_key_channel(const char *key, const char *prefix, unsigned *ch)
{
    size_t n = strlen(prefix);
    if (strncmp(key, prefix, n) != 0 || key[n] != '.' || !key[n + 1])
        return 0;
    unsigned long v = 0;
    for (const char *p = key + n + 1; *p; p++) {
        if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
            return 0;
    }
    *ch = (unsigned)v;
    return 1;
}

int qev_calib_delays(qev_calib *c, int64_t *delay, uint8_t *set)
{
    int count = 0;
    for (size_t i = 0; i < qev_calib_count(c); i++) {
        unsigned ch;
        qev_calib_num v;
        if (!qev_calib_key_channel(c->e[i].key, "delay", &ch))
            continue;
        if (qev_calib_parse_number(c->e[i].value, &v) != QEV_OK || v.dim != QEV_DIM_TIME ||
            fabs(v.value) > 1e18)
            return fail(c, QEV_EFORMAT, "%s = %s is not a delay (a time such as 1234.5 ps)",
                        c->e[i].key, c->e[i].value);
        delay[ch] = (int64_t)llround(v.value);
        set[ch] = 1;
        count++;
    }
    return count;
}

/* ---- clocks ---- */

#define MAX_CLOCK_DELAY 1e17 /* ps, a day: beyond it no clock is meant */

void qev_calib_clock_free(qev_calib_clock *k)
{
    free(k->time);
    free(k->delay);
    k->time = NULL;
    k->delay = NULL;
    k->n = 0;
}

static int clock_alloc(qev_calib_clock *k, size_t n)
{
    k->n = n;
    k->time = malloc(n * sizeof *k->time);
    k->delay = malloc(n * sizeof *k->delay);
    if (k->time && k->delay)
        return QEV_OK;
    qev_calib_clock_free(k);
    return QEV_ENOMEM;
}

static int clock_from_line(const qev_calib *c, unsigned ch, qev_calib_clock *k)
{
    char key[64];
    qev_calib_num off, drift;
    snprintf(key, sizeof key, "clock.%u.offset", ch);
    int rc = qev_calib_number(c, key, &off);
    if (rc != QEV_OK)
        return rc;
    snprintf(key, sizeof key, "clock.%u.drift", ch);
    rc = qev_calib_number(c, key, &drift);
    if (rc == QEV_END)
        drift = (qev_calib_num){0, NAN, QEV_DIM_RATIO};
    else if (rc != QEV_OK)
        return rc;
    if (off.dim != QEV_DIM_TIME || (drift.dim != QEV_DIM_RATIO && drift.value != 0) ||
        !(fabs(off.value) <= MAX_CLOCK_DELAY) || !(fabs(drift.value) <= 1e4))
        return QEV_EFORMAT;
    if (clock_alloc(k, 2) != QEV_OK)
        return QEV_ENOMEM;
    k->time[0] = 0;
    k->time[1] = 1000000000000000; /* 1000 s */
    k->delay[0] = off.value;
    k->delay[1] = off.value + drift.value * 1e-6 * 1e15;
    return QEV_OK;
}

static int clock_knot(const qev_calib *c, unsigned ch, size_t i, qev_calib_clock *k)
{
    char key[80];
    qev_calib_num t, d;
    snprintf(key, sizeof key, "clock.%u.knot.%zu.time", ch, i);
    int rc = qev_calib_number(c, key, &t);
    if (rc == QEV_OK) {
        snprintf(key, sizeof key, "clock.%u.knot.%zu.delay", ch, i);
        rc = qev_calib_number(c, key, &d);
    }
    if (rc != QEV_OK)
        return QEV_EFORMAT;
    if (t.dim != QEV_DIM_TIME || d.dim != QEV_DIM_TIME || !(fabs(t.value) <= 4e18) ||
        !(fabs(d.value) <= MAX_CLOCK_DELAY))
        return QEV_EFORMAT;
    k->time[i] = (int64_t)llround(t.value);
    k->delay[i] = d.value;
    return i > 0 && k->time[i] <= k->time[i - 1] ? QEV_EFORMAT : QEV_OK;
}

int qev_calib_get_clock(const qev_calib *c, unsigned ch, qev_calib_clock *out)
{
    char key[64];
    qev_calib_num n;
    memset(out, 0, sizeof *out);
    snprintf(key, sizeof key, "clock.%u.knots", ch);
    int rc = qev_calib_number(c, key, &n);
    if (rc == QEV_END)
        return clock_from_line(c, ch, out);
    if (rc != QEV_OK || n.dim != QEV_DIM_NONE || n.value < 2 || n.value > 1e6 ||
        n.value != floor(n.value))
        return QEV_EFORMAT;
    if (clock_alloc(out, (size_t)n.value) != QEV_OK)
        return QEV_ENOMEM;
    for (size_t i = 0; i < out->n; i++)
        if (clock_knot(c, ch, i, out) != QEV_OK) {
            qev_calib_clock_free(out);
            return QEV_EFORMAT;
        }
    return QEV_OK;
}
