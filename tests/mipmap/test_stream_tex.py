"""mip.stream_ktx2 and mip.stream_dds: the chain streamed from rows into one
KTX2 or DDS file is byte for byte the file that mipmap + ktx2.save /
dds.save write with the same filter (clamp edges), for RGBA8 sRGB on odd
and even sizes, grey (R8), grey+alpha (expanded to RGBA), RGB16, RGB8
linear, float input (RGBA32F), min, max_levels and min_size. A 4096x3072
chain runs under a 16 MiB memory limit (the image is 48 MiB) with the run's
peak from --stats below it. A file size limit below the file's size fails
at the start, when the file is reserved: exit 6, the path and the reason
named, no temporary file left, the old file intact."""
import os
import random
import re
import subprocess

import miptest as mt
import uhtest

mt.scratch()
random.seed(31)
inputs = {
    "odd.png": (203, 131, 4, 8),
    "pot.png": (128, 96, 4, 8),
    "grey.png": (77, 50, 1, 8),
    "ga.png": (33, 17, 2, 8),
    "rgb16.png": (45, 30, 3, 16),
    "rgb.png": (40, 41, 3, 8),
}
for name, (w, h, ch, depth) in inputs.items():
    mx = 255 if depth == 8 else 65535
    rows = [[random.randrange(mx + 1) for _ in range(w * ch)] for y in range(h)]
    uhtest.write_png(mt.path(name), w, h, ch, rows, depth)

cases = {
    # name: (input, filter, extra params shared by both paths, float input)
    "box_odd": ("odd.png", "box", {}, False),
    "box_pot": ("pot.png", "box", {}, False),
    "kaiser_grey": ("grey.png", "kaiser", {}, False),
    "lanczos_ga": ("ga.png", "lanczos3", {}, False),
    "mitchell16": ("rgb16.png", "mitchell", {}, False),
    "triangle_linear": ("rgb.png", "triangle", {"transfer": "linear"}, False),
    "min": ("pot.png", "min", {}, False),
    "max_levels": ("pot.png", "box", {"max_levels": 3}, False),
    "min_size": ("odd.png", "kaiser", {"min_size": 8}, False),
    "float": ("odd.png", "box", {"transfer": "linear"}, True),
}
nodes = {}
for key, (src, f, extra, flt) in cases.items():
    nodes["l_" + key] = mt.load(src)
    feed = "l_" + key
    if flt:
        nodes["c_" + key] = {"type": "convert", "params": {"sample": "f32"}, "inputs": {"image": feed}}
        feed = "c_" + key
    params = dict(extra, filter=f)
    nodes["m_" + key] = {"type": "mipmap", "params": params, "inputs": {"image": feed}}
    for kind in ("ktx2", "dds"):
        nodes["w%s_%s" % (kind, key)] = {"type": kind + ".save", "params": {"path": "whole/%s.%s" % (key, kind)},
                                        "inputs": {"levels": "m_" + key}}
        nodes["s%s_%s" % (kind, key)] = {"type": "mip.stream_" + kind,
                                        "params": dict(params, path="stream/%s.%s" % (key, kind)),
                                        "inputs": {"image": feed}}
mt.run_ok(mt.graph(nodes))

for key in cases:
    for kind in ("ktx2", "dds"):
        a = open(mt.path("whole", "%s.%s" % (key, kind)), "rb").read()
        b = open(mt.path("stream", "%s.%s" % (key, kind)), "rb").read()
        uhtest.check(len(a) > 100, "%s.%s: %d bytes" % (key, kind, len(a)))
        uhtest.check(a == b, "%s.%s: streamed file (%d bytes) differs from the whole writer's (%d bytes)%s"
                     % (key, kind, len(b), len(a),
                        "" if len(a) != len(b) else " first at byte %d" %
                        next(i for i in range(len(a)) if a[i] != b[i]) if a != b else ""))
# The level counts asked for.
for key, n in (("max_levels", 3), ("min_size", 5)):
    d = open(mt.path("stream", key + ".ktx2"), "rb").read()
    uhtest.eq(int.from_bytes(d[40:44], "little"), n, key + ": levelCount")

# A 4096x3072 chain (48 MiB of RGBA8) under a 16 MiB budget.
big = mt.graph({
    "src": {"type": "checker", "params": {"width": 4096, "height": 3072, "channels": 4, "frequency": 9}},
    "mip": {"type": "mip.stream_ktx2", "params": {"path": "big.ktx2", "filter": "box", "transfer": "srgb"},
            "inputs": {"image": "src"}},
}, "big.json")
err = mt.run_ok(big, "--stats", "--memory-limit", "16M")
m = re.search(r"run: peak ([0-9.]+) (B|KiB|MiB|GiB)", err)
uhtest.check(m is not None, "--stats prints the run's peak: %r" % err)
peak = float(m.group(1)) * {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m.group(2)]
uhtest.check(peak < 16 << 20, "run peak %.1f MiB under the 16 MiB limit" % (peak / 1048576.0))
size = os.path.getsize(mt.path("big.ktx2"))
want = 0
for k in range(13):
    want += max(1, 4096 >> k) * max(1, 3072 >> k) * 4
uhtest.check(want < size < want + 4096, "big.ktx2: %d bytes for %d of levels" % (size, want))

# A file size limit (ulimit -f, in KiB; SIGXFSZ ignored so the call fails
# with EFBIG) below the 64 MiB file: refused when the file is reserved.
outdir = mt.path("fsize")
os.makedirs(outdir)
target = os.path.join(outdir, "big.dds")
with open(target, "wb") as f:
    f.write(b"old")
lim = mt.graph({
    "src": {"type": "checker", "params": {"width": 4096, "height": 3072, "channels": 4}},
    "mip": {"type": "mip.stream_dds", "params": {"path": target}, "inputs": {"image": "src"}},
}, "lim.json")
e = dict(os.environ)
if uhtest.PLUGINS:
    e["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
p = subprocess.run(["bash", "-c", 'trap "" XFSZ; ulimit -f 1024; exec "$0" run "$1"', uhtest.BIN, lim],
                   env=e, capture_output=True, timeout=120)
err = p.stderr.decode("utf-8", "replace")
uhtest.eq(p.returncode, 6, "ulimit -f: exit (%s)" % err.strip())
uhtest.check("/nodes/mip (mip.stream_dds" in err and ("cannot write %s: File too large" % target) in err,
             "ulimit -f: stderr %r" % err)
uhtest.eq(os.listdir(outdir), ["big.dds"], "ulimit -f: no temporary file left")
uhtest.eq(open(target, "rb").read(), b"old", "ulimit -f: the old file intact")
uhtest.done()
