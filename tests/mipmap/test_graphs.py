"""graphs/mipmap.json, graphs/mipmap-stream.json and graphs/ripmap.json run as shipped (defaults) on a
256x256 RGBA texture made here, and with --set overrides; their outputs
exist and agree with each other (KTX2 level count, ripmap 81 images,
atlas sizes; the streamed KTX2 is mipmap.json's, byte for byte)."""
import json
import os
import struct

import miptest as mt
import uhtest

mt.scratch()
n = 256
rows = [[(x ^ y) & 255 if c < 3 else 255 - ((x + y) & 127) for x in range(n) for c in range(4)] for y in range(n)]
uhtest.write_png(mt.path("texture.png"), n, n, 4, rows)
graphs = os.path.join(uhtest.SRC, "graphs")

c, _, err = uhtest.run("check", os.path.join(graphs, "mipmap.json"), cwd=mt.SCRATCH)
uhtest.eq(c, 0, "check mipmap.json (%s)" % err.strip())
mt.run_ok(os.path.join(graphs, "mipmap.json"))
m = mt.manifest("out/mip")
uhtest.eq(len(m["levels"]), 9, "mipmap.json: levels of 256x256")
k = open(mt.path("out/texture.ktx2"), "rb").read()
uhtest.eq(struct.unpack_from("<I", k, 40)[0], 9, "mipmap.json: KTX2 levelCount")
uhtest.eq(open(mt.path("out/texture.dds"), "rb").read()[:4], b"DDS ", "mipmap.json: DDS magic")
a = uhtest.read_png(mt.path("out/mip_atlas.png"))
uhtest.eq((a.width, a.height), (384, 256), "mipmap.json: atlas size")

mt.run_ok(os.path.join(graphs, "mipmap.json"), "--set", "filter=box", "--set", "alpha_ref=0.5",
          "--set", "dir=out/box", "--set", "ktx2=out/box.ktx2")
uhtest.eq(len(mt.manifest("out/box")["levels"]), 9, "mipmap.json --set: levels")

mt.run_ok(os.path.join(graphs, "mipmap-stream.json"))
uhtest.check(open(mt.path("out/texture-stream.ktx2"), "rb").read() == open(mt.path("out/texture.ktx2"), "rb").read(),
             "mipmap-stream.json: the same KTX2 as mipmap.json's (kaiser, clamp)")
mt.run_ok(os.path.join(graphs, "mipmap-stream.json"), "--set", "filter=box", "--set", "output=out/s-box.ktx2")
uhtest.eq(struct.unpack_from("<I", open(mt.path("out/s-box.ktx2"), "rb").read(), 40)[0], 9,
          "mipmap-stream.json --set: KTX2 levelCount")

mt.run_ok(os.path.join(graphs, "ripmap.json"))
r = mt.manifest("out/rip")
uhtest.eq(len(r["levels"]), 81, "ripmap.json: images of 256x256")
ra = json.load(open(mt.path("out/rip_atlas.json")))
uhtest.eq((ra["width"], ra["height"]), (511, 511), "ripmap.json: atlas size")
mt.run_ok(os.path.join(graphs, "ripmap.json"), "--set", "max_aniso=2", "--set", "dir=out/rip2")
uhtest.eq(len(mt.manifest("out/rip2")["levels"]), 25, "ripmap.json max_aniso=2: images")
uhtest.done()
