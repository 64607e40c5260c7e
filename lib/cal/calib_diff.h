/* How the entries of a calibration changed from an older one (qcal diff). */
#ifndef QEV_CALIB_DIFF_H
#define QEV_CALIB_DIFF_H

#include "calib.h"

typedef struct qev_calib_change {
    const char *key, *old_text, *new_text; /* NULL where the key is absent */
    int numeric;                 /* both numbers of one dimension */
    enum qev_calib_dim dim;
    double change;  /* new - old */
    double per_day; /* over the days between the two measurements of its section */
    double sigmas;  /* |change| / sqrt(s_old^2 + s_new^2), when both have a sigma */
} qev_calib_change;

/* The change of key from a to b; what is unknown is NAN. A section's time
 * is its SECTION.measured entry, else the file's created. */
void qev_calib_compare(const qev_calib *a, const qev_calib *b, const char *key,
                       qev_calib_change *out);
/* Whether a key records only when or from what its section was measured
 * (created, *.measured, *.source), not a parameter. */
int qev_calib_bookkeeping(const char *key);

#endif
