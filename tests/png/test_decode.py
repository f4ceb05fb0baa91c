"""png.load through the minihost (no real host needed): every colour type and
bit depth, interlaced or not, decoded in bands of 1, 7 and all rows, compared
exactly with the corpus's own expectation and with the independent decoder
of tests/support/uhtest.py; every hostile file fails with the right exit
code and message, quickly and without leaks.

Usage: test_decode.py CORPUS HARNESS"""

import os
import time

import pngtest
from pngtest import uhtest

tmp = uhtest.scratch("png_decode")
raw = os.path.join(tmp, "out.raw")
SPACES = {"srgb": 0, "linear": 1}
slow = 20.0 if uhtest.SANITIZED else 2.0

for m in pngtest.manifest():
    path = pngtest.corpus_file(m["name"])
    if m["kind"] == "valid":
        want = (m["width"], m["height"], m["channels"], m["depth"])
        ref = None if m.get("no_reference") else pngtest.reference(path)
        for band in (1, 7, 100000):
            code, out, err = pngtest.harness("decode", path, raw, "--band", band)
            if not uhtest.eq(code, 0, "%s band %d: exit (%s)" % (m["name"], band, err.strip())):
                continue
            w, h, c, d, sp, px = pngtest.read_raw(raw)
            uhtest.eq((w, h, c, d), want, "%s band %d: geometry" % (m["name"], band))
            uhtest.check(px == m["pixels"], "%s band %d: pixels differ from the generator's"
                         % (m["name"], band))
            if ref is not None:
                uhtest.check((c, d, px) == ref, "%s band %d: pixels differ from uhtest.read_png"
                             % (m["name"], band))
            if "space" in m:
                uhtest.eq(sp, SPACES[m["space"]], "%s: colour space" % m["name"])
            if "warning" in m:
                uhtest.check(m["warning"] in err, "%s: warning %r in %r"
                             % (m["name"], m["warning"], err))
            uhtest.check("leaked" not in err, "%s: %s" % (m["name"], err))
    elif m["kind"] == "broken":
        t = time.time()
        code, out, err = pngtest.harness("decode", path, raw)
        dt = time.time() - t
        uhtest.eq(code, m["code"], "%s: exit code (%s)" % (m["name"], err.strip()))
        uhtest.check(("png.load: %s: " % path) in err and m["message"] in err,
                     "%s: message %r in %r" % (m["name"], m["message"], err))
        uhtest.check(dt < slow, "%s: took %.2f s" % (m["name"], dt))

# Warnings are rate-limited: 10 lines, then one line with the count.
code, out, err = pngtest.harness("decode", pngtest.corpus_file("crc_ancillary_30.png"))
uhtest.eq(code, 0, "30 bad ancillary CRCs: exit")
uhtest.eq(err.count("libpng: teSt: CRC error"), 10, "warning lines shown")
uhtest.check(err.strip().endswith("crc_ancillary_30.png: 20 more PNG warnings"), err)

# max_warnings: 30 warnings pass at 30 and fail at 29 (exit 3, naming the
# last one); the decoder's own warnings (after the image data) count too.
code, out, err = pngtest.harness("decode", pngtest.corpus_file("crc_ancillary_30.png"),
                                 "--set", "load.max_warnings=30")
uhtest.eq(code, 0, "30 warnings, max_warnings 30: exit (%s)" % err.strip())
code, out, err = pngtest.harness("decode", pngtest.corpus_file("crc_ancillary_30.png"),
                                 "--set", "load.max_warnings=29")
uhtest.eq(code, 3, "30 warnings, max_warnings 29: exit")
uhtest.check("crc_ancillary_30.png: more than 29 PNG warnings (max_warnings); the last: "
             "libpng: teSt: CRC error" in err, err)
