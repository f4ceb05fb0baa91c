"""Determinism: every output file (per-level PNGs, manifests, atlas, KTX2,
DDS) is byte-identical at --threads 1 and --threads 4, for the default
filter with alpha_ref, box (band cascade), from_base, min, and a ripmap,
on odd and power-of-two sizes."""
import os
import random

import miptest as mt
import uhtest

mt.scratch()
random.seed(6)
for name, w, h in (("odd.png", 301, 203), ("pot.png", 256, 128)):
    rows = [[random.randrange(256) for _ in range(w * 4)] for y in range(h)]
    uhtest.write_png(mt.path(name), w, h, 4, rows)

nodes = {"odd": mt.load("../odd.png"), "pot": mt.load("../pot.png")}
variants = {
    "kai": ("odd", "mipmap", {"alpha_ref": 0.4}),
    "box": ("pot", "mipmap", {"filter": "box"}),
    "boxodd": ("odd", "mipmap", {"filter": "box", "wrap": "mirror"}),
    "base": ("odd", "mipmap", {"from_base": True, "filter": "lanczos3"}),
    "min": ("pot", "mipmap", {"filter": "min"}),
    "rip": ("odd", "ripmap", {"filter": "mitchell", "wrap": "repeat"}),
}
for key, (src, typ, params) in variants.items():
    nodes["m_" + key] = {"type": typ, "params": params, "inputs": {"image": src}}
    nodes["p_" + key] = {"type": "mip.save_png", "params": {"dir": key, "compression": 1},
                         "inputs": {"levels": "m_" + key}}
    if typ == "mipmap":
        nodes["k_" + key] = {"type": "ktx2.save", "params": {"path": key + ".ktx2"}, "inputs": {"levels": "m_" + key}}
        nodes["d_" + key] = {"type": "dds.save", "params": {"path": key + ".dds"}, "inputs": {"levels": "m_" + key}}
nodes["atlas"] = {"type": "mip.atlas", "params": {"manifest": "atlas.json"}, "inputs": {"levels": "m_rip"}}
nodes["sa"] = {"type": "png.save", "params": {"path": "atlas.png"}, "inputs": {"image": "atlas"}}
g = mt.graph(nodes)

outs = {}
for t in (1, 4):
    d = mt.path("t%d" % t)
    os.makedirs(d)
    c, _, err = uhtest.run("run", g, "--threads", t, cwd=d)
    uhtest.eq(c, 0, "exit code at --threads %d (%s)" % (t, err.strip()))
    files = {}
    for root, _, names in os.walk(d):
        for f in names:
            p = os.path.join(root, f)
            files[os.path.relpath(p, d)] = open(p, "rb").read()
    outs[t] = files
uhtest.check(len(outs[1]) > 100, "only %d output files" % len(outs[1]))
uhtest.eq(sorted(outs[1]), sorted(outs[4]), "output file names")
diff = [f for f in outs[1] if outs[1][f] != outs[4].get(f)]
uhtest.eq(diff, [], "files that differ between 1 and 4 threads")
uhtest.done()
