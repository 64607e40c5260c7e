#!/usr/bin/python3
"""Makes the qssim test images and their expected scores (see README).

Run from the top of the tree:  /usr/bin/python3 testdata/ssim/make.py
It needs Debian's python3-skimage, python3-pil and ffmpeg, and, for the
matlab and msssim rows, GNU Octave with octave-image (testdata/ssim/matlab_ref.m).
The images are deterministic (fixed seeds); the expected values come from the
references, never from qssim.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
rows = []


# ---- writers (formats as their specifications give them) ----

def path(name):
    return os.path.join(HERE, name)


def write_pgm(name, a, maxval=255):
    h, w = a.shape
    data = a.astype('>u2' if maxval > 255 else 'u1').tobytes()
    with open(path(name), 'wb') as f:
        f.write(b'P5\n# qssim test image\n%d %d\n%d\n' % (w, h, maxval) + data)


def write_pgm_plain(name, a, maxval=255):
    h, w = a.shape
    lines = [' '.join(str(int(v)) for v in row) for row in a]
    with open(path(name), 'w') as f:
        f.write('P2\n%d %d\n%d\n' % (w, h, maxval) + '\n'.join(lines) + '\n')


def write_ppm(name, rgb):
    h, w, _ = rgb.shape
    with open(path(name), 'wb') as f:
        f.write(b'P6\n%d %d\n255\n' % (w, h) + rgb.astype('u1').tobytes())


def write_pfm(name, a, big_endian=False):
    """Grey PFM: rows bottom to top; a negative scale means little-endian."""
    h, w = a.shape
    dt = '>f4' if big_endian else '<f4'
    with open(path(name), 'wb') as f:
        f.write(b'Pf\n%d %d\n%s\n' % (w, h, b'1.0' if big_endian else b'-1.0'))
        f.write(a[::-1].astype(dt).tobytes())


def write_png(name, a, bits=8):
    if bits == 16:
        Image.fromarray(a.astype(np.uint16)).save(path(name))
    else:
        Image.fromarray(a.astype(np.uint8)).save(path(name))


# ---- images ----

def scene(h, w, seed, texture=0.08):
    """A smooth test scene in 0..1: gradients, disks and a texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(float)
    img = 0.25 + 0.35 * x / w + 0.15 * y / h
    for _ in range(5):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(3, max(4, min(h, w) / 3))
        img += rng.uniform(-0.3, 0.3) * (((y - cy) ** 2 + (x - cx) ** 2) < r * r)
    img += texture * np.sin(x / 2.3) * np.cos(y / 3.1)
    return np.clip(img, 0, 1)


def blur(a, sigma):
    from scipy.ndimage import gaussian_filter
    return gaussian_filter(a.astype(float), sigma, mode='nearest')


def quantise(a, maxval):
    return np.clip(np.rint(a * maxval), 0, maxval).astype(np.int64)


def noisy(a, sigma, seed, maxval):
    rng = np.random.default_rng(seed)
    return np.clip(np.rint(a + rng.normal(0, sigma, a.shape)), 0, maxval).astype(np.int64)


def jpeg(a8, quality):
    with tempfile.NamedTemporaryFile(suffix='.jpg') as t:
        Image.fromarray(a8.astype(np.uint8)).save(t.name, quality=quality)
        return np.asarray(Image.open(t.name).convert('L')).astype(np.int64)


# ---- references ----

def wang(a, b, L):
    return structural_similarity(a.astype(float), b.astype(float), gaussian_weights=True,
                                 sigma=1.5, use_sample_covariance=False, data_range=L)


def skimage_default(a, b, L):
    return structural_similarity(a.astype(float), b.astype(float), data_range=L)


def errors(a, b, L):
    a, b = a.astype(float), b.astype(float)
    mse = mean_squared_error(b, a)
    psnr = peak_signal_noise_ratio(b, a, data_range=L) if mse > 0 else float('inf')
    return psnr, mse, float(np.mean(np.abs(a - b)))


def ffmpeg_ssim(img, ref):
    """ffmpeg's ssim filter, C code path; SSIM recovered from its dB figure,
    which carries more digits than the 6 printed decimals."""
    out = subprocess.run(['ffmpeg', '-hide_banner', '-nostats', '-cpuflags', '0', '-i', img,
                          '-i', ref, '-lavfi', 'ssim=stats_file=-', '-f', 'null', '-'],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r'All:([0-9.]+) \(([0-9.]+|inf)\)', out)
    if m.group(2) == 'inf':
        return 1.0
    return 1 - 10 ** (-float(m.group(2)) / 10)


