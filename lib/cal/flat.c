/* The flat field of an array (flat.h). */
#include "flat.h"
#include "qev.h"

#include <math.h>

int qcal_flat_field(const double *counts, const double *dark, const double *dark_var, size_t n,
                    double *eff, double *sigma, double *mean)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += counts[i] - dark[i];
    double m = sum / (double)n;
    *mean = m;
    if (!(m > 0))
        return QEV_EINVAL;
    for (size_t i = 0; i < n; i++) {
        eff[i] = (counts[i] - dark[i]) / m;
        sigma[i] = sqrt(counts[i] + dark_var[i]) / m;
    }
    return QEV_OK;
}
