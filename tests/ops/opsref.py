"""Reference implementations of the ops plugin's operations, in plain
Python (double precision), and helpers to run the ops test harness and
uberhost on small images. Written from the definitions in docs/nodes/ops.md,
not from the C code."""

import math
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import uhtest  # noqa: E402

U8, U16, F32 = 1, 2, 3
SRGB, LINEAR, DATA = 0, 1, 2
PREMUL = 1

HARNESS = os.environ.get("OPS_HARNESS", "")
PLUGIN = os.path.join(uhtest.PLUGINS, "ops.so")


# ---------------------------------------------------------------------------
# Images: a dict with w, h, ch, sample, space, flags and px, a flat list of
# floats in nominal range (u8 / 255 ...) or ints for integer samples.

class Img:
    def __init__(self, w, h, ch, sample=U8, space=SRGB, flags=0, data=None):
        self.w, self.h, self.ch = w, h, ch
        self.sample, self.space, self.flags = sample, space, flags
        self.data = data if data is not None else [0] * (w * h * ch)

    def at(self, x, y, c):
        return self.data[(y * self.w + x) * self.ch + c]

    def maxv(self):
        return {U8: 255, U16: 65535, F32: 1.0}[self.sample]

    def norm(self):
        """Samples as floats in nominal range."""
        m = self.maxv()
        return [v / m for v in self.data] if self.sample != F32 else list(self.data)


def random_img(w, h, ch, sample=U8, seed=1, space=SRGB, flags=0, alpha_mode="random"):
    rnd = random.Random(seed)
    m = {U8: 255, U16: 65535}.get(sample)
    data = []
    for _ in range(w * h):
        px = []
        for c in range(ch):
            if sample == F32:
                px.append(rnd.random())
            else:
                px.append(rnd.randint(0, m))
        a = ch in (2, 4)
        if a and alpha_mode == "opaque":
            px[-1] = m if sample != F32 else 1.0
        data += px
    img = Img(w, h, ch, sample, space, flags, data)
    if flags & PREMUL:
        # Make the colour valid for a premultiplied image: c <= a.
        ai = ch - 1
        for i in range(0, len(data), ch):
            for c in range(ai):
                data[i + c] = min(data[i + c], data[i + ai])
    return img


def from_norm(vals, like, sample=None):
    """Stores nominal floats in `like`'s format (rounded, clamped)."""
    s = sample or like.sample
    if s == F32:
        return list(vals)
    m = 255 if s == U8 else 65535
    return [min(m, max(0, int(math.floor(v * m + 0.5)))) for v in vals]


def write_raw(path, img):
    with open(path, "wb") as f:
        f.write(b"OPSR" + struct.pack("<6I", img.w, img.h, img.ch, img.sample, img.space, img.flags))
        fmt = {U8: "B", U16: "H", F32: "f"}[img.sample]
        f.write(struct.pack("<%d%s" % (len(img.data), fmt), *img.data))


def read_raw(path):
    b = open(path, "rb").read()
    if b[:4] != b"OPSR":
        raise ValueError("not raw")
    w, h, ch, sample, space, flags = struct.unpack("<6I", b[4:28])
    n = w * h * ch
    fmt = {U8: "B", U16: "H", F32: "f"}[sample]
    data = list(struct.unpack("<%d%s" % (n, fmt), b[28:28 + n * struct.calcsize(fmt)]))
    return Img(w, h, ch, sample, space, flags, data)


# ---------------------------------------------------------------------------
# Running

