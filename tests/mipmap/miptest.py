"""Shared helpers of the mipmap script tests: graphs built in the test,
run through the CLI, and read back with the independent PNG decoder."""

import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402

SCRATCH = None


def scratch():
    global SCRATCH
    SCRATCH = uhtest.scratch("mipmap")
    return SCRATCH


def path(*parts):
    return os.path.join(SCRATCH, *parts)


def srgb_to_lin(v):
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def lin_to_srgb(v):
    return v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


SRGB8 = [srgb_to_lin(i / 255.0) for i in range(256)]


def encode_srgb8(v):
    v = min(1.0, max(0.0, v))
    return int(math.floor(lin_to_srgb(v) * 255 + 0.5))


def graph(nodes, name="g.json"):
    """Writes a graph with these nodes into the scratch dir; returns its path."""
    p = path(name)
    with open(p, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f, indent=1)
    return p


def run_ok(g, *extra):
    """Runs a graph in the scratch dir, checks exit 0; returns stderr."""
    c, out, err = uhtest.run("run", g, *extra, cwd=SCRATCH)
    uhtest.eq(c, 0, "exit code of run %s %s (stderr: %s)" % (g, " ".join(extra), err.strip()))
    return err


def pattern_png(name, w, h, ch, depth=8):
    """Writes a deterministic ramp pattern (every sample distinct along a
    row) as an 8- or 16-bit PNG in the scratch dir."""
    mx = 255 if depth == 8 else 65535
    rows = [[(x * 37 + y * 11 + c * 70) * (mx // 255) % (mx + 1) for x in range(w) for c in range(ch)]
            for y in range(h)]
    uhtest.write_png(path(name), w, h, ch, rows, depth)


def load(p):
    return {"type": "png.load", "params": {"path": p}}


def manifest(d):
    with open(path(d, "manifest.json")) as f:
        return json.load(f)


def levels(d):
    """The decoded PNGs of a mip.save_png directory, in manifest order."""
    m = manifest(d)
    return m, [uhtest.read_png(path(d, e["file"])) for e in m["levels"]]
