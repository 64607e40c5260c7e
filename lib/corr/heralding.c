/* Klyshko's heralding efficiency and its binomial sigma (heralding.h). */
#include "heralding.h"

#include <math.h>

qev_efficiency qev_klyshko(const qev_herald_counts *k)
{
    double T = k->duration_s, dark = k->dark_rate * T, net = k->heralds - dark;
    double eta = net > 0 ? (k->coincidences - k->accidentals) / net : NAN;
    double var = net * eta * (1 - eta) + k->accidentals +
                 k->sigma_accidentals * k->sigma_accidentals +
                 eta * eta * (dark + k->sigma_dark_rate * k->sigma_dark_rate * T * T);
    qev_efficiency e = {eta, net > 0 ? sqrt(fmax(var, 0)) / net : NAN};
    return e;
}
