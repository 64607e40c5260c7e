/* Placeholder until the raw readers land: refuses with a clear message. */
#include "tagread_int.h"

static int pending_open(qtag_reader *r)
{
    return qtag_fail(r, QEV_EINVAL, "the raw readers are not in this build yet");
}

static long pending_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    (void)out;
    (void)cap;
    return qtag_fail(r, QEV_EINVAL, "the raw readers are not in this build yet");
}

const struct qtag_format qtag_fmt_raw = {
    "raw", "(pending)", "", NULL, pending_open, pending_decode, NULL,
};
const struct qtag_format qtag_fmt_raw16 = {
    "raw16", "(pending)", "", NULL, pending_open, pending_decode, NULL,
};
