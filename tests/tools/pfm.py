"""Grey PFM images for the tests' python references, from the format's
definition: a "Pf" header, width and height, a scale whose sign gives the
byte order, then float32 rows from the bottom up."""
import re

import numpy as np


def read_pfm(path):
    """A grey PFM as a 2-D float64 array, top row first."""
    d = open(path, "rb").read()
    m = re.match(rb"Pf\s+(\d+)\s+(\d+)\s+(\S+)\s", d)
    w, h, scale = int(m.group(1)), int(m.group(2)), float(m.group(3))
    a = np.frombuffer(d[m.end():], dtype="<f4" if scale < 0 else ">f4", count=w * h)
    return a.reshape(h, w)[::-1].astype(np.float64)


def write_pfm(path, a):
    """A 2-D array, top row first, as a little-endian grey PFM."""
    with open(path, "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (a.shape[1], a.shape[0]))
        f.write(np.ascontiguousarray(a[::-1], dtype="<f4").tobytes())
