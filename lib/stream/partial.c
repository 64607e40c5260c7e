/* Partial results: named integer vectors that merge by their own rules. */
#include "partial.h"
#include "internal.h"
#include "qev.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES (1u << 24)

struct entry {
    char *name;
    enum qev_merge_rule rule;
    int64_t *v;
    size_t n;
};

struct qev_partial {
    char *kind;
    struct entry *e;
    size_t n, cap;
};

static const char *const rule_names[] = {"sum", "min", "max", "same"};

qev_partial *qev_partial_new(const char *kind)
{
    qev_partial *p = calloc(1, sizeof *p);
    if (p && !(p->kind = strdup(kind))) {
        free(p);
        return NULL;
    }
    return p;
}

void qev_partial_free(qev_partial *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].name);
        free(p->e[i].v);
    }
    free(p->e);
    free(p->kind);
    free(p);
}

const char *qev_partial_kind(const qev_partial *p) { return p->kind; }

static int name_valid(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.:", *s))
            return 0;
    return 1;
}

static struct entry *find(const qev_partial *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->e[i].name, name) == 0)
            return &p->e[i];
    return NULL;
}

static struct entry *add_entry(qev_partial *p, const char *name)
{
    if (p->n == p->cap) {
        struct entry *e = qev_grow(p->e, &p->cap, p->n + 1, sizeof *e, 16);
        if (!e)
            return NULL;
        p->e = e;
    }
    struct entry *e = &p->e[p->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name)))
        return NULL;
    p->n++;
    return e;
}

int qev_partial_set(qev_partial *p, const char *name, enum qev_merge_rule rule,
                    const int64_t *values, size_t n)
{
    if (!name_valid(name) || n > MAX_VALUES)
        return QEV_EINVAL;
    struct entry *e = find(p, name);
    if (!e && !(e = add_entry(p, name)))
        return QEV_ENOMEM;
    int64_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return QEV_ENOMEM;
    if (n)
        memcpy(v, values, n * sizeof *v);
    free(e->v);
    e->v = v;
    e->n = n;
    e->rule = rule;
    return QEV_OK;
}

int qev_partial_set1(qev_partial *p, const char *name, enum qev_merge_rule rule, int64_t value)
{
    return qev_partial_set(p, name, rule, &value, 1);
}

const int64_t *qev_partial_get(const qev_partial *p, const char *name, size_t *n)
{
    const struct entry *e = find(p, name);
    if (n)
        *n = e ? e->n : 0;
    return e ? e->v : NULL;
}

size_t qev_partial_count(const qev_partial *p) { return p->n; }
const char *qev_partial_name(const qev_partial *p, size_t i) { return p->e[i].name; }

int64_t qev_partial_get1(const qev_partial *p, const char *name, int64_t fallback)
{
    size_t n;
    const int64_t *v = qev_partial_get(p, name, &n);
    return v && n == 1 ? v[0] : fallback;
}

static void combine(struct entry *e, const struct entry *o)
{
    for (size_t i = 0; i < e->n; i++) {
        if (e->rule == QEV_MERGE_SUM)
            e->v[i] = (int64_t)((uint64_t)e->v[i] + (uint64_t)o->v[i]);
        else if (e->rule == QEV_MERGE_MIN && o->v[i] < e->v[i])
            e->v[i] = o->v[i];
        else if (e->rule == QEV_MERGE_MAX && o->v[i] > e->v[i])
            e->v[i] = o->v[i];
    }
}

static int fits(const struct entry *e, const struct entry *o, char *why, size_t cap)
{
    if (e->rule != o->rule || e->n != o->n) {
        snprintf(why, cap, "entry %s has another rule or length", e->name);
        return 0;
    }
    if (e->rule == QEV_MERGE_SAME && e->n && memcmp(e->v, o->v, e->n * sizeof *e->v) != 0) {
        snprintf(why, cap, "entry %s differs (%" PRId64 " vs %" PRId64 "); only results of "
                           "the same settings merge",
                 e->name, e->v[0], o->v[0]);
        return 0;
    }
    return 1;
}

/* An entry only one side has is taken as it is: sums, minima and maxima of
 * shards where it did not occur. Entries that must be the same must be on
 * both sides. */
