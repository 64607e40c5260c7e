/* The corrections a calibration holds, set on a qcal_shift (qcal apply):
 * delay.CH, clock.CH (a clock wins over a delay), rename.CH, and the pixels
 * hot.CH.X.Y and mask.CH.X.Y, which are masked. */
#ifndef QCAL_CALIB_APPLY_H
#define QCAL_CALIB_APPLY_H

#include <stddef.h>

#include "calib.h"
#include "qcal_shift.h"

typedef struct qcal_corrections {
    size_t delays, clocks, renames, masks;
} qcal_corrections;

/* QEV_EFORMAT with the reason in why for an entry that is not what its key
 * says, QEV_ENOMEM. */
int qcal_shift_from_calib(qcal_shift *s, qev_calib *c, qcal_corrections *n, char *why,
                          size_t cap);

#endif
