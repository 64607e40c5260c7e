/* Placeholder until the phdf5 reader lands: refuses with a clear message. */
#include "tagread_int.h"

static int pending_open(qtag_reader *r)
{
    return qtag_fail(r, QEV_EINVAL, "the phdf5 reader is not in this build yet");
}

static long pending_decode(qtag_reader *r, qev_event *out, size_t cap)
{
    (void)out;
    (void)cap;
    return qtag_fail(r, QEV_EINVAL, "the phdf5 reader is not in this build yet");
}

const struct qtag_format qtag_fmt_phdf5 = {
    "phdf5", "(pending)", "", NULL, pending_open, pending_decode, NULL,
};
