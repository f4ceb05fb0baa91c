"""Helpers for uberhost's script tests: run the CLI, check exit codes and
messages exactly, and read PNG files with an independent pure-Python decoder
(zlib + struct only), so pixel tests do not trust uberhost's own codec."""

import os
import shutil
import struct
import subprocess
import sys
import zlib

BIN = os.environ.get("UH_BIN", "uberhost")
PLUGINS = os.environ.get("UH_PLUGINS", "")
SRC = os.environ.get("UH_SRC", ".")
BUILD = os.environ.get("UH_BUILD", ".")
SANITIZED = bool(os.environ.get("UH_SANITIZED"))

_failures = 0


def scratch(name=None):
    """A fresh scratch directory for this test (removed and re-made)."""
    d = os.environ.get("UH_SCRATCH") or os.path.join(BUILD, "scratch", name or "t")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def run(*args, env=None, cwd=None, input=None, timeout=100):
    """Runs uberhost with the built plugins; returns (code, stdout, stderr)."""
    e = dict(os.environ)
    if PLUGINS:
        e["UBERHOST_PLUGIN_PATH"] = PLUGINS
    if env:
        e.update(env)
    try:
        p = subprocess.run([BIN] + [str(a) for a in args], env=e, cwd=cwd,
                           input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        check(False, "timed out after %ss: uberhost %s" % (timeout, " ".join(map(str, args))))
        return -1, "", "(timed out)"

    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    """Records a failed check (printing what), carries on."""
    global _failures
    if not cond:
        _failures += 1
        print("FAIL:", what, file=sys.stderr)
    return cond


def eq(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


def near(got, want, tol, what):
    return check(abs(got - want) <= tol, "%s: got %r, want %r +- %r" % (what, got, want, tol))


def expect(args, code, stderr=None, contains=None, **kw):
    """Runs uberhost and checks the exit code and (exact or partial) stderr."""
    c, out, err = run(*args, **kw)
    ok = eq(c, code, "exit code of %s (stderr: %s)" % (" ".join(map(str, args)), err.strip()))
    if stderr is not None:
        ok &= eq(err, stderr, "stderr of %s" % " ".join(map(str, args)))
    if contains is not None:
        ok &= check(contains in err, "stderr of %s: %r not in %r" % (" ".join(map(str, args)), contains, err))
    return c, out, err


def done():
    """Ends the test: exit status 1 if any check failed."""
    if _failures:
        print("%d check(s) failed" % _failures, file=sys.stderr)
        sys.exit(1)
    print("ok")
    sys.exit(0)


class Png:
    """A decoded PNG: width, height, channels, depth (8 or 16), rows as lists
    of ints (channels interleaved), and the ancillary chunks seen."""

    def __init__(self, width, height, channels, depth, pixels, chunks):
        self.width, self.height, self.channels, self.depth = width, height, channels, depth
        self.pixels = pixels  # list of rows; each row a list of ints
        self.chunks = chunks  # {b"sRGB": [data, ...], ...}

    def at(self, x, y, c=0):
        return self.pixels[y][x * self.channels + c]


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path):
    """Decodes a non-interlaced or Adam7 PNG of any colour type and depth;
    palette and tRNS are expanded like libpng's expand transform (palette
    becomes RGB or RGBA, sub-8-bit grey scaled to 8-bit)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos, idat, chunks = 8, b"", {}
    ihdr = plte = trns = None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            raise ValueError("%s: bad CRC in %r" % (path, kind))
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = body
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        chunks.setdefault(kind, []).append(body)
    w, h, depth, ct, _, _, interlace = ihdr
    nch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ct]
    raw = zlib.decompress(idat)
    bpp = max(1, nch * depth // 8)
    samples = [[0] * (w * nch) for _ in range(h)]

    def unfilter(buf, off, pw, ph):
        stride = (pw * nch * depth + 7) // 8
        prev = bytearray(stride)
        out = []
        for _ in range(ph):
            ft = buf[off]
            line = bytearray(buf[off + 1:off + 1 + stride])
            off += 1 + stride
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if ft == 1:
                    line[i] = (line[i] + a) & 255
                elif ft == 2:
                    line[i] = (line[i] + b) & 255
                elif ft == 3:
                    line[i] = (line[i] + (a + b) // 2) & 255
                elif ft == 4:
                    line[i] = (line[i] + _paeth(a, b, c)) & 255
            out.append(line)
            prev = line
        return out, off

    def unpack(line, pw):
        vals = []
        if depth == 16:
            for i in range(pw * nch):
                vals.append(line[2 * i] << 8 | line[2 * i + 1])
        elif depth == 8:
            vals = list(line[:pw * nch])
        else:
            per = 8 // depth
            mask = (1 << depth) - 1
            for i in range(pw * nch):
                byte = line[i // per]
                shift = 8 - depth * (i % per + 1)
                vals.append((byte >> shift) & mask)
        return vals

    if interlace == 0:
        lines, _ = unfilter(raw, 0, w, h)
        for y in range(h):
            samples[y] = unpack(lines[y], w)
    else:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                  (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        off = 0
        for x0, y0, dx, dy in passes:
            pw = (w - x0 + dx - 1) // dx if w > x0 else 0
            ph = (h - y0 + dy - 1) // dy if h > y0 else 0
            if pw == 0 or ph == 0:
                continue
            lines, off = unfilter(raw, off, pw, ph)
            for j in range(ph):
                vals = unpack(lines[j], pw)
                y = y0 + j * dy
                for i in range(pw):
                    x = x0 + i * dx
                    samples[y][x * nch:(x + 1) * nch] = vals[i * nch:(i + 1) * nch]
    # Expansion to what libpng's png_set_expand gives.
    if ct == 3:
        has_a = trns is not None
        out_ch = 4 if has_a else 3
        rows = []
        for y in range(h):
            r = []
            for i in samples[y]:
                r += list(plte[3 * i:3 * i + 3])
                if has_a:
                    r.append(trns[i] if i < len(trns) else 255)
            rows.append(r)
        return Png(w, h, out_ch, 8, rows, chunks)
    if depth < 8:
        scale = 255 // ((1 << depth) - 1)
        samples = [[v * scale for v in row] for row in samples]
        depth = 8
    return Png(w, h, nch, depth, samples, chunks)


def write_png(path, width, height, channels, rows, depth=8):
    """Writes rows (lists of ints) as a PNG with filter 0."""
    ct = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = bytearray()
    for row in rows:
        raw.append(0)
        if depth == 16:
            for v in row:
                raw += struct.pack(">H", v)
        else:
            raw += bytes(row)

    def chunk(kind, body):
        c = struct.pack(">I", len(body)) + kind + body
        return c + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, ct, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 6)))
        f.write(chunk(b"IEND", b""))
