/* What every vendor-format reader shares: its state, errors, record counting,
 * truncation and unknown records. Apart from tagread.c, so that the readers
 * call down into this file and only the format table calls the readers. */
#include "tagread_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int qtag_fail(qtag_reader *r, int status, const char *fmt, ...)
{
    if (r->err.status != QEV_OK)
        return r->err.status;
    char msg[sizeof r->err.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return qev_error_set(&r->err, status, qev_input_offset(&r->in), "%s", msg);
}

void *qtag_state_new(qtag_reader *r, size_t size)
{
    void *s = calloc(1, size);
    if (!s)
        qtag_fail(r, QEV_ENOMEM, "out of memory");
    r->state = s;
    return s;
}

size_t qtag_records_available(qtag_reader *r, size_t record_size, size_t max)
{
    size_t bytes = qev_input_ensure(&r->in, record_size * max);
    size_t whole = bytes / record_size;
    if (whole == 0 && r->in.eof)
        r->counts.trailing_bytes = bytes;
    return whole < max ? whole : max;
}

long qtag_records_or_end(qtag_reader *r, size_t record_size, size_t cap, size_t *avail)
{
    *avail = qtag_records_available(r, record_size, cap);
    if (*avail)
        return 0;
    return r->err.status ? r->err.status : qtag_records_end(r);
}

long qtag_records_end(qtag_reader *r)
{
    qtag_counts *c = &r->counts;
    int short_count = c->expected_records && c->records < c->expected_records;
    if (!short_count && !c->trailing_bytes)
        return QEV_END;
    c->truncated = 1;
    if (r->opts.allow_truncated)
        return QEV_END;
    if (short_count)
        return qtag_fail(r, QEV_ETRUNC,
                         "truncated: %" PRIu64 " records of the %" PRIu64
                         " the header promises%s",
                         c->records, c->expected_records,
                         c->trailing_bytes ? ", and a partial record" : "");
    return qtag_fail(r, QEV_ETRUNC,
                     "truncated: a partial record of %" PRIu64 " bytes after %" PRIu64 " records",
                     c->trailing_bytes, c->records);
}

int qtag_unknown_record(qtag_reader *r, uint32_t record)
{
    r->counts.unknown++;
    if (r->opts.strict)
        return qtag_fail(r, QEV_ECORRUPT,
                         "record %" PRIu64 " (0x%08x) cannot be interpreted (--strict)",
                         r->counts.records, record);
    return QEV_OK;
}
