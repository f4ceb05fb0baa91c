"""Normal map: random unit normals tilted up to 52 degrees as 8-bit RGB
(v+1)/2; with normal_map and 16-bit output every texel of every level
decodes to length 1 within 1e-3, and the levels are tagged as data. Without
normal_map the mean length at level 2 drops below 0.97 (the check bites)."""
import math
import random

import miptest as mt
import uhtest

mt.scratch()
n = 64
random.seed(5)
rows = []
for y in range(n):
    row = []
    for x in range(n):
        th = random.random() * math.radians(52)
        ph = random.random() * 2 * math.pi
        v = (math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th))
        row += [int((c + 1) / 2 * 255 + 0.5) for c in v]
    rows.append(row)
uhtest.write_png(mt.path("normals.png"), n, n, 3, rows)
g = mt.graph({
    "src": mt.load("normals.png"),
    "nm": {"type": "mipmap", "params": {"normal_map": True, "sample": "u16"}, "inputs": {"image": "src"}},
    "raw": {"type": "mipmap", "params": {"transfer": "data", "sample": "u16"}, "inputs": {"image": "src"}},
    "s1": {"type": "mip.save_png", "params": {"dir": "nm"}, "inputs": {"levels": "nm"}},
    "s2": {"type": "mip.save_png", "params": {"dir": "raw"}, "inputs": {"levels": "raw"}},
})
mt.run_ok(g)


def lengths(p):
    out = []
    for row in p.pixels:
        for x in range(p.width):
            v = [row[x * 3 + c] / 65535.0 * 2 - 1 for c in range(3)]
            out.append(math.sqrt(sum(c * c for c in v)))
    return out


_, lv = mt.levels("nm")
uhtest.eq(len(lv), 7, "levels of 64x64")
for k, p in enumerate(lv[1:], 1):
    uhtest.eq(p.depth, 16, "level %d depth" % k)
    uhtest.check(b"sRGB" not in p.chunks and b"gAMA" not in p.chunks, "level %d is tagged as colour" % k)
    worst = max(abs(l - 1) for l in lengths(p))
    uhtest.check(worst <= 1e-3, "level %d length off by %g" % (k, worst))
_, raw = mt.levels("raw")
ls = lengths(raw[2])
uhtest.check(sum(ls) / len(ls) < 0.97, "unnormalised mean length %.4f" % (sum(ls) / len(ls)))
uhtest.done()
