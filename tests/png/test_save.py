"""png.save through the minihost (no real host needed): round trips of every
corpus image, every parameter (depth, palette, interlace, filter,
compression), float and premultiplied input, colour-space chunks, and
byte-identical output whatever the band height. Outputs are checked with
the independent decoder of tests/support/uhtest.py.

Usage: test_save.py CORPUS HARNESS"""

import math
import os
import struct
import zlib

import pngtest
from pngtest import uhtest

tmp = uhtest.scratch("png_save")
man = {m["name"]: m for m in pngtest.manifest()}


def out(name):
    return os.path.join(tmp, name)


def convert(src, dst, *opts, band=16):
    sets = []
    for o in opts:
        sets += ["--set", o]
    return pngtest.harness("convert", src, dst, "--band", band, *sets)


def decoded(path):
    p = uhtest.read_png(path)
    return p.channels, p.depth, p.pixels


def filter_bytes(path):
    """The filter type byte of every row of a non-interlaced PNG."""
    data = open(path, "rb").read()
    w, h, depth, ct, il = pngtest.ihdr_of(path)
    pos, idat = 8, b""
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    nch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ct]
    stride = (w * nch * depth + 7) // 8
    return [raw[y * (stride + 1)] for y in range(h)]


# -- round trips: load -> save (depth auto) gives the decoded pixels -------
for name, m in man.items():
    if m["kind"] != "valid":
        continue
    dst = out("rt.png")
    code, _, err = convert(pngtest.corpus_file(name), dst, band=5)
    if not uhtest.eq(code, 0, "%s: convert exit (%s)" % (name, err.strip())):
        continue
    uhtest.check(decoded(dst) == (m["channels"], m["depth"], m["pixels"]),
                 "%s: round trip pixels" % name)

# PNG -> PNG -> PNG is bit-exact, and the second file equals the first.
for name in ("ct2_d8_37x23.png", "ct6_d16_37x23.png", "ct4_d16_i_37x23.png"):
    a, b = out("a.png"), out("b.png")
    convert(pngtest.corpus_file(name), a)
    convert(a, b)
    uhtest.check(open(a, "rb").read() == open(b, "rb").read(), "%s: second pass identical" % name)

# -- the same bytes whatever the band height --------------------------------
for name, opts in (("ct6_d8_37x23.png", ()), ("ct3_d8_trns_37x23.png", ("save.palette=true",)),
                   ("ct0_d16_37x23.png", ("save.interlace=true",))):
    outs = []
    for band in (1, 3, 1000):
        convert(pngtest.corpus_file(name), out("band%d.png" % band), *opts, band=band)
        outs.append(open(out("band%d.png" % band), "rb").read())
    uhtest.check(outs[0] == outs[1] == outs[2], "%s %s: bytes depend on band height" % (name, opts))

# -- colour-space chunks -----------------------------------------------------
for name, has, hasnt in (("space_srgb.png", "sRGB", "gAMA"), ("space_none.png", "sRGB", "gAMA"),
                         ("space_gamma1.png", "gAMA", "sRGB"),
                         ("space_gamma045.png", "sRGB", "gAMA")):
    convert(pngtest.corpus_file(name), out("sp.png"))
    ch = pngtest.chunks_of(out("sp.png"))
    uhtest.check(has in ch and hasnt not in ch, "%s: chunks %s" % (name, ch))
    if has == "gAMA":
        p = uhtest.read_png(out("sp.png"))
        uhtest.eq(struct.unpack(">I", p.chunks[b"gAMA"][0])[0], 100000, "%s: gAMA" % name)

# -- depth -------------------------------------------------------------------
src8 = man["ct6_d8_37x23.png"]
convert(pngtest.corpus_file("ct6_d8_37x23.png"), out("d16.png"), "save.depth=16")
c, d, px = decoded(out("d16.png"))
uhtest.eq((c, d), (4, 16), "depth=16 of an 8-bit image")
uhtest.check(px == [[v * 257 for v in r] for r in src8["pixels"]], "depth=16: v * 257")

