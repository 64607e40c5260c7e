/* Segment metadata: key=value pairs and provenance lines. */
#include "qev.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qev_meta {
    struct strlist keys, values, provenance;
};

qev_meta *qev_meta_new(void) { return calloc(1, sizeof(qev_meta)); }

void qev_meta_free(qev_meta *m)
{
    if (!m)
        return;
    strlist_free(&m->keys);
    strlist_free(&m->values);
    strlist_free(&m->provenance);
    free(m);
}

qev_meta *qev_meta_dup(const qev_meta *m)
{
    qev_meta *d = qev_meta_new();
    if (!d)
        return NULL;
    for (size_t i = 0; i < m->keys.n; i++)
        if (qev_meta_set(d, m->keys.s[i], m->values.s[i]) != QEV_OK)
            goto fail;
    for (size_t i = 0; i < m->provenance.n; i++)
        if (qev_meta_add_provenance(d, m->provenance.s[i]) != QEV_OK)
            goto fail;
    return d;
fail:
    qev_meta_free(d);
    return NULL;
}

int qev_meta_key_valid(const char *key)
{
    if (!*key)
        return 0;
    for (const char *p = key; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-$[]", *p))
            return 0;
    return 1;
}

static int text_valid(const char *s)
{
    return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

int qev_meta_set(qev_meta *m, const char *key, const char *value)
{
    if (!qev_meta_key_valid(key) || !text_valid(value))
        return QEV_EINVAL;
    for (size_t i = 0; i < m->keys.n; i++) {
        if (strcmp(m->keys.s[i], key) == 0) {
            char *v = strdup(value);
            if (!v)
                return QEV_ENOMEM;
            free(m->values.s[i]);
            m->values.s[i] = v;
            return QEV_OK;
        }
    }
    if (strlist_push(&m->keys, key) != QEV_OK)
        return QEV_ENOMEM;
    if (strlist_push(&m->values, value) != QEV_OK) {
        free(m->keys.s[--m->keys.n]);
        return QEV_ENOMEM;
    }
    return QEV_OK;
}

int qev_meta_setf(qev_meta *m, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return QEV_EINVAL;
    return qev_meta_set(m, key, buf);
}

const char *qev_meta_get(const qev_meta *m, const char *key)
{
    for (size_t i = 0; i < m->keys.n; i++)
        if (strcmp(m->keys.s[i], key) == 0)
            return m->values.s[i];
    return NULL;
}

size_t qev_meta_count(const qev_meta *m) { return m->keys.n; }
const char *qev_meta_key(const qev_meta *m, size_t i) { return m->keys.s[i]; }
const char *qev_meta_value(const qev_meta *m, size_t i) { return m->values.s[i]; }

int qev_meta_add_provenance(qev_meta *m, const char *line)
{
    if (!text_valid(line))
        return QEV_EINVAL;
    return strlist_push(&m->provenance, line);
}

size_t qev_meta_provenance_count(const qev_meta *m) { return m->provenance.n; }
const char *qev_meta_provenance(const qev_meta *m, size_t i) { return m->provenance.s[i]; }

static const struct {
    const char *name;
    uint8_t bit;
} field_names[] = {
    {"pixel", QEV_F_PIXEL},
    {"micro", QEV_F_MICRO},
    {"value", QEV_F_VALUE},
    {"group", QEV_F_GROUP},
};

int qev_meta_fields(const qev_meta *m, uint8_t *mask)
{
    *mask = 0;
    const char *s = qev_meta_get(m, "fields");
    if (!s || !*s)
        return QEV_OK;
    for (;;) {
        size_t len = strcspn(s, ","), i;
        for (i = 0; i < sizeof field_names / sizeof *field_names; i++)
            if (strlen(field_names[i].name) == len && strncmp(field_names[i].name, s, len) == 0)
                break;
        if (i == sizeof field_names / sizeof *field_names)
            return QEV_EFORMAT;
        *mask |= field_names[i].bit;
        if (s[len] == '\0')
            return QEV_OK;
        s += len + 1;
    }
}

int qev_fields_string(uint8_t mask, char *buf, size_t cap)
{
    size_t used = 0;
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof field_names / sizeof *field_names; i++) {
        if (!(mask & field_names[i].bit))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", field_names[i].name);
        if (n < 0 || (size_t)n >= cap - used)
            return QEV_EINVAL;
        used += (size_t)n;
    }
    return QEV_OK;
}

int qev_event_flags_valid(uint8_t flags)
{
    if (flags & ~QEV_F_ALL)
        return 0;
    uint8_t aux = flags & QEV_F_AUX_MASK;
    return (aux & (aux - 1)) == 0;
}

/* A key whose value differs between the inputs cannot describe the merge. */
static void mark_differing(qev_meta *m, const qev_meta *other)
{
    for (size_t i = 0; i < qev_meta_count(m); i++) {
        const char *v = qev_meta_get(other, qev_meta_key(m, i));
        if (strcmp(qev_meta_key(m, i), "fields") && (!v || strcmp(v, qev_meta_value(m, i))))
            qev_meta_set(m, qev_meta_key(m, i), "(differs between the merged inputs)");
    }
}

qev_meta *qev_meta_merged(const qev_meta *const *metas, size_t k)
{
    qev_meta *m = k ? qev_meta_dup(metas[0]) : qev_meta_new();
    uint8_t all = 0;
    for (size_t i = 0; m && i < k; i++) {
        uint8_t f = 0;
        qev_meta_fields(metas[i], &f);
        all |= f;
        if (i == 0)
            continue;
        mark_differing(m, metas[i]);
        for (size_t j = 0; j < qev_meta_provenance_count(metas[i]); j++)
            qev_meta_add_provenance(m, qev_meta_provenance(metas[i], j));
    }
    char names[64];
    if (m && all && qev_fields_string(all, names, sizeof names) == QEV_OK)
        qev_meta_set(m, "fields", names);
    if (m)
        qev_meta_setf(m, "merged_inputs", "%zu", k);
    return m;
}
