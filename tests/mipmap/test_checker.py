"""Gamma: a 512x512 1-px black/white checker (8-bit sRGB) mipmaps to
linear 0.5, sRGB code 188, at every pixel of every level with box, and at
every pixel of level 1 with the default windowed sinc under wrap=repeat
(interior pixels with clamp: the outer 3 see the clamped edge). A 16-bit
linear checker gives 0.5 = 32767.5 +- 1 code."""
import miptest as mt
import uhtest

mt.scratch()
n = 512
rows = [[(255 if (x + y) & 1 else 0) if c < 3 else 255 for x in range(n) for c in range(4)]
        for y in range(n)]
uhtest.write_png(mt.path("checker.png"), n, n, 4, rows)
rows16 = [[65535 if (x + y) & 1 else 0 for x in range(64)] for y in range(64)]
uhtest.write_png(mt.path("checker16.png"), 64, 64, 1, rows16, depth=16)

g = mt.graph({
    "src": mt.load("checker.png"),
    "box": {"type": "mipmap", "params": {"filter": "box"}, "inputs": {"image": "src"}},
    "rep": {"type": "mipmap", "params": {"wrap": "repeat", "max_levels": 2},
            "inputs": {"image": "src"}},
    "def": {"type": "mipmap", "params": {"max_levels": 2}, "inputs": {"image": "src"}},
    "s1": {"type": "mip.save_png", "params": {"dir": "box"}, "inputs": {"levels": "box"}},
    "s2": {"type": "mip.save_png", "params": {"dir": "rep"}, "inputs": {"levels": "rep"}},
    "s3": {"type": "mip.save_png", "params": {"dir": "def"}, "inputs": {"levels": "def"}},
    "src16": mt.load("checker16.png"),
    "m16": {"type": "mipmap", "params": {"transfer": "linear", "filter": "box"}, "inputs": {"image": "src16"}},
    "s4": {"type": "mip.save_png", "params": {"dir": "lin16"}, "inputs": {"levels": "m16"}},
})
mt.run_ok(g)


def values(p, margin=0):
    vals = set()
    for y in range(margin, p.height - margin):
        row = p.pixels[y]
        for x in range(margin, p.width - margin):
            for c in range(3):
                vals.add(row[x * p.channels + c])
    return vals


m, lv = mt.levels("box")
uhtest.eq(len(lv), 10, "box: level count of 512x512")
for k, p in enumerate(lv[1:], 1):
    uhtest.eq((p.width, p.height), (n >> k, n >> k), "box level %d size" % k)
    uhtest.eq(values(p), {188}, "box level %d colour values" % k)
    uhtest.eq({p.pixels[y][x * 4 + 3] for y in range(p.height) for x in range(p.width)},
              {255}, "box level %d alpha" % k)

_, rep = mt.levels("rep")
uhtest.eq(values(rep[1]), {188}, "kaiser wrap=repeat level 1 values")
_, d = mt.levels("def")
uhtest.eq(values(d[1], margin=3), {188}, "kaiser clamp level 1 interior values")

_, l16 = mt.levels("lin16")
for k, p in enumerate(l16[1:], 1):
    uhtest.eq(p.depth, 16, "16-bit level %d depth" % k)
    vs = {v for row in p.pixels for v in row}
    uhtest.check(all(abs(v - 32767.5) <= 1 for v in vs), "16-bit linear level %d values %r" % (k, sorted(vs)[:5]))
uhtest.done()