src16 = man["ct2_d16_37x23.png"]
convert(pngtest.corpus_file("ct2_d16_37x23.png"), out("d8.png"), "save.depth=8")
c, d, px = decoded(out("d8.png"))
uhtest.eq((c, d), (3, 8), "depth=8 of a 16-bit image")
uhtest.check(px == [[(v + 128) // 257 for v in r] for r in src16["pixels"]],
             "depth=8: v / 257 rounded")
uhtest.eq(pngtest.ihdr_of(out("d8.png"))[2], 8, "depth=8: IHDR bit depth")

# -- palette -----------------------------------------------------------------
for name, bits in (("ct3_d1_37x23.png", 1), ("ct3_d2_37x23.png", 2), ("ct3_d4_37x23.png", 4),
                   ("ct3_d8_37x23.png", 8), ("ct3_d8_trns_37x23.png", 8),
                   ("ct3_d4_trns_i_37x23.png", 4)):
    m = man[name]
    convert(pngtest.corpus_file(name), out("pal.png"), "save.palette=true")
    w, h, depth, ct, il = pngtest.ihdr_of(out("pal.png"))
    used = len({tuple(r[i:i + m["channels"]]) for r in m["pixels"]
                for i in range(0, len(r), m["channels"])})
    want_bits = 1 if used <= 2 else 2 if used <= 4 else 4 if used <= 16 else 8
    uhtest.eq((ct, depth), (3, want_bits), "%s palette: colour type and depth (%d colours)"
              % (name, used))
    uhtest.check(want_bits <= bits, "%s: palette no deeper than the input" % name)
    uhtest.check(decoded(out("pal.png")) == (m["channels"], 8, m["pixels"]),
                 "%s palette: pixels" % name)
    p = uhtest.read_png(out("pal.png"))
    uhtest.eq(len(p.chunks[b"PLTE"][0]), 3 * used, "%s: PLTE entries" % name)
    if m["channels"] == 4:
        trns = p.chunks[b"tRNS"][0]
        uhtest.check(all(a != 255 for a in trns), "%s: tRNS holds only translucent entries" % name)

# Too many colours: truecolour, with a note.
code, _, err = convert(pngtest.corpus_file("ct2_d8_37x23.png"), out("many.png"), "save.palette=true")
uhtest.eq(code, 0, "palette with > 256 colours: exit")
uhtest.eq(pngtest.ihdr_of(out("many.png"))[3], 2, "palette with > 256 colours: RGB")
uhtest.check("more than 256 colours; written as truecolour" in err, err)
code, _, err = convert(pngtest.corpus_file("ct0_d8_37x23.png"), out("grey.png"), "save.palette=true")
uhtest.eq(pngtest.ihdr_of(out("grey.png"))[3], 0, "palette on grey: stays grey")
uhtest.check("palette needs an 8-bit RGB or RGBA image" in err, err)

# -- interlace ---------------------------------------------------------------
for name in ("ct6_d16_37x23.png", "ct0_d1_37x23.png", "ct2_d8_1x1.png" if "ct2_d8_1x1.png" in man
             else "ct0_d1_1x1.png"):
    m = man[name]
    convert(pngtest.corpus_file(name), out("il.png"), "save.interlace=true")
    uhtest.eq(pngtest.ihdr_of(out("il.png"))[4], 1, "%s interlace: IHDR" % name)
    uhtest.check(decoded(out("il.png")) == (m["channels"], m["depth"], m["pixels"]),
                 "%s interlace: pixels" % name)

# -- filters and compression ------------------------------------------------
m = man["ct6_d8_37x23.png"]
for f, want in (("none", 0), ("sub", 1)):
    convert(pngtest.corpus_file("ct6_d8_37x23.png"), out("f.png"), "save.filter=" + f)
    uhtest.eq(set(filter_bytes(out("f.png"))), {want}, "filter=%s: row filters" % f)
for f in ("default", "up", "average", "paeth", "all"):
    convert(pngtest.corpus_file("ct6_d8_37x23.png"), out("f.png"), "save.filter=" + f)
    uhtest.check(decoded(out("f.png")) == (4, 8, m["pixels"]), "filter=%s: pixels" % f)
sizes = {}
for level in (0, 1, 9):
    convert(pngtest.corpus_file("big_rgba.png"), out("c.png"), "save.compression=%d" % level)
    sizes[level] = os.path.getsize(out("c.png"))
    uhtest.check(decoded(out("c.png"))[:2] == (4, 8), "compression=%d: decodes" % level)
uhtest.check(sizes[0] > 256 * 256 * 4 > sizes[9] and sizes[9] <= sizes[1],
             "compression sizes %r" % sizes)

# -- compression 1-3: the plugin's own IDAT writer (ISA-L deflate) ------------


def idat_chunks(path):
    data = open(path, "rb").read()
    pos, out = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], n))
        pos += 12 + n
    return out


