"""mip.stream_png: the streamed chain (rows in, PNG rows out) decodes to the
same pixels as mipmap + mip.save_png with the same filter (clamp), for
box on an odd size and on 128x96 (where mipmap uses its band cascade), the default filter on RGBA, min, and 16-bit input; the
manifest lists the levels; write_base=false leaves level 0 out."""
import random

import miptest as mt
import uhtest

mt.scratch()
random.seed(12)
inputs = {
    "odd.png": (203, 131, 4, 8),
    "rgba.png": (128, 96, 4, 8),
    "grey16.png": (77, 50, 1, 16),
}
for name, (w, h, ch, depth) in inputs.items():
    mx = 255 if depth == 8 else 65535
    rows = [[random.randrange(mx + 1) for _ in range(w * ch)] for y in range(h)]
    uhtest.write_png(mt.path(name), w, h, ch, rows, depth)

cases = {
    "box_odd": ("odd.png", "box"),
    "box_pot": ("rgba.png", "box"),  # mipmap's band cascade vs the stream
    "kaiser": ("rgba.png", "kaiser"),
    "min": ("rgba.png", "min"),
    "mitchell16": ("grey16.png", "mitchell"),
}
nodes = {}
for key, (src, f) in cases.items():
    nodes["l_" + key] = mt.load(src)
    nodes["m_" + key] = {"type": "mipmap", "params": {"filter": f}, "inputs": {"image": "l_" + key}}
    nodes["w_" + key] = {"type": "mip.save_png", "params": {"dir": "whole_" + key}, "inputs": {"levels": "m_" + key}}
    nodes["s_" + key] = {"type": "mip.stream_png", "params": {"dir": "stream_" + key, "filter": f},
                         "inputs": {"image": "l_" + key}}
nodes["nb"] = {"type": "mip.stream_png", "params": {"dir": "nobase", "write_base": False, "max_levels": 4},
               "inputs": {"image": "l_kaiser"}}
mt.run_ok(mt.graph(nodes))

for key in cases:
    mw, lw = mt.levels("whole_" + key)
    ms, ls = mt.levels("stream_" + key)
    uhtest.eq([(e["width"], e["height"], e["file"]) for e in ms["levels"]],
              [(e["width"], e["height"], e["file"]) for e in mw["levels"]], key + ": manifest")
    for k, (a, b) in enumerate(zip(lw, ls)):
        uhtest.check(a.pixels == b.pixels and a.depth == b.depth, "%s level %d differs from mipmap's" % (key, k))

# Deflate levels 1-3 (ISA-L, through plugins/png/idatw.c): the same pixels
# as the default level, streamed and whole, 8- and 16-bit.
nodes = {"l": mt.load("rgba.png"), "l16": mt.load("grey16.png"),
         "m": {"type": "mipmap", "params": {"filter": "box"}, "inputs": {"image": "l"}},
         "m16": {"type": "mipmap", "params": {"filter": "box"}, "inputs": {"image": "l16"}}}
for c in (0, 1, 2, 3):
    nodes["w%d" % c] = {"type": "mip.save_png", "params": {"dir": "zw%d" % c, "compression": c},
                        "inputs": {"levels": "m"}}
    nodes["s%d" % c] = {"type": "mip.stream_png", "params": {"dir": "zs%d" % c, "filter": "box",
                                                             "compression": c},
                        "inputs": {"image": "l"}}
    nodes["w16_%d" % c] = {"type": "mip.save_png", "params": {"dir": "zw16_%d" % c,
                                                              "compression": c},
                           "inputs": {"levels": "m16"}}
mt.run_ok(mt.graph(nodes, "z.json"))
ref = mt.levels("whole_box_pot")[1]
ref16 = mt.levels("zw16_0")[1]
for c in (1, 2, 3):
    for d in ("zw%d" % c, "zs%d" % c):
        got = mt.levels(d)[1]
        uhtest.eq(len(got), len(ref), "%s: level count" % d)
        for k, (a, b) in enumerate(zip(ref, got)):
            uhtest.check(a.pixels == b.pixels and a.depth == b.depth,
                         "%s level %d: pixels differ from level 6's" % (d, k))
    got16 = mt.levels("zw16_%d" % c)[1]
    uhtest.check(all(a.pixels == b.pixels and b.depth == 16 for a, b in zip(ref16, got16)),
                 "16-bit at level %d: pixels" % c)

# Level 0 is the input itself (uh.image-pass/1), not a copy: the mipmap
# and ripmap nodes' output bytes are those of the other levels; with
# another sample type level 0 is converted and counted. Pixels as above.
import json  # noqa: E402
for kind, sample, with_base in (("mipmap", "same", False), ("mipmap", "u16", True),
                                ("ripmap", "same", False)):
    g = mt.graph({"l": mt.load("rgba.png"),
                  "m": {"type": kind, "params": {"filter": "box", "sample": sample},
                        "inputs": {"image": "l"}},
                  "w": {"type": "mip.save_png", "params": {"dir": "pass_%s_%s" % (kind, sample)},
                        "inputs": {"levels": "m"}}}, "pass.json")
    c, out, err = uhtest.run("run", g, "--stats=json", cwd=mt.path())
    uhtest.eq(c, 0, "%s sample=%s: exit (%s)" % (kind, sample, err.strip()))
    node = {n["id"]: n for n in json.loads(out)["nodes"]}
    man, lv = mt.levels("pass_%s_%s" % (kind, sample))
    px = 8 if sample == "u16" else 4
    want = sum(e["width"] * e["height"] * px for e in man["levels"])
    if not with_base:
        want -= 128 * 96 * 4
    uhtest.eq(node["m"]["output_bytes"], want, "%s sample=%s: output bytes" % (kind, sample))
    uhtest.eq(node["l"]["output_bytes"], 128 * 96 * 4, "%s: the input's bytes" % kind)
    uhtest.check(lv[0].pixels == ref[0].pixels or sample == "u16",
                 "%s sample=%s: level 0 pixels" % (kind, sample))

nb = mt.manifest("nobase")["levels"]
uhtest.eq([e["file"] for e in nb], ["level_1.png", "level_2.png", "level_3.png"], "write_base=false files")
uhtest.done()
