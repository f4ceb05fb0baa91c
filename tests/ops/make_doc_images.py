"""Makes the before/after pictures of docs/nodes/ops.md (docs/img/ops-*.png)
by running each ops node through uberhost on a small generated picture.
Not a test; run it after a build:

    UH_BIN=build/bin/uberhost python3 tests/ops/make_doc_images.py

(UH_PLUGINS defaults to the plugins folder beside the binary's.)"""

import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
import uhtest  # noqa: E402

W, H = 128, 96
IMG = os.path.join(SRC, "docs", "img")


def picture():
    """A sky gradient, a checkerboard patch, a sun disc and a dark bar."""
    rows = []
    for y in range(H):
        row = []
        for x in range(W):
            t = y / (H - 1)
            r, g, b = 40 + 180 * t, 90 + 100 * t, 200 - 120 * t
            if 12 <= x < 52 and 40 <= y < 80:
                v = 230 if ((x - 12) // 5 + (y - 40) // 5) % 2 == 0 else 25
                r = g = b = v
            d = math.hypot(x - 92, y - 34)
            if d < 18:
                k = min(1.0, 18 - d)
                r, g, b = r + (255 - r) * k, g + (200 - g) * k, b + (40 - b) * k
            if 84 <= y < 88 and x >= 60:
                r, g, b = 20, 20, 30
            row += [int(r), int(g), int(b)]
        rows.append(row)
    return rows


def overlay():
    """A translucent magenta ring on transparency (RGBA)."""
    rows = []
    for y in range(H):
        row = []
        for x in range(W):
            d = math.hypot(x - 64, y - 48)
            a = max(0.0, 1 - abs(d - 28) / 8)
            row += [230, 40, 200, int(255 * a)]
        rows.append(row)
    return rows


OPS = [
    ("resize", {"width": 48, "kernel": "lanczos3"}),
    ("thumbnail", {"width": 64, "height": 64, "crop": "centre"}),
    ("crop", {"left": 40, "top": 10, "width": 70, "height": 60}),
    ("embed", {"x": 24, "y": 16, "width": 176, "height": 128, "extend": "mirror"}),
    ("flip", {"direction": "horizontal"}),
    ("rotate", {"angle": 90}),
    ("convert", {"channels": 1}),
    ("blend", {"mode": "screen", "opacity": 0.9}),
    ("blur", {"sigma": 2.5}),
    ("sharpen", {"sigma": 1.5, "amount": 2.0}),
    ("levels", {"in_black": 0.15, "in_white": 0.85, "gamma": 1.6}),
    ("brightness_contrast", {"brightness": 0.05, "contrast": 1.8}),
    ("curves", {"points": [0, 0, 0.25, 0.1, 0.6, 0.75, 1, 1]}),
]


def main():
    binary = os.environ.get("UH_BIN") or os.path.join(SRC, "build", "bin", "uberhost")
    plugins = os.environ.get("UH_PLUGINS") or os.path.join(os.path.dirname(os.path.dirname(binary)), "plugins")
    os.makedirs(IMG, exist_ok=True)
    inp = os.path.join(IMG, "ops-input.png")
    ovl = os.path.join(IMG, "ops-overlay.png")
    uhtest.write_png(inp, W, H, 3, picture())
    uhtest.write_png(ovl, W, H, 4, overlay())
    env = dict(os.environ, UBERHOST_PLUGIN_PATH=plugins)
    with tempfile.TemporaryDirectory() as tmp:
        for op, params in OPS:
            out = os.path.join(IMG, "ops-%s.png" % op)
            nodes = {"in": {"type": "png.load", "params": {"path": inp}}}
            links = {"image": "in"}
            if op == "blend":
                nodes["over"] = {"type": "png.load", "params": {"path": ovl}}
                links = {"base": "in", "overlay": "over"}
            nodes["op"] = {"type": op, "params": params, "inputs": links}
            nodes["save"] = {"type": "png.save", "params": {"path": out, "compression": 9},
                             "inputs": {"image": "op"}}
            g = os.path.join(tmp, op + ".json")
            with open(g, "w") as f:
                json.dump({"uberhost": 1, "nodes": nodes}, f)
            p = subprocess.run([binary, "run", g], env=env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit("%s: %s" % (op, p.stderr))
            size = os.path.getsize(out)
            if size >= 100 * 1024:
                sys.exit("%s is %d bytes (limit 100 KB)" % (out, size))
            print("%-24s %6d bytes" % (os.path.relpath(out, SRC), size))


if __name__ == "__main__":
    main()