def add(name, variant, opts, img, ref, ssim, err, tol, source):
    psnr, mse, mae = err if err else ('-', '-', '-')
    fmt = lambda v: v if isinstance(v, str) else ('inf' if v == float('inf') else repr(float(v)))
    rows.append('\t'.join([name, variant, opts or '-', img, ref, fmt(ssim), fmt(psnr), fmt(mse),
                           fmt(mae), repr(tol), source]))


def score_pair(name, img, ref, a, b, L, opts='', ffmpeg_files=None, variants=('wang', 'skimage')):
    err = errors(a, b, L)
    if 'wang' in variants:
        add(name, 'wang', opts, img, ref, wang(a, b, L), err, 1e-9, 'skimage')
    if 'skimage' in variants:
        add(name, 'skimage', opts, img, ref, skimage_default(a, b, L), err, 1e-9, 'skimage')
    if ffmpeg_files:
        s = ffmpeg_ssim(*[path(f) for f in ffmpeg_files])
        add(name, 'ffmpeg', opts, img, ref, s, None, 1e-7, 'ffmpeg -cpuflags 0')


def octave_rows(pairs):
    """matlab (ssim.m) and msssim (msssim.m) from GNU Octave, via matlab_ref.m."""
    args = []
    for name, img, ref, L in pairs:
        args += [path(img), path(ref), str(L)]
    out = subprocess.run(['octave-cli', '-q', '--no-gui', path('matlab_ref.m')] + args,
                         capture_output=True, text=True, check=True).stdout.split()
    for i, (name, img, ref, L) in enumerate(pairs):
        f, ssim, ms = out[3 * i:3 * i + 3]
        a = np.asarray(Image.open(path(img))).astype(float)
        b = np.asarray(Image.open(path(ref))).astype(float)
        err = errors(a, b, L)
        add(name, 'matlab', '', img, ref, float(ssim), err, 1e-9, 'octave ssim.m f=' + f)
        add(name, 'msssim', '', img, ref, float(ms), err, 1e-9, 'octave msssim.m')