for name, last in (("after_idat_chunks.png", "tIME: CRC error"),
                   ("extra_rows.png", "IDAT: Too much image data"),
                   ("idat_after_text.png", "IDAT: Too many IDATs found"),
                   ("gama_zero.png", "libpng: gAMA: gamma value out of range")):
    code, out, err = pngtest.harness("decode", pngtest.corpus_file(name),
                                     "--set", "load.max_warnings=0")
    uhtest.eq(code, 3, "%s, max_warnings 0: exit" % name)
    uhtest.check("%s: more than 0 PNG warnings (max_warnings); the last: %s" % (name, last)
                 in err, err)
    uhtest.check("leaked" not in err, err)
    code, out, err = pngtest.harness("decode", pngtest.corpus_file(name),
                                     "--set", "load.max_warnings=1")
    uhtest.eq(code, 0, "%s, max_warnings 1: exit (%s)" % (name, err.strip()))

# max_chunks bounds the sPLT chunks libpng keeps: less memory with 10.
peaks = {}
for n in (10, 1000):
    code, out, err = pngtest.harness("decode", pngtest.corpus_file("splt_2000.png"),
                                     "--set", "load.max_chunks=%d" % n)
    uhtest.eq(code, 0, "sPLT flood, max_chunks %d: exit" % n)
    uhtest.check("No space in chunk cache for sPLT" in err, err)
    peaks[n] = int(out.split("peak=")[1])
uhtest.check(peaks[10] + 40000 < peaks[1000], "sPLT peaks %r" % peaks)

# max_chunk_bytes: a 5 KB iCCP is kept by default, dropped at 2000 bytes.
path = pngtest.corpus_file("iccp_5k.png")
code, out, err = pngtest.harness("decode", path)
uhtest.check(code == 0 and "has an ICC profile" in err and "warning" not in err, err)
code, out, err = pngtest.harness("decode", path, "--set", "load.max_chunk_bytes=2000")
uhtest.check(code == 0 and "has an ICC profile" not in err and
             "libpng: iCCP: chunk data is too large" in err, err)

# The iCCP note, and a gAMA that is neither sRGB nor linear.
code, out, err = pngtest.harness("decode", pngtest.corpus_file("space_iccp.png"))
uhtest.check("has an ICC profile (iCCP); tagged sRGB, the profile is not applied" in err, err)

# The decompression bomb: refused from the header when max_pixels is lower,
# in well under a second and before any large allocation.
bomb = pngtest.corpus_file("bomb_20000.png")
t = time.time()
code, out, err = pngtest.harness("decode", bomb, "--set", "load.max_pixels=100000000")
dt = time.time() - t
uhtest.eq(code, 4, "bomb with max_pixels 1e8: exit")
uhtest.check("image is 20000x20000 = 400000000 pixels; max_pixels is 100000000 "
             "(raise png.load's max_pixels)" in err, err)
uhtest.check(dt < 1.0, "bomb refused in %.2f s" % dt)

# Lower limits name their parameter.
code, out, err = pngtest.harness("decode", pngtest.corpus_file("ct2_d8_37x23.png"),
                                 "--set", "load.max_dimension=30")
uhtest.eq(code, 4, "max_dimension 30: exit")
uhtest.check("image is 37x23 pixels; max_dimension is 30 (raise png.load's "
             "max_dimension)" in err, err)

# Allowed, the bomb streams: 400 megapixels decoded in bands with a small,
# bounded peak (no whole-image buffer).
if not uhtest.SANITIZED:
    code, out, err = pngtest.harness("decode", bomb, "--band", 64,
                                     "--memory-limit", 4 << 20)
    uhtest.eq(code, 0, "bomb streamed in 4 MiB: exit (%s)" % err.strip())
    peak = int(out.split("peak=")[1]) if "peak=" in out else -1
    uhtest.check(0 < peak < (1 << 20), "bomb: peak %d bytes" % peak)

# Interlaced images are decoded whole on the first band: the budget must
# cover the image (256 KiB here), while the same image not interlaced
# streams in far less.
for name, want in (("big_rgba.png", 0), ("big_rgba_i.png", 4)):
    code, out, err = pngtest.harness("decode", pngtest.corpus_file(name), "--band", 8,
                                     "--memory-limit", 256 << 10)
    uhtest.eq(code, want, "%s in 256 KiB: exit (%s)" % (name, err.strip()))

uhtest.done()
