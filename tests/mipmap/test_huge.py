"""Huge texture: the full mip chain of a 20000x15000 RGBA image (a
procedural black/white checker streamed as rows, read as sRGB) is built in one pass by
mip.stream_png with peak RSS under 128 MB; all 15 levels are written with
the right sizes and decode. The same chain streamed into one 1.6 GB KTX2
file by mip.stream_ktx2 also stays under 128 MB, with the level index of
a full chain and the small levels' grey right. Skipped under sanitizers
(slow)."""
import os
import resource
import struct

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

g = mt.graph({
    "src": {"type": "checker", "params": {"width": 20000, "height": 15000, "channels": 4, "frequency": 37}},
    "mip": {"type": "mip.stream_ktx2", "params": {"path": "huge.ktx2", "filter": "box", "transfer": "srgb"},
            "inputs": {"image": "src"}},
}, "ktx2.json")
mt.run_ok(g)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
uhtest.check(peak_kb < 128 * 1024, "ktx2: peak RSS %.1f MB, limit 128 MB" % (peak_kb / 1024.0))
path = mt.path("huge.ktx2")
with open(path, "rb") as f:
    head = f.read(80 + 24 * 15)
    fmt, _, w, h, _, _, _, n = struct.unpack_from("<8I", head, 12)
    uhtest.eq((fmt, w, h, n), (43, 20000, 15000, 15), "ktx2: R8G8B8A8_SRGB 20000x15000, 15 levels")
    index = [struct.unpack_from("<3Q", head, 80 + 24 * k) for k in range(n)]
    uhtest.eq(os.path.getsize(path), index[0][0] + index[0][1], "ktx2: level 0 ends the file")
    for k in range(n):
        lw, lh = max(1, 20000 >> k), max(1, 15000 >> k)
        uhtest.eq(index[k][1], lw * lh * 4, "ktx2: level %d bytes" % k)
        if k >= 9:
            f.seek(index[k][0])
            px = f.read(index[k][1])
            mean = sum(px[0::4]) / (lw * lh)
            uhtest.check(150 <= mean <= 225, "ktx2 level %d mean grey %.1f (~188)" % (k, mean))
os.remove(path)
uhtest.done()
