"""Ripmaps: a 256x256 input gives the 81 images (w >> i) x (h >> j), j-major,
each equal (within 1 code) to reduceX^i(reduceY^j(src)) computed here with
a box in double precision; drop_1px leaves 65 and max_aniso 4 leaves the 39
with |i - j| <= 2; a 100x37 input gives 7 x 6 levels. The ripmap atlas is
(2w-1) x (2h-1) and holds every level where its manifest says; a mip-chain
atlas is 1.5w x h; the diagonal equals the box mip chain."""
import json
import random

import miptest as mt
import uhtest

mt.scratch()
n = 256
random.seed(8)
src = [[(x * 7 + y * 3 + random.randrange(40)) % 256 for x in range(n)] for y in range(n)]
uhtest.write_png(mt.path("tex.png"), n, n, 1, src)
npot = [[(x * y) % 256 for x in range(100)] for y in range(37)]
uhtest.write_png(mt.path("npot.png"), 100, 37, 1, npot)
rgba = [[(x * 4 + c * 50) % 256 if c < 3 else 255 for x in range(64) for c in range(4)] for y in range(64)]
uhtest.write_png(mt.path("rgba.png"), 64, 64, 4, rgba)

lin = {"transfer": "linear", "filter": "box"}
g = mt.graph({
    "src": mt.load("tex.png"),
    "rip": {"type": "ripmap", "params": lin, "inputs": {"image": "src"}},
    "s1": {"type": "mip.save_png", "params": {"dir": "rip", "prefix": "r"}, "inputs": {"levels": "rip"}},
    "drop": {"type": "ripmap", "params": dict(lin, drop_1px=True), "inputs": {"image": "src"}},
    "s2": {"type": "mip.save_png", "params": {"dir": "drop"}, "inputs": {"levels": "drop"}},
    "an": {"type": "ripmap", "params": dict(lin, max_aniso=4), "inputs": {"image": "src"}},
    "s3": {"type": "mip.save_png", "params": {"dir": "aniso"}, "inputs": {"levels": "an"}},
    "atlas": {"type": "mip.atlas", "params": {"manifest": "atlas.json"}, "inputs": {"levels": "rip"}},
    "s4": {"type": "png.save", "params": {"path": "atlas.png"}, "inputs": {"image": "atlas"}},
    "np": mt.load("npot.png"),
    "npr": {"type": "ripmap", "inputs": {"image": "np"}},
    "s5": {"type": "mip.save_png", "params": {"dir": "npot"}, "inputs": {"levels": "npr"}},
    "rg": mt.load("rgba.png"),
    "mip": {"type": "mipmap", "inputs": {"image": "rg"}},
    "ma": {"type": "mip.atlas", "params": {"manifest": "mip_atlas.json"}, "inputs": {"levels": "mip"}},
    "s6": {"type": "png.save", "params": {"path": "mip_atlas.png"}, "inputs": {"image": "ma"}},
    "s7": {"type": "mip.save_png", "params": {"dir": "mip"}, "inputs": {"levels": "mip"}},
    "boxmip": {"type": "mipmap", "params": lin, "inputs": {"image": "src"}},
    "s8": {"type": "mip.save_png", "params": {"dir": "boxmip"}, "inputs": {"levels": "boxmip"}},
})
mt.run_ok(g)

m = mt.manifest("rip")
uhtest.eq(m["kind"], "ripmap", "manifest kind")
ents = m["levels"]
uhtest.eq(len(ents), 81, "ripmap image count")
want = [(i, j) for j in range(9) for i in range(9)]
uhtest.eq([(e["i"], e["j"]) for e in ents], want, "ripmap order (j-major)")
uhtest.eq([(e["width"], e["height"]) for e in ents], [(n >> i, n >> j) for i, j in want], "ripmap sizes")
uhtest.eq([e["file"] for e in ents], ["r_%d_%d.png" % ij for ij in want], "ripmap file names")


