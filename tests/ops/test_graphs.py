"""Runs graphs/thumbnail.json: a PNG through the generic load/save (resolved
to png.load/png.save) checked against the Python Lanczos-3 reference and for
identical bytes at --threads 1 and 4; and a JPEG (written by jpeg.save
through uberhost itself) through jpeg.load/jpeg.save, checked for size."""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsref as R  # noqa: E402
from opsref import Img, U8  # noqa: E402
import uhtest  # noqa: E402

GRAPH = os.path.join(uhtest.SRC, "graphs", "thumbnail.json")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


def main():
    d = uhtest.scratch("ops_graphs")
    # A smooth image with detail, so Lanczos is exercised.
    w, h = 150, 100
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            row += [(x * 255) // (w - 1), (y * 255) // (h - 1), ((x ^ y) * 7) & 255]
        rows.append(row)
    src = os.path.join(d, "in.png")
    uhtest.write_png(src, w, h, 3, rows)
    img = Img(w, h, 3, U8, data=[v for r in rows for v in r])
    outs = []
    for t in (1, 4):
        out = os.path.join(d, "out%d" % t, "t.png")
        c, _, err = uhtest.run("run", GRAPH, "--set", "input=" + src, "--set", "output=" + out,
                               "--set", "size=48", "--threads", t)
        if not uhtest.eq(c, 0, "thumbnail.json at --threads %d (%s)" % (t, err.strip())):
            uhtest.done()
        outs.append(open(out, "rb").read())
    uhtest.check(outs[0] == outs[1], "thumbnail.json: --threads 1 and 4 wrote other bytes")
    got = uhtest.read_png(os.path.join(d, "out1", "t.png"))
    # 150x100 in a 48x48 box: 48x32.
    uhtest.eq((got.width, got.height, got.channels), (48, 32, 3), "thumbnail size")
    gi = Img(48, 32, 3, U8, data=[v for r in got.pixels for v in r])
    R.compare(gi, R.ref_resize(img, 48, 32), 1, "thumbnail.json pixels (Lanczos-3, +-1 for float32)")

    # A JPEG through the same graph, if the JPEG plugin is built.
    if not os.path.exists(os.path.join(uhtest.PLUGINS, "jpeg.so")):
        print("jpeg.so not built: JPEG part skipped")
        uhtest.done()
    jpg = os.path.join(d, "in.jpg")
    c, _, err = uhtest.run("run", GRAPH, "--set", "input=" + src, "--set", "output=" + jpg, "--set", "size=150")
    uhtest.eq(c, 0, "write a JPEG with thumbnail.json (%s)" % err.strip())
    tj = os.path.join(d, "outj", "t.jpg")
    c, _, err = uhtest.run("run", GRAPH, "--set", "input=" + jpg, "--set", "output=" + tj, "--set", "size=30")
    uhtest.eq(c, 0, "thumbnail.json on a JPEG (%s)" % err.strip())
    back = os.path.join(d, "outj", "t.png")
    c, _, err = uhtest.run("run", GRAPH, "--set", "input=" + tj, "--set", "output=" + back, "--set", "size=30")
    uhtest.eq(c, 0, "JPEG back to PNG (%s)" % err.strip())
    if c == 0:
        uhtest.eq(png_size(back), (30, 20), "JPEG thumbnail size")
    uhtest.done()


if __name__ == "__main__":
    main()
