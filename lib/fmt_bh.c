/* Placeholder until the spc reader lands: refuses with a clear message. */
#include "tagread_int.h"

static int pending_open(qtag_reader *r)
{
    return qtag_fail(r, QEV_EINVAL, "the spc reader is not in this build yet");
}

static long pending_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    (void)out;
    (void)cap;
    return qtag_fail(r, QEV_EINVAL, "the spc reader is not in this build yet");
}

const struct qtag_format qtag_fmt_spc = {
    "spc", "(pending)", "", NULL, pending_open, pending_decode, NULL,
};
