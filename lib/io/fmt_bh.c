/* Becker & Hickl SPC FIFO files (.spc) of the SPC-130/140/150/160 family, and
 * the SPC-830/180 that share its layout: a 32-bit header word, then 32-bit
 * records (docs/formats.md section 2.4).
 *
 * Record bits: 31 INVALID, 30 MTOV, 29 GAP, 28 MARK, 27-16 ADC, 15-12 ROUT,
 * 11-0 MT. The macro-time counts the clock the header gives (in 0.1 ns) and
 * wraps every 4096 ticks. Marker records carry INVALID as well as MARK, and
 * may carry a single MTOV like a photon (libtcspc's bh_spc.hpp, after the bh
 * TCSPC Handbook), so MARK is tested before INVALID+MTOV is taken for a
 * multiple-overflow record.
 *
 * The SPC-600/630 records are not read: docs/formats.md 2.4 does not give their flag
 * bits, and its macro-time split does not add up. */
#include "tagread_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SPC_INVALID (1u << 31)
#define SPC_MTOV (1u << 30)
#define SPC_GAP (1u << 29)
#define SPC_MARK (1u << 28)
#define SPC_WRAP 4096u
#define SPC_MULTI_COUNT 0x0FFFFFFFu
#define SPC_HEADER_FLAG (1u << 31)
#define SPC_CLOCK_MASK 0x00FFFFFFu
#define SET_FILE_MAX (1u << 20) /* .set files are a few kB; read no more than this */

struct spc_state {
    uint64_t macro_base; /* macro-time of the last wrap, in clock ticks */
    uint64_t max_macro;  /* the largest macro-time whose ps still fit an int64 */
    int64_t unit_ps;     /* one macro-time tick */
    uint64_t gaps;       /* records whose GAP flag says the FIFO overflowed */
};

/* ---- records ---- */

/* Returns 1 when the record made an event, 0 when not, -1 when the macro-time
 * runs past what int64 picoseconds hold. */
static int spc_record(struct spc_state *s, qtag_counts *c, uint32_t rec, qev_event *e)
{
    s->gaps += (rec & SPC_GAP) != 0;
    if ((rec & (SPC_INVALID | SPC_MTOV | SPC_MARK)) == (SPC_INVALID | SPC_MTOV)) {
        uint32_t n = rec & SPC_MULTI_COUNT;
        s->macro_base += (uint64_t)n * SPC_WRAP;
        c->overflows += n;
        c->overflow_records++;
        return s->macro_base > s->max_macro ? -1 : 0;
    }
    if (rec & SPC_MTOV) {
        s->macro_base += SPC_WRAP;
        c->overflows++;
    }
    uint64_t macro = s->macro_base + (rec & 0xFFF);
    if (macro > s->max_macro)
        return -1;
    int64_t t = (int64_t)macro * s->unit_ps;
    uint32_t rout = (rec >> 12) & 0xF;
    if (rec & SPC_MARK) {
        *e = (qev_event){t, 0, QEV_MARKER, QEV_F_VALUE, rout};
        c->markers++;
        return 1;
    }
    if (rec & SPC_INVALID) {
        c->invalid++;
        return 0;
    }
    uint32_t adc = (rec >> 16) & 0xFFF;
    *e = (qev_event){t, (uint16_t)(rout + 1), QEV_PHOTON, QEV_F_MICRO, 4095 - adc};
    c->photons++;
    return 1;
}

/* GAP records mean the card lost data: their count closes the segment. */
static void spc_describe(const qtag_reader *r, qev_meta *closing)
{
    const struct spc_state *s = r->state;
    qev_meta_setf(closing, "spc.gap_records", "%" PRIu64, s->gaps);
}

static long spc_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    struct spc_state *s = r->state;
    size_t avail;
    long end = qtag_records_or_end(r, 4, cap, &avail);
    if (!avail)
        return end;
    const uint8_t *p = qev_input_data(&r->in);
    size_t n = 0;
    for (size_t i = 0; i < avail; i++) {
        int made = spc_record(s, &r->counts, rd32(p + 4 * i), &out[n]);
        if (made < 0)
            return qtag_fail(r, QEV_ECORRUPT,
                             "record %" PRIu64 ": the macro-time passes the largest time "
                             "int64 picoseconds hold (%" PRId64 " ps per tick)",
                             r->counts.records + 1, s->unit_ps);
        r->counts.records++;
        n += (size_t)made;
    }
    qev_input_consume(&r->in, avail * 4);
    return (long)n;
}

static void free_state(void *state) { free(state); }

/* ---- the .set file beside the .spc ---- */

/* The value of a "#SP [NAME,T,VALUE]" parameter line, or NaN. */
static double set_parameter(const char *text, size_t len, const char *name)
{
    char pattern[40];
    snprintf(pattern, sizeof pattern, "[%s,", name);
    const char *at = memmem(text, len, pattern, strlen(pattern));
    if (!at)
        return NAN;
    const char *end = text + len, *p = at + strlen(pattern);
    const char *comma = memchr(p, ',', (size_t)(end - p));
    if (!comma || comma - p > 2)
        return NAN;
    char value[64];
    size_t k = 0;
    for (p = comma + 1; p < end && *p != ']' && k + 1 < sizeof value; p++)
        value[k++] = *p;
    value[k] = '\0';
    if (p == end || *p != ']')
        return NAN;
    char *stop;
    double v = strtod(value, &stop);
    return stop != value && *stop == '\0' ? v : NAN;
}

/* The path of the .set file that shares the .spc's basename, trying the
 * extension's case first. */
