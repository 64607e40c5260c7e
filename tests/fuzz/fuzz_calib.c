/* Fuzzes the calibration file reader (lib/cal/calib.h, qcal(5)) and what qcal
 * apply builds from a calibration: delays, clocks, renames and masked
 * pixels in a qcal_shift (lib/cal/qcal_shift.h), through which a few events pass.
 *
 * Besides crashes it checks that
 * - a failure says why;
 * - a calibration that reads writes again, reads back to the same text, and
 *   keeps its fingerprint; it merges with its own copy;
 * - a clock that reads has at least two knots with increasing times;
 * - events given in time order to the shift come out in time order, none
 *   lost but the masked ones, and once marked applied a calibration is
 *   recognised as applied. */
#include "calib.h"
#include "fuzz.h"
#include "qcal_shift.h"
#include "qev.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_CHANNELS 8 /* channels whose corrections the events exercise */

static qev_calib *read_text(const char *s, size_t len)
{
    FILE *f = len ? fmemopen((void *)s, len, "r") : fopen("/dev/null", "r");
    FUZZ_CHECK(f != NULL, "fmemopen failed");
    qev_calib *c = qev_calib_new();
    FUZZ_CHECK(c != NULL, "out of memory");
    int rc = qev_calib_read(c, f, "fuzz.cal");
    fclose(f);
    if (rc != QEV_OK) {
        FUZZ_CHECK(qev_calib_error(c)[0] != '\0', "a refusal without a reason");
        qev_calib_free(c);
        return NULL;
    }
    return c;
}

static char *text_of(const qev_calib *c, size_t *len)
{
    char *s = NULL;
    FILE *f = open_memstream(&s, len);
    FUZZ_CHECK(f != NULL, "open_memstream failed");
    FUZZ_CHECK(qev_calib_write(c, f) == QEV_OK, "a calibration that read does not write");
    FUZZ_CHECK(fclose(f) == 0, "fclose failed");
    return s;
}

struct channels {
    unsigned ch[MAX_CHANNELS];
    size_t n;
};

static void note_channel(struct channels *cs, unsigned ch)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->ch[i] == ch)
            return;
    if (cs->n < MAX_CHANNELS)
        cs->ch[cs->n++] = ch;
}

/* A clock as qcal apply sets it: recorded time = reference time + delay. */
static void add_clock(qcal_shift *s, const qev_calib *c, unsigned ch)
{
    qev_calib_clock k;
    if (qev_calib_get_clock(c, ch, &k) != QEV_OK)
        return;
    FUZZ_CHECK(k.n >= 2, "a clock of %zu knots", k.n);
    for (size_t i = 1; i < k.n; i++)
        FUZZ_CHECK(k.time[i] > k.time[i - 1], "clock.%u: knot %zu at %lld after %lld", ch, i,
                   (long long)k.time[i], (long long)k.time[i - 1]);
    int64_t *rec = malloc(k.n * sizeof *rec);
    FUZZ_CHECK(rec != NULL, "out of memory");
    int usable = 1;
    for (size_t i = 0; i < k.n && usable; i++) {
        usable = isfinite(k.delay[i]) && fabs(k.delay[i]) < 0x1p62;
        if (usable)
            usable = !__builtin_add_overflow(k.time[i], (int64_t)llround(k.delay[i]), &rec[i]);
    }
    if (usable)
        qcal_shift_set_clock(s, (uint16_t)ch, rec, k.time, k.n);
    free(rec);
    qev_calib_clock_free(&k);
}

