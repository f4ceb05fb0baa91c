"""wrap=repeat: rolling a periodic 64x64 RGBA tile by 8 pixels commutes with
the chain exactly: every byte of level L of the rolled input equals level L
of the original rolled by 8 >> L, for L = 1..3, with the default filter and
lanczos3. With clamp the same check fails (so it bites)."""
import random

import miptest as mt
import uhtest

mt.scratch()
n, s = 64, 8
random.seed(2)
px = [[[random.randrange(256) for _ in range(3)] + [random.randrange(64, 256)] for x in range(n)]
      for y in range(n)]
for y in range(n):  # a hard edge across the seam
    for x in list(range(0, 6)) + list(range(58, 64)):
        px[y][x][0] = 255


def write(name, shift):
    rows = [sum((px[(y - shift) % n][(x - shift) % n] for x in range(n)), []) for y in range(n)]
    uhtest.write_png(mt.path(name), n, n, 4, rows)


write("a.png", 0)
write("b.png", s)
nodes = {"a": mt.load("a.png"), "b": mt.load("b.png")}
for f in ("kaiser", "lanczos3"):
    for w in ("repeat", "clamp"):
        for src in ("a", "b"):
            key = "%s_%s_%s" % (src, f, w)
            nodes["m_" + key] = {"type": "mipmap", "params": {"filter": f, "wrap": w, "max_levels": 4},
                                 "inputs": {"image": src}}
            nodes["s_" + key] = {"type": "mip.save_png", "params": {"dir": key},
                                 "inputs": {"levels": "m_" + key}}
mt.run_ok(mt.graph(nodes))


def rolled_equal(pa, pb, sh):
    m = pa.width
    for y in range(m):
        for x in range(m):
            ya, xa = (y - sh) % m, (x - sh) % m
            if pb.pixels[y][x * 4:x * 4 + 4] != pa.pixels[ya][xa * 4:xa * 4 + 4]:
                return False
    return True


for f in ("kaiser", "lanczos3"):
    _, la = mt.levels("a_%s_repeat" % f)
    _, lb = mt.levels("b_%s_repeat" % f)
    for L in range(1, 4):
        uhtest.check(rolled_equal(la[L], lb[L], s >> L), "%s repeat level %d: roll does not commute" % (f, L))
    _, ca = mt.levels("a_%s_clamp" % f)
    _, cb = mt.levels("b_%s_clamp" % f)
    uhtest.check(not rolled_equal(ca[1], cb[1], s >> 1), "%s clamp level 1 commutes too (test cannot fail)" % f)
uhtest.done()
