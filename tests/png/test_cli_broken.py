"""uberhost run on every hostile corpus file: the exact exit code (3 decode,
4 limit), stderr naming the graph's node, png.load, the file and the
problem, no output file, an existing output left intact, and a quick
failure.

Usage: test_cli_broken.py CORPUS"""

import json
import os
import shutil
import subprocess
import time

from clitest import graph, need_host, pngtest, uhtest

need_host()
tmp = uhtest.scratch("png_cli_broken")
dst = os.path.join(tmp, "out.png")
old = b"the previous output"
slow = 10.0 if uhtest.SANITIZED else 1.0

for m in pngtest.manifest():
    if m["kind"] != "broken":
        continue
    src = pngtest.corpus_file(m["name"])
    g = graph(tmp, "g.json", src, dst)
    if os.path.exists(dst):
        os.remove(dst)
    t = time.time()
    code, out, err = uhtest.expect(["run", g], m["code"])
    dt = time.time() - t
    first = err.strip().splitlines()[-1] if err.strip() else ""
    uhtest.check("/nodes/src" in first and "png.load" in first and src in first
                 and m["message"] in first,
                 "%s: stderr %r lacks node, type, file or %r" % (m["name"], err, m["message"]))
    uhtest.check(not os.path.exists(dst), "%s: output file left behind" % m["name"])
    uhtest.check(dt < slow, "%s: failed in %.2f s" % (m["name"], dt))
    uhtest.check([f for f in os.listdir(tmp) if f not in ("g.json",)] == [],
                 "%s: files left in the output directory: %s" % (m["name"], os.listdir(tmp)))

# A real JPEG named .png, made by ImageMagick when it is installed.
convert = shutil.which("convert")
if convert:
    jpg = os.path.join(tmp, "photo.png")
    subprocess.run([convert, "-size", "16x8", "gradient:red-blue", "jpg:" + jpg], check=True)
    g = graph(tmp, "g.json", jpg, dst)
    uhtest.expect(["run", g], 3, contains="%s: not a PNG file (it is a JPEG file)" % jpg)
    uhtest.check(not os.path.exists(dst), "JPEG: no output")
    os.remove(jpg)
else:
    print("real-JPEG case skipped: no ImageMagick convert")

# An existing output survives a failed run untouched, also when the input
# fails half-way (trunc_late.png: 1000 of 2048 rows), after png.save began.
for name in ("trunc_idat.png", "trunc_late.png"):
    with open(dst, "wb") as f:
        f.write(old)
    g = graph(tmp, "g.json", pngtest.corpus_file(name), dst)
    uhtest.expect(["run", g, "--threads", 4], 3, contains="truncated PNG")
    uhtest.eq(open(dst, "rb").read(), old, "%s: existing output after a failed run" % name)
    uhtest.eq(sorted(os.listdir(tmp)), ["g.json", "out.png"], "%s: files left" % name)
os.remove(dst)

# max_warnings through the generic `load` node, which takes it for PNG and
# JPEG alike: a file with 30 bad ancillary CRCs fails at 5, passes at 30.
src = pngtest.corpus_file("crc_ancillary_30.png")
with open(os.path.join(tmp, "g.json"), "w") as f:
    json.dump({"uberhost": 1, "nodes": {
        "src": {"type": "load", "params": {"path": src, "max_warnings": 5}},
        "out": {"type": "png.save", "params": {"path": dst}, "inputs": {"image": "src"}}}}, f)
g = os.path.join(tmp, "g.json")
uhtest.expect(["run", g], 3, contains="/nodes/src (png.load, ")
uhtest.expect(["run", g], 3, contains="%s: more than 5 PNG warnings (max_warnings); the last: "
              "libpng: teSt: CRC error" % src)
uhtest.check(not os.path.exists(dst), "max_warnings: no output")
uhtest.expect(["run", g, "--set", "src.max_warnings=30"], 0)
uhtest.check(os.path.exists(dst), "max_warnings 30: output written")
uhtest.done()
