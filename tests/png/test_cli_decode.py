"""uberhost run of png.load -> png.save (depth auto) over every valid corpus
file: the output's pixels equal the independent decode of the input
(tests/support/uhtest.py, with tRNS made alpha); a second pass is
bit-exact; --threads 1 and 4 give identical bytes; the colour-space tag
survives; the decompression bomb is refused from the header when
max_pixels is lowered and streams within a small budget otherwise.

Usage: test_cli_decode.py CORPUS"""

import os
import time

from clitest import graph, need_host, pngtest, uhtest

need_host()
tmp = uhtest.scratch("png_cli_decode")
man = {m["name"]: m for m in pngtest.manifest()}
dst = os.path.join(tmp, "out.png")

for name, m in sorted(man.items()):
    if m["kind"] != "valid":
        continue
    src = pngtest.corpus_file(name)
    g = graph(tmp, "g.json", src, dst)
    code, out, err = uhtest.run("run", g, "--threads", 2)
    if not uhtest.eq(code, 0, "%s: exit (%s)" % (name, err.strip())):
        continue
    p = uhtest.read_png(dst)
    uhtest.check((p.channels, p.depth, p.pixels) == (m["channels"], m["depth"], m["pixels"]),
                 "%s: output pixels differ from the generator's" % name)
    if not m.get("no_reference"):
        uhtest.check((p.channels, p.depth, p.pixels) == pngtest.reference(src),
                     "%s: output pixels differ from uhtest.read_png of the input" % name)
    if "warning" in m:
        uhtest.check(m["warning"] in err, "%s: warning %r in %r" % (name, m["warning"], err))
    if "space" in m:
        chunks = pngtest.chunks_of(dst)
        want = "gAMA" if m["space"] == "linear" else "sRGB"
        uhtest.check(want in chunks, "%s: %s in %s" % (name, want, chunks))

# PNG -> PNG -> PNG: bit-exact for 8 and 16 bits.
for name in ("ct2_d8_37x23.png", "ct6_d16_37x23.png", "ct0_d16_trns_i_37x23.png"):
    a, b = os.path.join(tmp, "a.png"), os.path.join(tmp, "b.png")
    uhtest.expect(["run", graph(tmp, "g1.json", pngtest.corpus_file(name), a)], 0)
    uhtest.expect(["run", graph(tmp, "g2.json", a, b)], 0)
    uhtest.check(open(a, "rb").read() == open(b, "rb").read(), "%s: second pass bit-exact" % name)

# Threads 1 and 4: identical bytes, streaming and interlaced, palette too.
for name, save in (("big_rgba.png", {}), ("big_rgba_i.png", {}),
                   ("big_rgba.png", {"interlace": True}), ("ct3_d8_trns_37x23.png", {"palette": True})):
    outs = []
    for threads in (1, 4):
        o = os.path.join(tmp, "t%d.png" % threads)
        uhtest.expect(["run", graph(tmp, "gt.json", pngtest.corpus_file(name), o, save=save),
                       "--threads", threads], 0)
        outs.append(open(o, "rb").read())
    uhtest.check(outs[0] == outs[1], "%s %s: --threads 1 and 4 differ" % (name, save))

# Notes (info lines) show with --verbose.
o = os.path.join(tmp, "v.png")
g = graph(tmp, "gv.json", pngtest.corpus_file("space_iccp.png"), o)
uhtest.expect(["run", g, "--verbose"], 0,
              contains="has an ICC profile (iCCP); tagged sRGB, the profile is not applied")
g = graph(tmp, "gv.json", pngtest.corpus_file("ct2_d8_37x23.png"), o, save={"palette": True})
uhtest.expect(["run", g, "--verbose"], 0,
              contains="more than 256 colours; written as truecolour, not with a palette")

# --set reaches png.save's parameters.
o = os.path.join(tmp, "d16.png")
uhtest.expect(["run", graph(tmp, "gs.json", pngtest.corpus_file("ct2_d8_37x23.png"), o),
               "--set", "out.depth=16"], 0)
uhtest.eq(pngtest.ihdr_of(o)[2], 16, "--set out.depth=16")

# The bomb: refused from its header, fast, with max_pixels lowered ...
bomb = pngtest.corpus_file("bomb_20000.png")
o = os.path.join(tmp, "bomb.png")
g = graph(tmp, "gb.json", bomb, o)
t = time.time()
code, out, err = uhtest.expect(["run", g, "--set", "src.max_pixels=100000000"], 4,
                               contains="image is 20000x20000 = 400000000 pixels; max_pixels is "
                               "100000000 (raise png.load's max_pixels)")
uhtest.check(time.time() - t < 1.0, "bomb refused in %.2f s" % (time.time() - t))
uhtest.check(not os.path.exists(o), "bomb: no output")
# ... and, allowed, streamed through png.save inside a 16 MiB budget (the
# image is 400 MB decoded).
if not uhtest.SANITIZED:
    code, out, err = uhtest.expect(["run", g, "--memory-limit", "16M", "--set",
                                    "out.compression=1", "--set", "out.filter=none"], 0)
    if code == 0:
        w, h, d, ct, il = pngtest.ihdr_of(o)
        uhtest.eq((w, h, d, ct), (20000, 20000, 8, 0), "bomb streamed: IHDR")
uhtest.done()