int qev_partial_merge(qev_partial *p, const qev_partial *other, char *why, size_t cap)
{
    if (strcmp(p->kind, other->kind) != 0) {
        snprintf(why, cap, "a %s partial does not merge with a %s partial", p->kind, other->kind);
        return QEV_EINVAL;
    }
    for (size_t i = 0; i < p->n; i++) {
        const struct entry *o = find(other, p->e[i].name);
        if (!o && p->e[i].rule == QEV_MERGE_SAME) {
            snprintf(why, cap, "entry %s is missing from one partial", p->e[i].name);
            return QEV_EINVAL;
        }
        if (o && !fits(&p->e[i], o, why, cap))
            return QEV_EINVAL;
    }
    for (size_t i = 0; i < other->n; i++)
        if (!find(p, other->e[i].name) && other->e[i].rule == QEV_MERGE_SAME) {
            snprintf(why, cap, "entry %s is missing from one partial", other->e[i].name);
            return QEV_EINVAL;
        }
    size_t mine = p->n;
    for (size_t i = 0; i < mine; i++) {
        const struct entry *o = find(other, p->e[i].name);
        if (o)
            combine(&p->e[i], o);
    }
    for (size_t i = 0; i < other->n; i++) {
        const struct entry *o = &other->e[i];
        if (!find(p, o->name) && qev_partial_set(p, o->name, o->rule, o->v, o->n) != QEV_OK)
            return QEV_ENOMEM;
    }
    return QEV_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const struct entry *const *)a)->name, (*(const struct entry *const *)b)->name);
}

/* Entries in name order, so that the text does not depend on merge order. */
int qev_partial_write(const qev_partial *p, FILE *f)
{
    const struct entry **order = malloc((p->n ? p->n : 1) * sizeof *order);
    if (!order)
        return QEV_ENOMEM;
    for (size_t i = 0; i < p->n; i++)
        order[i] = &p->e[i];
    qsort(order, p->n, sizeof *order, by_name);
    fprintf(f, "qpipe-partial 1 %s\n", p->kind);
    for (size_t i = 0; i < p->n; i++) {
        fprintf(f, "%s %s", rule_names[order[i]->rule], order[i]->name);
        for (size_t k = 0; k < order[i]->n; k++)
            fprintf(f, " %" PRId64, order[i]->v[k]);
        fputc('\n', f);
    }
    free(order);
    return ferror(f) ? QEV_EIO : QEV_OK;
}

int qev_partial_looks_like(const char *first_line)
{
    return strncmp(first_line, "qpipe-partial 1 ", 16) == 0;
}

static int parse_rule(const char *s, enum qev_merge_rule *rule)
{
    for (int r = 0; r < 4; r++)
        if (strcmp(s, rule_names[r]) == 0) {
            *rule = (enum qev_merge_rule)r;
            return 1;
        }
    return 0;
}

static int parse_values(char *rest, int64_t **out, size_t *n)
{
    size_t cap = 16;
    int64_t *v = malloc(cap * sizeof *v);
    *n = 0;
    char *save;
    for (char *tok = strtok_r(rest, " \n", &save); v && tok; tok = strtok_r(NULL, " \n", &save)) {
        char *end;
        errno = 0;
        long long x = strtoll(tok, &end, 10);
        if (*end || errno || *n == MAX_VALUES) {
            free(v);
            return 0;
        }
        int64_t *nv = qev_grow(v, &cap, *n + 1, sizeof *v, cap);
        if (!nv) {
            free(v);
            return 0;
        }
        v = nv;
        v[(*n)++] = x;
    }
    *out = v;
    return v != NULL;
}

static int parse_line(qev_partial *p, char *line)
{
    char *save;
    char *rule_s = strtok_r(line, " \n", &save), *name = strtok_r(NULL, " \n", &save);
    char *rest = strtok_r(NULL, "\n", &save);
    enum qev_merge_rule rule;
    int64_t *v = NULL;
    size_t n = 0;
    if (!rule_s || !name || !parse_rule(rule_s, &rule) || !name_valid(name) || find(p, name))
        return 0;
    if (rest && !parse_values(rest, &v, &n))
        return 0;
    int ok = qev_partial_set(p, name, rule, v, n) == QEV_OK;
    free(v);
    return ok;
}

qev_partial *qev_partial_read(FILE *f, char *why, size_t cap)
{
    char *line = NULL;
    size_t len = 0;
    qev_partial *p = NULL;
    if (getline(&line, &len, f) < 0 || !qev_partial_looks_like(line)) {
        snprintf(why, cap, "not a qpipe partial result (line 1)");
        free(line);
        return NULL;
    }
    line[strcspn(line, "\n")] = '\0';
    p = qev_partial_new(line + 16);
    for (unsigned long no = 2; p && getline(&line, &len, f) >= 0; no++) {
        if (!parse_line(p, line)) {
            snprintf(why, cap, "malformed partial result at line %lu", no);
            qev_partial_free(p);
            p = NULL;
        }
    }
    free(line);
    if (p && ferror(f)) {
        snprintf(why, cap, "read error");
        qev_partial_free(p);
        p = NULL;
    }
    return p;
}
