"""Shared helpers of the PNG tests: the corpus (made by the png_corpus test,
see gen_corpus.py), the minihost harness, raw-file reading and an
independent expectation for decoded pixels."""

import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)

import uhtest  # noqa: E402

CORPUS = sys.argv[1] if len(sys.argv) > 1 else None
HARNESS = sys.argv[2] if len(sys.argv) > 2 else None
PLUGIN = os.path.join(uhtest.PLUGINS, "png.so")


def manifest():
    with open(os.path.join(CORPUS, "manifest.json")) as f:
        return json.load(f)


def corpus_file(name):
    return os.path.join(CORPUS, name)


def harness(*args, timeout=120):
    """Runs png_harness on png.so; returns (code, stdout, stderr)."""
    p = subprocess.run([HARNESS, PLUGIN] + [str(a) for a in args],
                       capture_output=True, timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def read_raw(path):
    """Reads png_harness's decode output: (w, h, channels, depth, space,
    rows of ints)."""
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    w, h, c, s, sp = map(int, data[:nl].split()[1:])
    body = data[nl + 1:]
    if s == 2:
        vals = list(struct.unpack("<%dH" % (len(body) // 2), body))
    else:
        vals = list(body)
    n = w * c
    return w, h, c, 16 if s == 2 else 8, sp, [vals[y * n:(y + 1) * n] for y in range(h)]


def reference(path):
    """Decodes a PNG with the independent decoder of tests/support/uhtest.py
    and adds what it leaves out: tRNS on grey and RGB images becomes an
    alpha channel (0 where the colour equals the key, else the maximum), as
    png.load defines it. Returns (channels, depth, rows)."""
    p = uhtest.read_png(path)
    trns = p.chunks.get(b"tRNS")
    ct = _colour_type(path)
    if trns and ct in (0, 2):
        n = p.channels
        key = list(struct.unpack(">%dH" % n, trns[0]))
        if p.depth == 8 and _bit_depth(path) < 8:
            scale = 255 // ((1 << _bit_depth(path)) - 1)
            key = [k * scale for k in key]
        top = (1 << p.depth) - 1
        rows = []
        for r in p.pixels:
            o = []
            for x in range(p.width):
                px = r[x * n:(x + 1) * n]
                o += px + [0 if px == key else top]
            rows.append(o)
        return n + 1, p.depth, rows
    return p.channels, p.depth, p.pixels


def _ihdr(path):
    with open(path, "rb") as f:
        head = f.read(33)
    return struct.unpack(">IIBBBBB", head[16:29])


def _colour_type(path):
    return _ihdr(path)[3]


def _bit_depth(path):
    return _ihdr(path)[2]


def chunks_of(path):
    """The chunk types of a PNG file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    pos, out = 8, []
    while pos + 8 <= len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        out.append(data[pos + 4:pos + 8].decode("latin-1"))
        pos += 12 + n
    return out


def ihdr_of(path):
    """(width, height, depth, colour type, interlace) of a PNG file."""
    w, h, d, ct, _, _, il = _ihdr(path)
    return w, h, d, ct, il
