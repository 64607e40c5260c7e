/* qrecon patterns: the measurement sequence a device shows, as frames. */
#include "qrecon.h"

#include "cli.h"
#include "recon_io.h"

#include <string.h>

void qrecon_patterns(struct qrecon_opts *o)
{
    if (!o->has_size)
        cli_usage_error("qrecon patterns needs --size");
    enum qev_pattern_file f = QEV_PATTERN_FILE_PGM;
    if (o->format && strcmp(o->format, "raw") == 0)
        f = QEV_PATTERN_FILE_RAW;
    else if (o->format && strcmp(o->format, "pgm") != 0)
        cli_usage_error("--format: qrecon patterns writes pgm or raw, not '%s'", o->format);
    qev_pattern_spec s = qrecon_resolve_spec(o, NULL, "patterns");
    if (s.kind == QEV_PATTERNS_FILE)
        cli_usage_error("--patterns: qrecon patterns generates hadamard or random patterns");
    qev_recon_op *op;
    char why[256], spec[128];
    if (qev_pattern_op(&s, &op, why, sizeof why) != QEV_OK)
        cli_usage_error("%s", why);
    FILE *out = cli_output_stream(o->output, 1);
    if (qev_patterns_write(out, op, 0, qev_op_rows(op), f, why, sizeof why) != QEV_OK)
        cli_die(o->output ? o->output : "stdout", "%s", why);
    if (!o->quiet)
        fprintf(stderr, "qrecon patterns: %zu frames of %ux%u, %s\n", qev_op_rows(op), s.width,
                s.height, qrecon_spec_text(&s, spec, sizeof spec));
    qev_op_free(op);
}