static int set_file_path(const char *spc, int upper, char *out, size_t cap)
{
    const char *dot = strrchr(spc, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    int n = snprintf(out, cap, "%.*s%s", (int)(dot - spc), spc, upper ? ".SET" : ".set");
    return n > 0 && (size_t)n < cap;
}

static char *read_set_file(const char *spc, char *path, size_t path_cap, size_t *len)
{
    int upper = strrchr(spc, '.') && strcmp(strrchr(spc, '.'), ".SPC") == 0;
    for (int i = 0; i < 2; i++) {
        if (!set_file_path(spc, upper ^ i, path, path_cap))
            return NULL;
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *text = malloc(SET_FILE_MAX);
        *len = text ? fread(text, 1, SET_FILE_MAX, f) : 0;
        fclose(f);
        return text;
    }
    return NULL;
}

/* The TCSPC micro-time unit, from the TAC range and gain and the ADC
 * resolution (tttrlib's formula), when a .set file gives them. */
static void spc_set_file(qtag_reader *r)
{
    if (strcmp(r->name, "-") == 0)
        return;
    char path[4096];
    size_t len = 0;
    char *text = read_set_file(r->name, path, sizeof path, &len);
    if (!text)
        return;
    double tac_r = set_parameter(text, len, "SP_TAC_R");
    double tac_g = set_parameter(text, len, "SP_TAC_G");
    double adc_re = set_parameter(text, len, "SP_ADC_RE");
    free(text);
    qev_meta_set(r->meta, "spc.set_file", path);
    if (isfinite(tac_r))
        qev_meta_setf(r->meta, "spc.SP_TAC_R", "%.17g", tac_r);
    if (isfinite(tac_g))
        qev_meta_setf(r->meta, "spc.SP_TAC_G", "%.17g", tac_g);
    if (isfinite(adc_re))
        qev_meta_setf(r->meta, "spc.SP_ADC_RE", "%.17g", adc_re);
    double unit_ps = tac_r / (tac_g * adc_re) * 1e12;
    if (tac_r > 0 && tac_g > 0 && adc_re > 0 && isfinite(unit_ps) && unit_ps > 0) {
        qev_meta_setf(r->meta, "microtime_unit_ps", "%.17g", unit_ps);
        qev_meta_set(r->meta, "microtime_unit_rule",
                     "SP_TAC_R / (SP_TAC_G * SP_ADC_RE), from the .set file");
    }
}

/* ---- the header word ---- */

static void spc_rules(qtag_reader *r)
{
    qev_meta_set(r->meta, "record_type", "B&H SPC-130/140/150/160/830/180 FIFO, 32-bit records");
    qev_meta_set(r->meta, "fields", "micro,value");
    qev_meta_set(r->meta, "time_rule",
                 "t = macrotime * resolution_ps; macrotime = MT + 4096 * overflows (MTOV adds 1, "
                 "an INVALID+MTOV record adds its count, bits 27-0); micro = 4095 - ADC");
    qev_meta_set(r->meta, "channel_rule",
                 "routing signals r (ROUT, 0-based in the record) are channel r+1; the "
                 "original ROUT is channel - 1");
    qev_meta_set(r->meta, "marker_rule",
                 "MARK records: kind marker on channel 0, value = ROUT (the marker bits)");
    qev_meta_set(r->meta, "invalid_rule",
                 "INVALID records (without MTOV or MARK) carry no event: source_invalid_records");
    qev_meta_set(r->meta, "gap_rule",
                 "GAP flag: the FIFO overflowed and photons were lost before that record; "
                 "spc.gap_records counts them");
}

static int spc_open(qtag_reader *r)
{
    size_t got = qev_input_ensure(&r->in, 4);
    if (got < 4) {
        if (r->err.status)
            return r->err.status;
        return got == 0 ? qtag_fail(r, QEV_EFORMAT, "empty file")
                        : qtag_fail(r, QEV_ETRUNC, "truncated: the 4-byte SPC header word is cut "
                                                   "short (%zu bytes)", got);
    }
    uint32_t head = rd32(qev_input_data(&r->in));
    if (!(head & SPC_HEADER_FLAG))
        return qtag_fail(r, QEV_EFORMAT, "not an SPC FIFO file: the first word 0x%08" PRIx32
                                         " lacks the header flag (bit 31)", head);
    uint32_t clock = head & SPC_CLOCK_MASK;
    if (clock == 0)
        return qtag_fail(r, QEV_EFORMAT, "the SPC header word 0x%08" PRIx32
                                         " gives a macro-time clock of 0", head);
    qev_input_consume(&r->in, 4);
    struct spc_state *s = qtag_state_new(r, sizeof *s);
    if (!s)
        return r->err.status;
    s->unit_ps = (int64_t)clock * 100;
    s->max_macro = (uint64_t)(INT64_MAX / s->unit_ps);
    qev_meta_setf(r->meta, "spc.header", "0x%08" PRIx32, head);
    qev_meta_setf(r->meta, "spc.macrotime_clock_0.1ns", "%" PRIu32, clock);
    qev_meta_setf(r->meta, "spc.routing_bits", "%" PRIu32, (head >> 27) & 0xF);
    qev_meta_setf(r->meta, "spc.raw", "%" PRIu32, (head >> 26) & 1);
    qev_meta_setf(r->meta, "spc.markers_enabled", "%" PRIu32, (head >> 25) & 1);
    qev_meta_setf(r->meta, "resolution_ps", "%" PRId64, s->unit_ps);
    spc_rules(r);
    spc_set_file(r);
    return QEV_OK;
}

const struct qtag_format qtag_fmt_spc = {
    "spc", "Becker & Hickl SPC-130/140/150/160/830/180 FIFO (.spc, with its .set)", ".spc",
    NULL, spc_open, spc_decode, free_state, spc_describe,
};