static void add_entry(qcal_shift *s, const qev_calib *c, size_t i, struct channels *cs)
{
    const char *key = qev_calib_key(c, i), *value = qev_calib_value(c, i);
    unsigned ch, to, x, y;
    char tail;
    qev_calib_num num;
    qev_calib_number(c, key, &num);
    char section[64];
    qev_calib_section(key, section, sizeof section);
    if (qev_calib_key_channel(key, "rename", &ch)) {
        if (sscanf(value, "%u%c", &to, &tail) == 1 && to <= 65535)
            qcal_shift_rename(s, (uint16_t)ch, (uint16_t)to);
        note_channel(cs, ch);
    } else if (sscanf(key, "clock.%u.%c", &ch, &tail) == 2 && ch <= 65535) {
        add_clock(s, c, ch);
        note_channel(cs, ch);
    } else if ((strncmp(key, "hot.", 4) == 0 || strncmp(key, "mask.", 5) == 0) &&
               sscanf(key, "%*[a-z].%u.%u.%u%c", &ch, &x, &y, &tail) == 3 && ch <= 65535 &&
               x <= 65535 && y <= 65535) {
        qcal_shift_mask_pixel(s, (uint16_t)ch, qev_pixel_aux((uint16_t)x, (uint16_t)y));
        note_channel(cs, ch);
    }
}

/* Takes the events ready (valid until the next add or finish) and checks
 * that they continue the time order. */
static void drain(qcal_shift *s, size_t *got, int64_t *last)
{
    const qev_event *out;
    size_t m = qcal_shift_ready(s, &out);
    for (size_t i = 0; i < m; i++) {
        FUZZ_CHECK(out[i].t >= *last, "event %zu out at %lld after %lld", *got + i,
                   (long long)out[i].t, (long long)*last);
        *last = out[i].t;
    }
    *got += m;
}

/* Builds the corrections as qcal apply does, passes events through them and
 * checks their order and number. */
static void apply(const qev_calib *c)
{
    static int64_t delay[65536];
    static uint8_t set[65536];
    qcal_shift *s = qcal_shift_new();
    FUZZ_CHECK(s != NULL, "out of memory");
    struct channels cs = {{0}, 1};
    if (qev_calib_delays((qev_calib *)c, delay, set) >= 0)
        for (unsigned ch = 0; ch < 65536; ch++)
            if (set[ch]) {
                qcal_shift_set_delay(s, (uint16_t)ch, delay[ch]);
                note_channel(&cs, ch);
            }
    for (size_t i = 0; i < qev_calib_count(c); i++)
        add_entry(s, c, i, &cs);
    size_t n = 0;
    qev_event ev[10 * MAX_CHANNELS];
    for (int k = 0; k < 10; k++)
        for (size_t i = 0; i < cs.n; i++)
            ev[n++] = (qev_event){(int64_t)k * 1000000000, (uint16_t)cs.ch[i], QEV_PHOTON,
                                  QEV_F_PIXEL, qev_pixel_aux((uint16_t)k, (uint16_t)i)};
    size_t got = 0;
    int64_t last = INT64_MIN;
    FUZZ_CHECK(qcal_shift_add(s, ev, n) == QEV_OK, "events in time order refused");
    drain(s, &got, &last);
    FUZZ_CHECK(qcal_shift_finish(s) == QEV_OK, "finish failed");
    drain(s, &got, &last);
    FUZZ_CHECK(got + qcal_shift_masked(s) == n, "%zu events in, %zu out and %llu masked", n,
               got, (unsigned long long)qcal_shift_masked(s));
    qcal_shift_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qev_calib *c = read_text((const char *)data, size);
    if (!c)
        return 0;
    size_t len1, len2;
    char *t1 = text_of(c, &len1);
    qev_calib *c2 = read_text(t1, len1);
    FUZZ_CHECK(c2 != NULL, "the written form does not read back");
    char *t2 = text_of(c2, &len2);
    FUZZ_CHECK(len1 == len2 && memcmp(t1, t2, len1) == 0,
               "the written form changes on a second round trip");
    uint64_t fp = qev_calib_fingerprint(c);
    FUZZ_CHECK(qev_calib_fingerprint(c2) == fp, "the fingerprint changes on a round trip");
    apply(c);
    FUZZ_CHECK(qev_calib_merge(c2, c) == QEV_OK, "a calibration does not merge with its copy");
    qev_meta *m = qev_meta_new();
    int any = 0;
    FUZZ_CHECK(m && qev_calib_mark_applied(m, fp) == QEV_OK && qev_calib_applied(m, fp, &any) &&
                   any,
               "a calibration marked applied is not recognised");
    qev_meta_free(m);
    free(t1);
    free(t2);
    qev_calib_free(c2);
    qev_calib_free(c);
    return 0;
}
