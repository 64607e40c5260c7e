/* Count rates and dark pixels (dark.h). */
#include "dark.h"
#include "qcal_fit.h"

#include <math.h>

qcal_rate qcal_count_rate(double n, double seconds)
{
    qcal_rate r = {n / seconds, sqrt(fmax(n, 1)) / seconds};
    return r;
}

double qcal_rate_counts(qcal_rate r, double seconds, double *var)
{
    double s = r.sigma * seconds;
    *var = s * s;
    return r.rate * seconds;
}

void qcal_dark_pixels_measure(const double *counts, size_t n, double seconds, double z,
                              qcal_dark_pixels *out)
{
    double cold = 0;
    out->pixels = n;
    out->hot = 0;
    out->threshold = qcal_hot_threshold(counts, n, z, &out->median);
    out->median_rate = qcal_count_rate(out->median, seconds);
    for (size_t i = 0; i < n; i++)
        if (counts[i] > out->threshold)
            out->hot++;
        else
            cold += counts[i];
    out->without_hot = qcal_count_rate(cold, seconds);
}
