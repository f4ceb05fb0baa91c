"""Alpha cut-out (foliage-like discs of linear G 0.6 with 1-px soft edges on
transparent black): no dark fringe (partially covered texels keep G within
0.005 of the true colour on average, 0.02 at worst) at every level, and with
alpha_ref 0.5 the alpha-test coverage of every level of at least 16x16 stays
within 0.02 of level 0's; without it coverage drifts (so the check bites)."""
import math
import random

import miptest as mt
import uhtest

mt.scratch()
n = 256
random.seed(4)
g8 = mt.encode_srgb8(0.6)
g_true = mt.SRGB8[g8]
alpha = [[0] * n for _ in range(n)]
for _ in range(40):
    cx, cy, r = random.randrange(n), random.randrange(n), 3 + random.randrange(14)
    for y in range(max(0, int(cy - r - 2)), min(n, int(cy + r + 3))):
        for x in range(max(0, int(cx - r - 2)), min(n, int(cx + r + 3))):
            a = r + 0.5 - math.hypot(x + 0.5 - cx, y + 0.5 - cy)
            if a > 0:
                alpha[y][x] = max(alpha[y][x], int(min(1.0, a) * 255 + 0.5))
rows = []
for y in range(n):
    row = []
    for x in range(n):
        a = alpha[y][x]
        row += [40, g8, 90, a] if a else [0, 0, 0, 0]
    rows.append(row)
uhtest.write_png(mt.path("cutout.png"), n, n, 4, rows)
cov0 = sum(1 for y in range(n) for x in range(n) if alpha[y][x] >= 128) / (n * n)
uhtest.check(0.1 < cov0 < 0.6, "test image coverage %.3f" % cov0)

g = mt.graph({
    "src": mt.load("cutout.png"),
    "box": {"type": "mipmap", "params": {"filter": "box", "alpha_ref": 0.5}, "inputs": {"image": "src"}},
    "kai": {"type": "mipmap", "params": {"alpha_ref": 0.5}, "inputs": {"image": "src"}},
    "raw": {"type": "mipmap", "params": {"filter": "box"}, "inputs": {"image": "src"}},
    "s1": {"type": "mip.save_png", "params": {"dir": "box"}, "inputs": {"levels": "box"}},
    "s2": {"type": "mip.save_png", "params": {"dir": "kai"}, "inputs": {"levels": "kai"}},
    "s3": {"type": "mip.save_png", "params": {"dir": "raw"}, "inputs": {"levels": "raw"}},
})
mt.run_ok(g)


def coverage(p):
    return sum(1 for row in p.pixels for x in range(p.width) if row[x * 4 + 3] >= 128) / (p.width * p.height)


for name in ("box", "kai"):
    _, lv = mt.levels(name)
    for k, p in enumerate(lv):
        if p.width >= 16:
            uhtest.near(coverage(p), cov0, 0.02, "%s level %d coverage" % (name, k))
        gs = [mt.SRGB8[row[x * 4 + 1]] for row in p.pixels for x in range(p.width)
              if 13 <= row[x * 4 + 3] <= 242]
        if gs:
            mean = sum(gs) / len(gs)
            worst = max(abs(v - g_true) for v in gs)
            uhtest.check(abs(mean - g_true) <= 0.005 and worst <= 0.02,
                         "%s level %d fringe G mean %.4f worst %.4f true %.4f"
                         % (name, k, mean, worst, g_true))

_, raw = mt.levels("raw")
drift = max(abs(coverage(p) - cov0) for p in raw if p.width >= 16)
uhtest.check(drift > 0.02, "without alpha_ref coverage drifts only %.4f (test would not bite)" % drift)
uhtest.done()
