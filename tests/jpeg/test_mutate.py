"""jpeg.load on a few hundred deterministic mutants of the corpus (bytes
flipped, runs zeroed, segments cut or repeated), through the stand-in host:
every run must end with exit 0, 3 or 4 (never a crash, a sanitizer report
or a leak, which the driver turns into exit 70), and quickly."""

import os
import random

import jpegcorpus as jc
from drive import drive
from uhtest import check, done, scratch

d = scratch("jpeg_mutate")
c = jc.build(d)
seeds = ["base.jpg", "prog.jpg", "greyprog.jpg", "arith.jpg", "restart.jpg",
         "orient6.jpg", "s422.jpg"]
if "cmyk.jpg" in c:
    seeds.append("cmyk.jpg")
r = random.Random(20261201)
n = 20 if os.environ.get("UH_SANITIZED") else 60
out = os.path.join(d, "out.pnm")
codes = {}
slowest = 0.0
for name in seeds:
    with open(c[name], "rb") as f:
        data = f.read()
    for i in range(n):
        m = bytearray(data)
        kind = i % 4
        if kind == 0:  # flip a few bytes anywhere, headers included
            for _ in range(r.randint(1, 8)):
                m[r.randrange(2, len(m))] = r.randrange(256)
        elif kind == 1:  # zero or 0xFF a run
            a = r.randrange(2, len(m) - 1)
            m[a:a + r.randint(1, 64)] = bytes([r.choice((0, 0xFF))]) * min(64, len(m) - a)
        elif kind == 2:  # cut
            m = m[:r.randrange(2, len(m))]
        else:  # repeat a slice
            a = r.randrange(2, len(m) - 1)
            b = min(len(m), a + r.randint(1, 512))
            m = m[:b] + m[a:b] * r.randint(1, 20) + m[b:]
        p = os.path.join(d, "m.jpg")
        with open(p, "wb") as f:
            f.write(m)
        code, err, secs = drive("load", p, out)
        codes[code] = codes.get(code, 0) + 1
        slowest = max(slowest, secs)
        if not check(code in (0, 3, 4), "%s mutant %d (kind %d): exit %d: %s" %
                     (name, i, kind, code, err.strip()[-300:])):
            keep = os.path.join(d, "failed-%s-%d.jpg" % (name, i))
            os.replace(p, keep)
        check(code == 0 or "jpeg_driver: jpeg.load: " in err,
              "%s mutant %d: failure without a message: %r" % (name, i, err))
print("exit codes:", codes, "slowest %.2f s" % slowest)
check(slowest < 2.0, "slowest mutant took %.2f s" % slowest)
done()
