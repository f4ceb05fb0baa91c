"""KTX2 through Khronos' own validator: `ktx validate --warnings-as-errors`
(KTX-Software 4.3 or later) accepts every variant ktx2.save and
mip.stream_ktx2 write: RGBA8 sRGB and UNORM, RGB8 (12-byte alignment), R8,
grey+alpha expanded to RGBA, RGBA16, RGBA32F, premultiplied, a 1-level
file, odd sizes down to 1x1, and the streamed chain of a 301x77 image.
Optional: skipped (77) unless `ktx` is found (set KTX to its path, or put
it on PATH; Debian 12 does not package it, build it from KTX-Software)."""
import os
import shutil
import subprocess

import miptest as mt
import uhtest

ktx = os.environ.get("KTX") or shutil.which("ktx")
if not ktx or not os.access(ktx, os.X_OK):
    print("skipped: Khronos' ktx tool not found")
    raise SystemExit(77)
mt.scratch()


mt.pattern_png("rgba.png", 64, 48, 4)
mt.pattern_png("odd.png", 301, 77, 4)
mt.pattern_png("rgb.png", 20, 12, 3)
mt.pattern_png("grey.png", 30, 17, 1)
mt.pattern_png("ga.png", 16, 16, 2)
mt.pattern_png("rgb16.png", 9, 5, 3, 16)
mt.pattern_png("one.png", 1, 1, 4)

cases = {
    "rgba_srgb": ("rgba.png", {}),
    "rgba_unorm": ("rgba.png", {"transfer": "linear"}),
    "rgba_premult": ("rgba.png", {"transfer": "linear"}),  # fed through convert alpha=premultiply
    "rgb_srgb": ("rgb.png", {}),
    "grey_data": ("grey.png", {"transfer": "data"}),
    "ga": ("ga.png", {"transfer": "linear"}),
    "rgba16": ("rgb16.png", {"transfer": "linear", "sample": "u16"}),
    "rgba32f": ("rgba.png", {"transfer": "linear", "sample": "f32"}),
    "one_level": ("odd.png", {"max_levels": 1}),
    "odd": ("odd.png", {}),
    "pixel": ("one.png", {}),
}
nodes = {}
for name, (src, params) in cases.items():
    nodes["l_" + name] = mt.load(src)
    feed = "l_" + name
    if name == "rgba_premult":
        nodes["c_" + name] = {"type": "convert", "params": {"alpha": "premultiply"}, "inputs": {"image": feed}}
        feed = "c_" + name
    nodes["m_" + name] = {"type": "mipmap", "params": params, "inputs": {"image": feed}}
    nodes["k_" + name] = {"type": "ktx2.save", "params": {"path": name + ".ktx2"}, "inputs": {"levels": "m_" + name}}
nodes["s_odd"] = {"type": "mip.stream_ktx2", "params": {"path": "stream_odd.ktx2", "filter": "lanczos3"},
                  "inputs": {"image": "l_odd"}}
mt.run_ok(mt.graph(nodes))

for name in list(cases) + ["stream_odd"]:
    p = subprocess.run([ktx, "validate", "--warnings-as-errors", mt.path(name + ".ktx2")],
                       capture_output=True, text=True, timeout=60)
    uhtest.eq(p.returncode, 0, "%s.ktx2: ktx validate says %s" % (name, (p.stdout + p.stderr).strip()))
# The validator does fail on a broken file (the test can fail).
data = bytearray(open(mt.path("rgba_srgb.ktx2"), "rb").read())
data[12] = 0xFF  # vkFormat
open(mt.path("broken.ktx2"), "wb").write(bytes(data))
p = subprocess.run([ktx, "validate", mt.path("broken.ktx2")], capture_output=True, text=True, timeout=60)
uhtest.check(p.returncode != 0, "ktx validate accepts a file with a bad vkFormat: %s" % p.stdout.strip())
uhtest.done()