def harness(node, inputs, sets=(), band=16, seed=0, seqs=1, scratch=None, expect_fail=False):
    """Runs one node in the harness; returns the output Img, or
    (code, stderr) when expect_fail."""
    d = scratch or os.environ.get("UH_SCRATCH", "/tmp")
    paths = []
    for i, img in enumerate(inputs):
        p = os.path.join(d, "in%d.raw" % i)
        write_raw(p, img)
        paths.append(p)
    out = os.path.join(d, "out.raw")
    if os.path.exists(out):
        os.remove(out)
    args = [HARNESS, PLUGIN, node, out] + paths
    for s in sets:
        args += ["-s", s]
    args += ["-b", str(band), "-r", str(seed), "-t", str(seqs)]
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=0"
    p = subprocess.run(args, capture_output=True, env=env, timeout=120)
    err = p.stderr.decode()
    if expect_fail:
        return p.returncode, err
    if p.returncode != 0:
        raise RuntimeError("harness %s failed (%d): %s" % (node, p.returncode, err))
    return read_raw(out)


def compare(got, want, tol, what, mask=None):
    """Checks sample-by-sample; returns the largest difference."""
    ok = uhtest.check((got.w, got.h, got.ch) == (want.w, want.h, want.ch),
                      "%s: geometry %r vs %r" % (what, (got.w, got.h, got.ch), (want.w, want.h, want.ch)))
    if not ok:
        return None
    worst, where = 0, None
    for i, (a, b) in enumerate(zip(got.data, want.data)):
        if mask and not mask(i):
            continue
        d = abs(a - b)
        if d > worst:
            worst, where = d, i
    if worst > tol:
        px = where // got.ch
        uhtest.check(False, "%s: sample (%d,%d,c%d) got %r want %r (tol %r)" % (
            what, px % got.w, px // got.w, where % got.ch, got.data[where], want.data[where], tol))
    return worst


def variants(node, inputs, sets, what):
    """Runs the node with several band heights, shuffled band orders and
    per-thread states; every run must give the bytes of the first."""
    base = harness(node, inputs, sets, band=1 << 20)
    for band, seed, seqs in ((1, 0, 1), (3, 7, 3), (5, 11, 4), (2, 5, 2)):
        got = harness(node, inputs, sets, band=band, seed=seed, seqs=seqs)
        uhtest.check(got.data == base.data and (got.w, got.h) == (base.w, base.h),
                     "%s: band %d seed %d seqs %d differs from one band" % (what, band, seed, seqs))
    return base


# ---------------------------------------------------------------------------
# Kernels (the definitions of docs/nodes/ops.md)

def kernel(kind, x):
    if kind in ("nearest", "box"):
        return 1.0 if -0.5 <= x < 0.5 else 0.0
    if kind == "triangle":
        x = abs(x)
        return 1 - x if x < 1 else 0.0
    if kind in ("mitchell", "catrom"):
        b, c = (1 / 3, 1 / 3) if kind == "mitchell" else (0.0, 0.5)
        x = abs(x)
        if x < 1:
            return ((12 - 9 * b - 6 * c) * x ** 3 + (-18 + 12 * b + 6 * c) * x ** 2 + (6 - 2 * b)) / 6
        if x < 2:
            return ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2 + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6
        return 0.0
    if kind == "lanczos3":
        if x == 0:
            return 1.0
        if abs(x) >= 3:
            return 0.0
        return 3 * math.sin(math.pi * x) * math.sin(math.pi * x / 3) / (math.pi * math.pi * x * x)
    raise ValueError(kind)


SUPPORT = {"nearest": 0.5, "box": 0.5, "triangle": 1, "mitchell": 2, "catrom": 2, "lanczos3": 3}


def resample_weights(kind, n_in, n_out, first=0, count=None):
    """For each output pixel, a dict {input index: weight}."""
    count = n_out if count is None else count
    s = n_in / n_out
    fs = max(1.0, s)
    table = []
    for i in range(first, first + count):
        m = (i + 0.5) * s
        ws = {}
        if kind == "nearest":
            table.append({min(n_in - 1, int(math.floor(m))): 1.0})
            continue
        if kind == "box":
            h = fs / 2
            js = range(int(math.floor(m - h)), int(math.ceil(m + h)))
            for j in js:
                w = max(0.0, min(j + 1, m + h) - max(j, m - h))
                k = min(n_in - 1, max(0, j))
                ws[k] = ws.get(k, 0) + w
        else:
            c, r = m - 0.5, SUPPORT[kind] * fs
            for j in range(int(math.ceil(c - r)), int(math.floor(c + r)) + 1):
                w = kernel(kind, (j - c) / fs)
                k = min(n_in - 1, max(0, j))
                ws[k] = ws.get(k, 0) + w
        tot = sum(ws.values()) or 1.0
        table.append({k: v / tot for k, v in ws.items()})
    return table


def gauss_weights(sigma, n):
    r = max(1, int(math.ceil(3 * sigma)))
    g = [math.exp(-(k * k) / (2 * sigma * sigma)) for k in range(-r, r + 1)]
    tot = sum(g)
    table = []
    for i in range(n):
        ws = {}
        for k in range(-r, r + 1):
            j = min(n - 1, max(0, i + k))
            ws[j] = ws.get(j, 0) + g[k + r] / tot
        table.append(ws)
    return table


def srgb_to_linear(v):
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def linear_to_srgb(v):
    return v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def separable(img, xt, yt, premul, linear):
    """Applies contributor tables (lists of {index: weight}) to img; returns
    nominal floats of the len(xt) x len(yt) result."""
    ch = img.ch
    a = ch - 1 if ch in (2, 4) else -1
    v = img.norm()
    if linear:
        v = [x if (i % ch) == a else srgb_to_linear(x) for i, x in enumerate(v)]
    if premul:
        for i in range(0, len(v), ch):
            for c in range(ch):
                if c != a:
                    v[i + c] *= v[i + a]
    ow, oh = len(xt), len(yt)
    hrows = []
    for y in range(img.h):
        row = []
        for x in range(ow):
            for c in range(ch):
                row.append(sum(w * v[(y * img.w + j) * ch + c] for j, w in xt[x].items()))
        hrows.append(row)
    out = []
    for y in range(oh):
        for x in range(ow):
            px = [sum(w * hrows[j][x * ch + c] for j, w in yt[y].items()) for c in range(ch)]
            if premul:
                al = px[a]
                for c in range(ch):
                    if c != a:
                        px[c] = px[c] / al if al > 0 else 0.0
            if linear:
                px = [p if c == a else linear_to_srgb(max(0.0, p)) for c, p in enumerate(px)]
            out += px
    return out


def ref_resize(img, ow, oh, kind="lanczos3", linear=False, full=None, x0=0, y0=0):
    fw, fh = full or (ow, oh)
    xt = resample_weights(kind, img.w, fw, x0, ow)
    yt = resample_weights(kind, img.h, fh, y0, oh)
    has_a = img.ch in (2, 4)
    premul = has_a and not (img.flags & PREMUL) and kind != "nearest"
    lin = linear and img.space == SRGB and kind != "nearest"
    vals = separable(img, xt, yt, premul, lin)
    return Img(ow, oh, img.ch, img.sample, img.space, img.flags, from_norm(vals, img))


def ref_blur(img, sigma, premul=True):
    has_a = img.ch in (2, 4)
    pm = premul and has_a and not (img.flags & PREMUL)
    vals = separable(img, gauss_weights(sigma, img.w), gauss_weights(sigma, img.h), pm, False)
    return Img(img.w, img.h, img.ch, img.sample, img.space, img.flags, from_norm(vals, img))


def alpha_mask(img, minimum):
    """A mask for compare(): colour samples only where alpha >= minimum
    (colour under near-zero alpha is not meaningful after unpremultiply)."""
    ch = img.ch
    if ch not in (2, 4):
        return None

    def m(i):
        return img.data[(i // ch) * ch + ch - 1] >= minimum or (i % ch) == ch - 1
    return m


def have_tool(name):
    from shutil import which
    return which(name) is not None