def heuristic_filters(rows, bpp):
    """libpng's adaptive choice, computed here: per row the filter whose
    output has the least sum of bytes read as signed magnitudes, the lower
    type on a tie."""
    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else b if pb <= pc else c
    prev = bytes(len(rows[0]))
    types = []
    for cur in rows:
        best = None
        for t in range(5):
            f = []
            for i, x in enumerate(cur):
                a = cur[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                pred = (0, a, b, (a + b) >> 1, paeth(a, b, c))[t]
                f.append((x - pred) & 255)
            score = sum(v if v < 128 else 256 - v for v in f)
            if best is None or score < best[0]:
                best = (score, t)
        types.append(best[1])
        prev = cur
    return types


def raw_rows(m):
    """The big-endian sample bytes of each row of a corpus image."""
    fmt = ">%d%s" % (m["width"] * m["channels"], "H" if m["depth"] == 16 else "B")
    return [struct.pack(fmt, *r) for r in m["pixels"]]


for level in (1, 2, 3):
    # Every valid corpus file round-trips (palette and low-depth inputs are
    # written as 8-bit truecolour or grey, as at the other levels).
    for name, m in man.items():
        if m["kind"] != "valid":
            continue
        dst = out("fast.png")
        code, _, err = convert(pngtest.corpus_file(name), dst, "save.compression=%d" % level,
                               band=7)
        if not uhtest.eq(code, 0, "%s level %d: exit (%s)" % (name, level, err.strip())):
            continue
        uhtest.check(decoded(dst) == (m["channels"], m["depth"], m["pixels"]),
                     "%s level %d: round trip pixels" % (name, level))
        uhtest.eq(idat_chunks(dst)[-1], (b"IEND", 0), "%s level %d: IEND last" % (name, level))
    # The single filters, and the adaptive choice row by row.
    for f, t in (("none", 0), ("sub", 1), ("up", 2), ("average", 3), ("paeth", 4)):
        convert(pngtest.corpus_file("ct6_d16_37x23.png"), out("f.png"), "save.filter=" + f,
                "save.compression=%d" % level)
        uhtest.eq(set(filter_bytes(out("f.png"))), {t}, "level %d filter=%s: rows" % (level, f))
        uhtest.check(decoded(out("f.png"))[2] == man["ct6_d16_37x23.png"]["pixels"],
                     "level %d filter=%s: pixels" % (level, f))
    for name, bpp in (("ct6_d8_37x23.png", 4), ("ct2_d16_37x23.png", 6),
                      ("ct4_d8_37x23.png", 2), ("ct0_d8_37x23.png", 1)):
        want = heuristic_filters(raw_rows(man[name]), bpp)
        for f in ("default", "all"):
            convert(pngtest.corpus_file(name), out("f.png"), "save.filter=" + f,
                    "save.compression=%d" % level)
            uhtest.eq(filter_bytes(out("f.png")), want,
                      "%s level %d filter=%s: the adaptive choice" % (name, level, f))

# The rows' filters are the ones libpng's writer picks (level 6).
for name in ("ct6_d8_37x23.png", "ct2_d16_37x23.png", "wide_rgb16.png"):
    convert(pngtest.corpus_file(name), out("l6.png"), "save.compression=6")
    convert(pngtest.corpus_file(name), out("l1.png"), "save.compression=1")
    uhtest.eq(filter_bytes(out("l1.png")), filter_bytes(out("l6.png")),
              "%s: filters of level 1 and of libpng" % name)

# The same bytes whatever the band height; IDAT chunks of 256 KiB.
outs = []
for band in (1, 5, 1000):
    convert(pngtest.corpus_file("wide_rgb16.png"), out("fb%d.png" % band), "save.compression=1",
            band=band)
    outs.append(open(out("fb%d.png" % band), "rb").read())
uhtest.check(outs[0] == outs[1] == outs[2], "level 1: bytes depend on band height")
idats = [n for k, n in idat_chunks(out("fb1.png")) if k == b"IDAT"]
uhtest.check(len(idats) >= 2 and all(n == 262144 for n in idats[:-1]) and 0 < idats[-1] <= 262144,
             "level 1: IDAT sizes %r" % idats)
uhtest.check(decoded(out("fb1.png"))[2] == man["wide_rgb16.png"]["pixels"], "wide: pixels")
# Smaller than stored, and than zlib's level 1 on this image.
for level in (0, 1, 2, 3, 6):
    convert(pngtest.corpus_file("big_rgba.png"), out("c%d.png" % level),
            "save.compression=%d" % level)
    sizes[level] = os.path.getsize(out("c%d.png" % level))
uhtest.check(sizes[1] < sizes[0] and sizes[2] < sizes[0] and sizes[3] < sizes[0],
             "ISA-L levels vs stored: %r" % sizes)
uhtest.check(max(sizes[1], sizes[2], sizes[3]) < 1.15 * sizes[6], "ISA-L levels vs 6: %r" % sizes)

# -- float and premultiplied input (png.save alone) --------------------------


def save_raw(name, w, h, c, sample, values, space=0, flags=0, opts=()):
    fmt = {1: "B", 2: "H", 3: "f"}[sample]
    path = out(name + ".raw")
    with open(path, "wb") as f:
        f.write(b"UHRAW %d %d %d %d %d %d\n" % (w, h, c, sample, space, flags))
        f.write(struct.pack("=%d%s" % (len(values), fmt), *values))
    sets = []
    for o in opts:
        sets += ["--set", o]
    return pngtest.harness("save", path, out(name + ".png"), "--band", 2, *sets)


fvals = [-1.0, 0.0, 0.25, 0.5, 1.0 / 3.0, 0.999, 1.0, 7.5, float("nan"), float("inf"),
         -float("inf"), 1e-9]
code, _, err = save_raw("f32", 4, 3, 1, 3, fvals)
uhtest.eq(code, 0, "f32 save: exit (%s)" % err.strip())


def q(v, top):
    if not (v > 0):
        return 0
    if v >= 1:
        return top
    return int(v * top + 0.5)


c, d, px = decoded(out("f32.png"))
uhtest.eq((c, d), (1, 16), "f32 saves 16-bit by default")
uhtest.eq(sum(px, []), [q(v, 65535) for v in fvals], "f32 -> 16 bit: clamp and round")
save_raw("f32b", 4, 3, 1, 3, fvals, opts=("save.depth=8",))
uhtest.eq(sum(decoded(out("f32b.png"))[2], []), [q(v, 255) for v in fvals],
          "f32 -> 8 bit: clamp and round")

# Premultiplied RGBA: written straight (colour divided by alpha).
pm = [100, 50, 0, 200, 0, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 40]
save_raw("pm", 4, 1, 4, 1, pm, flags=1)
c, d, px = decoded(out("pm.png"))
want = []
for i in range(0, 16, 4):
    a = pm[i + 3]
    want += [q(pm[i + k] / a, 255) if a else 0 for k in range(3)] + [a]
uhtest.eq(px[0], want, "premultiplied input is un-premultiplied")

# DATA images get no colour chunk; LINEAR gets gAMA 1.0.
save_raw("data", 2, 2, 1, 1, [1, 2, 3, 4], space=2)
ch = pngtest.chunks_of(out("data.png"))
uhtest.check("sRGB" not in ch and "gAMA" not in ch, "space DATA: chunks %s" % ch)
save_raw("lin", 2, 2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 65535], space=1)
ch = pngtest.chunks_of(out("lin.png"))
uhtest.check("gAMA" in ch and "sRGB" not in ch, "space LINEAR: chunks %s" % ch)
uhtest.eq(decoded(out("lin.png")), (2, 16, [[1, 2, 3, 4], [5, 6, 7, 65535]]), "u16 GA pixels")

# More than libpng's default limit of 10^6 rows: written, and read back
# when max_dimension allows it.
h = 1500000
tall = bytes(i * 7 & 255 for i in range(h))
code, _, err = save_raw("tall", 1, h, 1, 1, list(tall))
uhtest.eq(code, 0, "1x1500000 save: exit (%s)" % err.strip())
code, _, err = pngtest.harness("decode", out("tall.png"), out("tall2.raw"), "--band", 4096,
                               "--set", "load.max_dimension=2000000")
uhtest.eq(code, 0, "1x1500000 decode: exit (%s)" % err.strip())
uhtest.check(code == 0 and open(out("tall2.raw"), "rb").read().endswith(tall),
             "1x1500000 round trip")

# Refused input: 16-bit palette request is just a note; an unwritable path
# is a write error (exit 6) leaving nothing behind.
code, _, err = pngtest.harness("convert", pngtest.corpus_file("ct2_d8_37x23.png"),
                               os.path.join(tmp, "no", "such", "dir", "x.png"))
uhtest.eq(code, 6, "missing directory in the minihost: exit (%s)" % err.strip())

uhtest.done()