def main():
    os.chdir(HERE)
    tmp = tempfile.mkdtemp()

    # 8-bit: noise, blur, JPEG, an odd size in plain PGM, 11x11, flat, identical.
    ref8 = quantise(scene(48, 64, 1), 255)
    write_pgm('ref8.pgm', ref8)
    n8 = noisy(ref8, 12, 2, 255)
    write_pgm('noise8.pgm', n8)
    score_pair('noise8', 'noise8.pgm', 'ref8.pgm', n8, ref8, 255,
               ffmpeg_files=('noise8.pgm', 'ref8.pgm'))
    b8 = quantise(blur(ref8 / 255, 1.2), 255)
    write_png('blur8.png', b8)
    write_png('ref8.png', ref8)
    score_pair('blur8', 'blur8.png', 'ref8.png', b8, ref8, 255,
               ffmpeg_files=('blur8.png', 'ref8.png'))
    j8 = jpeg(ref8, 15)
    write_pgm('jpeg8.pgm', j8)
    score_pair('jpeg8', 'jpeg8.pgm', 'ref8.pgm', j8, ref8, 255,
               ffmpeg_files=('jpeg8.pgm', 'ref8.pgm'))
    odd = quantise(scene(23, 37, 3), 255)
    oddn = noisy(odd, 20, 4, 255)
    write_pgm_plain('odd8.pgm', oddn)
    write_pgm_plain('oddref8.pgm', odd)
    write_pgm(os.path.join(tmp, 'odd8.pgm'), oddn)  # ffmpeg reads binary PGM only
    write_pgm(os.path.join(tmp, 'oddref8.pgm'), odd)
    score_pair('odd8', 'odd8.pgm', 'oddref8.pgm', oddn, odd, 255,
               ffmpeg_files=(os.path.join(tmp, 'odd8.pgm'), os.path.join(tmp, 'oddref8.pgm')))
    t = quantise(scene(11, 11, 5), 255)
    tn = noisy(t, 15, 6, 255)
    write_pgm('tiny11.pgm', tn)
    write_pgm('tinyref11.pgm', t)
    score_pair('tiny11', 'tiny11.pgm', 'tinyref11.pgm', tn, t, 255,
               ffmpeg_files=('tiny11.pgm', 'tinyref11.pgm'))
    dark2, dark6 = np.full((16, 16), 2), np.full((16, 16), 6)
    write_pgm('flat2.pgm', dark2)
    write_pgm('flat6.pgm', dark6)
    score_pair('flat8', 'flat2.pgm', 'flat6.pgm', dark2, dark6, 255,
               ffmpeg_files=('flat2.pgm', 'flat6.pgm'))
    score_pair('flatsame8', 'flat6.pgm', 'flat6.pgm', dark6, dark6, 255,
               ffmpeg_files=('flat6.pgm', 'flat6.pgm'))
    score_pair('same8', 'noise8.pgm', 'noise8.pgm', n8, n8, 255,
               ffmpeg_files=('noise8.pgm', 'noise8.pgm'))

    # 16-bit: full-scale PGM; 12-bit data in a 16-bit PNG.
    ref16 = quantise(scene(33, 40, 7), 65535)
    n16 = noisy(ref16, 3000, 8, 65535)
    write_pgm('ref16.pgm', ref16, 65535)
    write_pgm('noise16.pgm', n16, 65535)
    score_pair('noise16', 'noise16.pgm', 'ref16.pgm', n16, ref16, 65535, '-r 65535',
               ffmpeg_files=('noise16.pgm', 'ref16.pgm'))
    ref12 = quantise(scene(30, 45, 9), 4095)
    b12 = quantise(blur(ref12 / 4095, 1.0), 4095)
    write_png('ref12.png', ref12, 16)
    write_png('blur12.png', b12, 16)
    score_pair('blur12', 'blur12.png', 'ref12.png', b12, ref12, 4095, '-r 4095')

    # Float: PFM both byte orders, raw float32 and float64, flat.
    rf = scene(40, 50, 10).astype(np.float32)
    nf = (rf + np.random.default_rng(11).normal(0, 0.04, rf.shape)).astype(np.float32)
    write_pfm('reff.pfm', rf)
    write_pfm('noisef.pfm', nf)
    write_pfm('reff_be.pfm', rf, big_endian=True)
    write_pfm('noisef_be.pfm', nf, big_endian=True)
    score_pair('float', 'noisef.pfm', 'reff.pfm', nf, rf, 1, '-r 1')
    score_pair('float_be', 'noisef_be.pfm', 'reff_be.pfm', nf, rf, 1, '-r 1')
    nf.astype('<f4').tofile('noisef.f32')
    rf.astype('<f4').tofile('reff.f32')
    score_pair('raw32', 'noisef.f32', 'reff.f32', nf, rf, 1, '-r 1 --size 50x40')
    n64 = rf.astype(np.float64) + np.random.default_rng(12).normal(0, 0.01, rf.shape)
    n64.astype('<f8').tofile('noisef.f64')
    rf.astype('<f8').tofile('reff.f64')
    score_pair('raw64', 'noisef.f64', 'reff.f64', n64, rf, 1, '-r 1 --size 50x40 --raw-type f64')
    fa, fb = np.full((12, 14), 0.25, np.float32), np.full((12, 14), 0.75, np.float32)
    write_pfm('flat025.pfm', fa)
    write_pfm('flat075.pfm', fb)
    score_pair('flatf', 'flat025.pfm', 'flat075.pfm', fa, fb, 1, '-r 1')

    # Colour, scored as BT.601 luma against a grey reference.
    rgb = np.stack([quantise(scene(16, 20, s), 255) for s in (13, 14, 15)], axis=2)
    write_ppm('colour.ppm', rgb)
    Image.fromarray(rgb.astype(np.uint8), 'RGB').save(path('colour.png'))
    y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    grey = quantise(scene(16, 20, 16), 255)
    write_pgm('colourref.pgm', grey)
    score_pair('luma_ppm', 'colour.ppm', 'colourref.pgm', y, grey, 255, '--luma')
    score_pair('luma_png', 'colour.png', 'colourref.pgm', y, grey, 255, '--luma')

    # Large enough for the matlab downsampling (f 2 and 3) and MS-SSIM (>= 176).
    big = quantise(scene(389, 397, 17), 255)
    bigj = jpeg(big, 30)
    write_png('big8.png', big)
    write_png('bigjpeg8.png', bigj)
    score_pair('bigjpeg8', 'bigjpeg8.png', 'big8.png', bigj, big, 255,
               ffmpeg_files=('bigjpeg8.png', 'big8.png'))
    huge = quantise(scene(650, 700, 18, texture=0), 255)
    hugeb = quantise(blur(huge / 255, 2.0), 255)
    write_png('huge8.png', huge)
    write_png('hugeblur8.png', hugeb)
    score_pair('hugeblur8', 'hugeblur8.png', 'huge8.png', hugeb, huge, 255)
    octave_rows([('bigjpeg8', 'bigjpeg8.png', 'big8.png', 255),
                 ('hugeblur8', 'hugeblur8.png', 'huge8.png', 255)])

    with open('expected.tsv', 'w') as f:
        f.write('# name\tvariant\toptions\timage\treference\tssim\tpsnr_db\tmse\tmae\ttolerance'
                '\tsource\n')
        f.write('\n'.join(rows) + '\n')


if __name__ == '__main__':
    main()
