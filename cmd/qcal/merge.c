/* qcal merge: one calibration from several, a later section replacing an
 * earlier one (qev_calib_merge). */
#include "cli.h"
#include "qcal.h"

static const char help[] =
    "qcal merge: one calibration from several; a section (delay, clock.CH, dark,\n"
    "deadtime, efficiency, flat.CH, hot.CH, ...) of a later file replaces it.\n";

/* The inputs' sections and provenance in turn, then this command's line:
 * provenance reads oldest first, as in a QEV header. */
static void run(const struct opts *o, char **paths, int n)
{
    if (n == 0)
        cli_usage_error("qcal merge needs calibration files");
    qev_calib *sum = qev_calib_new();
    if (!sum)
        cli_die(NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        qev_calib *c = load_calibration(paths[i]);
        if (qev_calib_merge(sum, c) != QEV_OK)
            cli_die(paths[i], "%s", qev_calib_error(sum));
        qev_calib_free(c);
    }
    qev_calib *mine = new_calibration();
    for (size_t i = 0; i < qev_calib_provenance_count(mine); i++)
        check_calib(sum, qev_calib_add_provenance(sum, qev_calib_provenance(mine, i)));
    check_calib(sum, qev_calib_set(sum, "created", qev_calib_get(mine, "created")));
    write_calibration(o, sum);
    qev_calib_free(mine);
    qev_calib_free(sum);
}

const struct qcal_command merge_command = {"merge", help, NULL, run};
