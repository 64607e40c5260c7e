/* The library's version at run time, for programs built against an older header. */
#include "qev.h"

const char *qev_version(void) { return QPIPE_VERSION; }
