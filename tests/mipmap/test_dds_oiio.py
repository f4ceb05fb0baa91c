"""DDS through an independent reader: OpenImageIO (oiiotool/iinfo from
openimageio-tools) reads the legacy-header RGBA8 DDS that dds.save writes,
lists its mip levels with the right sizes, and every level's pixels equal
the PNG of the same level. (OIIO 2.4 does not read DX10 headers.) Skipped
(77) when oiiotool is missing."""
import shutil
import subprocess

import miptest as mt
import uhtest

if not shutil.which("oiiotool") or not shutil.which("iinfo"):
    print("skipped: oiiotool not found (apt-get install openimageio-tools)")
    raise SystemExit(77)
mt.scratch()
w0, h0 = 40, 24
rows = [[(x * 13 + y * 7 + c * 60) % 256 for x in range(w0) for c in range(4)] for y in range(h0)]
uhtest.write_png(mt.path("rgba.png"), w0, h0, 4, rows)
mt.run_ok(mt.graph({
    "l": mt.load("rgba.png"),
    "m": {"type": "mipmap", "params": {"transfer": "linear"}, "inputs": {"image": "l"}},
    "d": {"type": "dds.save", "params": {"path": "t.dds"}, "inputs": {"levels": "m"}},
    "p": {"type": "mip.save_png", "params": {"dir": "png"}, "inputs": {"levels": "m"}},
}))
info = subprocess.run(["iinfo", "-v", mt.path("t.dds")], capture_output=True, text=True).stdout
sizes = " ".join("%dx%d" % (max(1, w0 >> k), max(1, h0 >> k)) for k in range(6))
uhtest.check(("MIP-map levels: " + sizes) in info, "iinfo mip levels: %r" % info)
for k in range(6):
    rgb, a = mt.path("rgb%d.png" % k), mt.path("a%d.png" % k)
    # RGB and A apart: OIIO would un-associate alpha when writing RGBA PNG.
    for ch, out in (("R,G,B", rgb), ("A", a)):
        c = subprocess.run(["oiiotool", mt.path("t.dds"), "--selectmip", str(k), "--ch", ch, "-d", "uint8",
                            "-o", out], capture_output=True, text=True)
        uhtest.eq(c.returncode, 0, "oiiotool level %d %s (%s)" % (k, ch, c.stderr.strip()))
    pc, pa, ref = uhtest.read_png(rgb), uhtest.read_png(a), uhtest.read_png(mt.path("png", "level_%d.png" % k))
    ok = all(pc.pixels[y][x * 3:x * 3 + 3] + [pa.pixels[y][x]] == ref.pixels[y][x * 4:x * 4 + 4]
             for y in range(ref.height) for x in range(ref.width))
    uhtest.check(ok, "level %d as read by OIIO differs from its PNG" % k)
uhtest.done()
