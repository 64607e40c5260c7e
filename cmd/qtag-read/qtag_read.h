/* qtag-read: what its files share. */
#ifndef QTAG_READ_H
#define QTAG_READ_H

#include "sink.h"
#include "tagread.h"

struct read_opts {
    qtag_opts tag;
    int merge, info, level;
    const char *output;
};

/* Events read from a file at a time. */
enum { QTAG_READ_CHUNK = 65536 };

void qtag_read_parse_args(int argc, char **argv, struct read_opts *o);

qtag_reader *qtag_read_open(const char *path, const qtag_opts *opts);
void qtag_read_print_info(const char *path, const qtag_opts *opts);
qev_meta *qtag_read_segment_meta(qtag_reader *r, const char *path);
/* Warns about what a file held that is not an event, counts its records for
 * --tally, and returns its closing metadata. */
qev_meta *qtag_read_finish_file(qtag_reader *r, const char *path);
void qtag_read_convert(const char *path, const qtag_opts *opts, struct sink *s, qev_event *buf);
void qtag_read_merge(char **paths, int n, const qtag_opts *opts, struct sink *s);
/* Checks that every record of the files is an event written or a reason. */
void qtag_read_tally(const struct sink *s);

#endif
