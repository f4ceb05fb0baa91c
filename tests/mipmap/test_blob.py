"""Odd size: an off-centre Gaussian blob on 257x257 (16-bit linear grey)
keeps its energy within 0.2 % and its centroid within 0.05 px (level-0
pixels) through level 4 with the default filter and with box; level sizes
are max(1, floor(257 / 2^k))."""
import math

import miptest as mt
import uhtest

mt.scratch()
n = 257
bx, by, sig = 101.3, 150.7, 12.0
rows = [[int(65535 * math.exp(-((x + 0.5 - bx) ** 2 + (y + 0.5 - by) ** 2) / (2 * sig * sig)) + 0.5)
         for x in range(n)] for y in range(n)]
uhtest.write_png(mt.path("blob.png"), n, n, 1, rows, depth=16)
g = mt.graph({
    "src": mt.load("blob.png"),
    "kai": {"type": "mipmap", "params": {"transfer": "linear", "max_levels": 5}, "inputs": {"image": "src"}},
    "box": {"type": "mipmap", "params": {"transfer": "linear", "filter": "box"}, "inputs": {"image": "src"}},
    "s1": {"type": "mip.save_png", "params": {"dir": "kai"}, "inputs": {"levels": "kai"}},
    "s2": {"type": "mip.save_png", "params": {"dir": "box"}, "inputs": {"levels": "box"}},
})
mt.run_ok(g)


def moments(p):
    sx, sy = n / p.width, n / p.height
    e = mx = my = 0.0
    for y, row in enumerate(p.pixels):
        for x, v in enumerate(row):
            e += v
            mx += v * (x + 0.5) * sx
            my += v * (y + 0.5) * sy
    return e * sx * sy, mx / e, my / e


for name in ("kai", "box"):
    _, lv = mt.levels(name)
    if name == "box":
        uhtest.eq([p.width for p in lv], [257, 128, 64, 32, 16, 8, 4, 2, 1], "box level widths")
    e0, cx0, cy0 = moments(lv[0])
    for k, p in enumerate(lv[1:5], 1):
        e, cx, cy = moments(p)
        uhtest.near(e / e0, 1.0, 0.002, "%s level %d energy ratio" % (name, k))
        uhtest.near(cx, cx0, 0.05, "%s level %d centroid x" % (name, k))
        uhtest.near(cy, cy0, 0.05, "%s level %d centroid y" % (name, k))
uhtest.done()