def reduce_y(img):
    h = len(img)
    return [[(img[2 * y][x] + img[2 * y + 1][x]) / 2 for x in range(len(img[0]))] for y in range(h // 2)]


def reduce_x(img):
    return [[(r[2 * x] + r[2 * x + 1]) / 2 for x in range(len(r) // 2)] for r in img]


ry = [[v / 255.0 for v in row] for row in src]
worst = 0
for j in range(9):
    rx = ry
    for i in range(9):
        p = uhtest.read_png(mt.path("rip", "r_%d_%d.png" % (i, j)))
        uhtest.eq((p.width, p.height), (n >> i, n >> j), "r_%d_%d.png size" % (i, j))
        for y in range(p.height):
            for x in range(p.width):
                d = abs(p.pixels[y][x] - rx[y][x] * 255)
                worst = max(worst, d)
        if i < 8:
            rx = reduce_x(rx)
    if j < 8:
        ry = reduce_y(ry)
uhtest.check(worst <= 0.5 + 1e-6, "ripmap differs from reduceX^i(reduceY^j) by %.3f codes" % worst)

# The diagonal (i = i) is the mip chain (box is separable); the two paths
# round in a different order, so allow one code at exact ties.
for k in range(9):
    a = uhtest.read_png(mt.path("rip", "r_%d_%d.png" % (k, k)))
    b = uhtest.read_png(mt.path("boxmip", "level_%d.png" % k))
    d = max(abs(u - v) for ra, rb in zip(a.pixels, b.pixels) for u, v in zip(ra, rb))
    uhtest.check(d <= 1, "ripmap (%d,%d) differs from mip level %d by %d codes" % (k, k, k, d))

d = mt.manifest("drop")["levels"]
uhtest.eq(len(d), 65, "drop_1px image count")
uhtest.check(all((e["width"] > 1 and e["height"] > 1) or (e["width"] == 1 and e["height"] == 1) for e in d),
             "drop_1px keeps a 1-px strip")
a = mt.manifest("aniso")["levels"]
uhtest.eq(len(a), 39, "max_aniso 4 image count")
uhtest.check(all(abs(e["i"] - e["j"]) <= 2 for e in a), "max_aniso 4 keeps |i-j| <= 2 only")
npm = mt.manifest("npot")["levels"]
uhtest.eq([(e["width"], e["height"]) for e in npm],
          [(max(1, 100 >> i), max(1, 37 >> j)) for j in range(6) for i in range(7)], "100x37 ripmap sizes")

# The atlas holds every level where the manifest says.
at = uhtest.read_png(mt.path("atlas.png"))
uhtest.eq((at.width, at.height), (2 * n - 1, 2 * n - 1), "ripmap atlas size")
am = json.load(open(mt.path("atlas.json")))
uhtest.eq(len(am["levels"]), 81, "atlas manifest entries")
xs = {}
for e in am["levels"]:
    xs.setdefault(e["i"], e["x"])
    uhtest.eq(e["x"], sum(n >> k for k in range(e["i"])), "atlas x of level (%d,%d)" % (e["i"], e["j"]))
    uhtest.eq(e["y"], sum(n >> k for k in range(e["j"])), "atlas y of level (%d,%d)" % (e["i"], e["j"]))
    lvl = uhtest.read_png(mt.path("rip", "r_%d_%d.png" % (e["i"], e["j"])))
    ok = all(at.pixels[e["y"] + y][e["x"]:e["x"] + e["width"]] == lvl.pixels[y] for y in range(e["height"]))
    uhtest.check(ok, "atlas region of level (%d,%d) differs from its PNG" % (e["i"], e["j"]))

ma = uhtest.read_png(mt.path("mip_atlas.png"))
uhtest.eq((ma.width, ma.height), (96, 64), "mip atlas size 1.5w x h")
mm = json.load(open(mt.path("mip_atlas.json")))["levels"]
uhtest.eq([(e["x"], e["y"]) for e in mm], [(0, 0), (64, 0), (64, 32), (64, 48), (64, 56), (64, 60), (64, 62)],
          "mip atlas positions")
for e in mm:
    lvl = uhtest.read_png(mt.path("mip", "level_%d.png" % e["i"]))
    ok = all(ma.pixels[e["y"] + y][e["x"] * 4:(e["x"] + e["width"]) * 4] == lvl.pixels[y] for y in range(e["height"]))
    uhtest.check(ok, "mip atlas region of level %d" % e["i"])
uhtest.done()
