/* Klyshko's heralding efficiency of one arm of a pair source, with the
 * background subtracted (docs/conventions.md section 2.6): qcorr stats and qcal efficiency.
 *
 *     eta = (C - A) / (N - D T)
 *
 * C coincidences in the window, A the accidentals expected in it (an
 * estimate with sd s_A), N the singles of the heralding arm over T seconds
 * and D its dark count rate (an estimate with sd s_D), whose clicks herald
 * no partner.
 *
 * The sigma model. Of the N' = N - D T true heralds, each partner is seen
 * with probability eta, independently: the true coincidences are binomial,
 * variance N' eta (1 - eta). The accidentals in the window are Poisson,
 * variance A, and the estimate subtracted adds s_A^2. The dark clicks in N
 * are Poisson about D T, and D itself is known to s_D, so the denominator
 * errs by a variance D T + (s_D T)^2, which moves eta by eta / N' per count.
 * To first order
 *
 *     var(eta) = [N' eta (1 - eta) + A + s_A^2 + eta^2 (D T + (s_D T)^2)] / N'^2
 *
 * (clamped at 0 when noise puts eta outside [0, 1]). Treating C as Poisson,
 * sqrt(C + s_A^2) / N', overstates the spread of the true coincidences by a
 * factor 1 / (1 - eta), since given the heralds they are binomial, and
 * leaves out the dark clicks in N. */
#ifndef QEV_HERALDING_H
#define QEV_HERALDING_H

typedef struct qev_herald_counts {
    double coincidences;                   /* C */
    double accidentals, sigma_accidentals; /* A, s_A */
    double heralds;                        /* N: singles of the heralding arm */
    double dark_rate, sigma_dark_rate;     /* D, s_D: Hz */
    double duration_s;                     /* T */
} qev_herald_counts;

typedef struct qev_efficiency {
    double eta, sigma; /* NAN when no heralds remain above the dark counts */
} qev_efficiency;

qev_efficiency qev_klyshko(const qev_herald_counts *k);

#endif
