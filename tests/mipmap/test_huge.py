"""Huge texture: the full mip chain of a 20000x15000 RGBA image (a
procedural black/white checker streamed as rows, read as sRGB) is built in one pass by
mip.stream_png with peak RSS under 128 MB; all 15 levels are written with
the right sizes and decode. Skipped under sanitizers (slow)."""
import resource

import miptest as mt
import uhtest

if uhtest.SANITIZED:
    print("skipped under sanitizers")
    raise SystemExit(77)
mt.scratch()
g = mt.graph({
    "src": {"type": "checker", "params": {"width": 20000, "height": 15000, "channels": 4, "frequency": 37}},
    "mip": {"type": "mip.stream_png", "params": {"dir": "huge", "filter": "box", "write_base": False, "transfer": "srgb",
                                                 "compression": 1},
            "inputs": {"image": "src"}},
})
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
mt.run_ok(g)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
uhtest.check(peak_kb < 128 * 1024, "peak RSS %.1f MB, limit 128 MB" % (peak_kb / 1024.0))
print("peak RSS %.1f MB (before %.1f MB)" % (peak_kb / 1024.0, before / 1024.0))
m = mt.manifest("huge")
uhtest.eq([(e["level"], e["width"], e["height"]) for e in m["levels"]],
          [(k, max(1, 20000 >> k), max(1, 15000 >> k)) for k in range(1, 15)], "level sizes")
for k in range(9, 15):
    p = uhtest.read_png(mt.path("huge", "level_%d.png" % k))
    uhtest.eq((p.width, p.height, p.channels), (max(1, 20000 >> k), max(1, 15000 >> k), 4), "level %d" % k)
    vals = [row[x * 4] for row in p.pixels for x in range(p.width)]
    mean = sum(vals) / len(vals)
    uhtest.check(150 <= mean <= 225, "level %d mean grey %.1f (a black/white checker is ~188)" % (k, mean))
uhtest.done()
