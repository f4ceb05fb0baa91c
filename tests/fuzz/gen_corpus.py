#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: tests/fuzz/corpus/{graph,png,
jpeg}/seed-*. Deterministic; every file under 4 KB. Crash reproducers are
kept beside the seeds as crash-* files and are never touched here.

  python3 tests/fuzz/gen_corpus.py [--uberhost build/bin/uberhost]

PNG seeds are made with zlib/struct only. JPEG seeds need cjpeg and
jpegtran (libjpeg-turbo-progs); without them the JPEG part is skipped with
a note. With --uberhost, a graph seed per node type is made from
`uberhost list --json` (every parameter at a legal non-default value, image
inputs fed by a checker node), beside the hand-written graph seeds.

PNG and JPEG seeds end with one option byte after IEND/EOI (the decoders
ignore it; the targets read the sink and its options from it, see
fuzz_png.c and fuzz_jpeg.c)."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
LIMIT = 4096


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) >= LIMIT:
        raise SystemExit("%s/%s: %d bytes, over the %d-byte seed limit" %
                         (target, name, len(data), LIMIT))
    with open(os.path.join(CORPUS, target, "seed-" + name), "wb") as f:
        f.write(data)


def clean(target):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.remove(os.path.join(d, f))


# -- PNG ------------------------------------------------------------------

SIG = b"\x89PNG\r\n\x1a\n"


def chunk(tag, body, crc=None):
    if crc is None:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)


def ihdr(w, h, depth, ctype, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0,
                                      interlace))


CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def row_bytes(w, depth, ctype):
    return (w * CHANNELS[ctype] * depth + 7) // 8


def passes(w, h):
    """Sizes of the Adam7 sub-images."""
    out = []
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8),
                           (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)):
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        if pw and ph:
            out.append((pw, ph))
    return out


def raw_image(w, h, depth, ctype, interlace=0, filt=None, seed=1):
    """Filtered scanlines of a deterministic pattern."""
    out = bytearray()
    x = seed
    subs = passes(w, h) if interlace else [(w, h)]
    for pw, ph in subs:
        n = row_bytes(pw, depth, ctype)
        for y in range(ph):
            f = (y % 5) if filt is None else filt
            out.append(f)
            for i in range(n):
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                v = (x >> 16) & 0xFF
                if ctype == 3:
                    v &= (1 << min(depth, 3)) - 1  # inside a small palette
                out.append(v)
    return bytes(out)


def png(w, h, depth, ctype, interlace=0, extra=(), pre_idat=(), data=None,
        plte=None, idat_split=None, opt=0):
    body = SIG + ihdr(w, h, depth, ctype, interlace)
    for c in pre_idat:
        body += c
    if ctype == 3 or plte is not None:
        if plte is None:
            plte = bytes(range(24))
        if plte:
            body += chunk(b"PLTE", plte)
    if data is None:
        data = zlib.compress(raw_image(w, h, depth, ctype, interlace), 9)
    if idat_split:
        for i in range(0, len(data), idat_split):
            body += chunk(b"IDAT", data[i:i + idat_split])
    else:
        body += chunk(b"IDAT", data)
    for c in extra:
        body += c
    body += chunk(b"IEND", b"")
    return body + bytes([opt])


def gen_png():
    clean("png")
    k = 0

    def opt():
        # Walk the sinks (low two bits) and their options; never the
        # allocation-failure pattern (top three bits set) by accident.
        nonlocal k
        k += 1
        return ((k * 37) & 0x1F) | (((k // 8) % 7) << 5)

    # Every colour type and depth, plain and interlaced.
    for ctype, depths in ((0, (1, 2, 4, 8, 16)), (2, (8, 16)),
                          (3, (1, 2, 4, 8)), (4, (8, 16)), (6, (8, 16))):
        for d in depths:
            for il in (0, 1):
                put("png", "c%d-d%d%s.png" % (ctype, d, "-i" if il else ""),
                    png(9, 7, d, ctype, il, opt=opt()))
    # Ancillary chunks.
    srgb = chunk(b"sRGB", b"\x00")
    gama = chunk(b"gAMA", struct.pack(">I", 45455))
    chrm = chunk(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000,
                                      30000, 60000, 15000, 6000))
    iccp = chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\x00" * 200))
    text = chunk(b"tEXt", b"Comment\x00hello")
    ztxt = chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"z" * 100))
    itxt = chunk(b"iTXt", b"Title\x00\x00\x00en\x00Title\x00uber")
    phys = chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
    sbit = chunk(b"sBIT", b"\x05\x06\x05")
    bkgd = chunk(b"bKGD", struct.pack(">HHH", 1, 2, 3))
    unk = chunk(b"prVt", b"private data")
    exif = chunk(b"eXIf", b"MM\x00\x2a\x00\x00\x00\x08\x00\x00")
    put("png", "srgb.png", png(8, 8, 8, 2, pre_idat=[srgb], opt=opt()))
    put("png", "gama-chrm.png",
        png(8, 8, 8, 2, pre_idat=[gama, chrm], opt=opt()))
    put("png", "iccp.png", png(8, 8, 8, 6, pre_idat=[iccp], opt=opt()))
    put("png", "text.png",
        png(8, 8, 8, 0, pre_idat=[text, ztxt, itxt, phys], extra=[text],
            opt=opt()))
    put("png", "sbit-bkgd.png",
        png(8, 8, 8, 2, pre_idat=[sbit, bkgd, unk, exif], opt=opt()))
    put("png", "trns-grey.png",
        png(8, 8, 8, 0, pre_idat=[chunk(b"tRNS", b"\x00\x10")], opt=opt()))
    put("png", "trns-rgb16.png",
        png(8, 8, 16, 2, pre_idat=[chunk(b"tRNS", b"\x00\x01" * 3)],
            opt=opt()))
    pal = SIG + ihdr(8, 8, 4, 3) + chunk(b"PLTE", bytes(range(24))) + \
        chunk(b"tRNS", bytes([0, 128, 255])) + \
        chunk(b"IDAT", zlib.compress(raw_image(8, 8, 4, 3))) + \
        chunk(b"IEND", b"") + bytes([opt()])
    put("png", "pal-trns.png", pal)
    long_trns = SIG + ihdr(8, 8, 2, 3) + chunk(b"PLTE", bytes(range(12))) + \
        chunk(b"tRNS", bytes(range(40))) + \
        chunk(b"IDAT", zlib.compress(raw_image(8, 8, 2, 3))) + \
        chunk(b"IEND", b"") + bytes([opt()])
    put("png", "pal-trns-long.png", long_trns)
    # Palette indices past a short PLTE.
    big_idx = bytearray(raw_image(8, 8, 8, 3, filt=0))
    for i in range(len(big_idx)):
        if i % 9:
            big_idx[i] = 200
    put("png", "pal-index-oob.png",
        png(8, 8, 8, 3, plte=bytes(range(6)), data=zlib.compress(big_idx),
            opt=opt()))
    put("png", "pal-missing.png", png(8, 8, 8, 3, plte=b"", opt=opt()))
    # Every filter type in one image, and 1-byte IDAT chunks.
    put("png", "filters.png", png(33, 9, 8, 6, opt=opt()))
    put("png", "idat-split.png", png(6, 6, 8, 2, idat_split=1, opt=opt()))
    put("png", "wide.png", png(1000, 1, 8, 0, opt=opt()))
    put("png", "tall.png", png(1, 700, 1, 0, opt=opt()))
    # Broken files.
    good = png(8, 8, 8, 2, opt=0)[:-1]
    idat_at = good.index(b"IDAT") - 4
    put("png", "cut-ihdr.png", good[:20])
    put("png", "cut-idat.png", good[:idat_at + 20])
    put("png", "cut-before-iend.png", good[:-12])
    put("png", "sig-only.png", SIG)
    put("png", "empty.png", b"")
    put("png", "bad-sig.png", b"\x89PNX" + good[4:] + bytes([opt()]))
    put("png", "bad-crc-ihdr.png",
        SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0),
                    crc=1) + good[33:] + bytes([opt()]))
    put("png", "bad-crc-text.png",
        png(8, 8, 8, 2, pre_idat=[chunk(b"tEXt", b"a\x00b", crc=7)],
            opt=opt()))
    raw = raw_image(8, 8, 8, 2)
    z = bytearray(zlib.compress(raw))
    z[-1] ^= 0xFF
    put("png", "bad-adler.png", png(8, 8, 8, 2, data=bytes(z), opt=opt()))
    put("png", "few-rows.png",
        png(8, 8, 8, 2, data=zlib.compress(raw[:len(raw) // 2]), opt=opt()))
    put("png", "many-rows.png",
        png(8, 8, 8, 2, data=zlib.compress(raw + raw), opt=opt()))
    put("png", "bad-filter.png",
        png(8, 8, 8, 2, data=zlib.compress(b"\x09" + raw[1:]), opt=opt()))
    put("png", "zero-width.png", png(0, 8, 8, 2, data=b"", opt=opt()))
    put("png", "huge-claim.png",
        png(60000, 60000, 8, 2, data=zlib.compress(b"\x00" * 3000),
            opt=opt()))
    put("png", "tall-claim.png",
        png(1, 1500000, 8, 0, data=zlib.compress(b"\x00" * 2000),
            opt=opt()))
    put("png", "over-2g.png",
        png(0x80000000, 1, 8, 0, data=b"", opt=opt()))
    put("png", "bomb-1mp.png",
        png(1000, 1000, 8, 0, data=zlib.compress(b"\x00" * 1001000, 9),
            opt=opt()))
    put("png", "bad-depth.png", png(8, 8, 3, 2, data=b"x", opt=opt()))
    put("png", "len-ffffffff.png",
        SIG + ihdr(8, 8, 8, 2) + b"\xff\xff\xff\xffIDAT" + b"\x00" * 16 +
        bytes([opt()]))
    put("png", "many-text.png",
        png(4, 4, 8, 0, pre_idat=[chunk(b"tEXt", b"k%d\x00v" % i)
                                  for i in range(150)], opt=opt()))
    put("png", "ztxt-bomb.png",
        png(4, 4, 8, 0,
            pre_idat=[chunk(b"zTXt", b"k\x00\x00" +
                            zlib.compress(b"\x00" * 3000000, 9))],
            opt=opt()))
    put("png", "iccp-bomb.png",
        png(4, 4, 8, 2,
            pre_idat=[chunk(b"iCCP", b"p\x00\x00" +
                            zlib.compress(b"\x00" * 3000000, 9))],
            opt=opt()))
    # The same file with the allocation-failure option byte (0xE0 | sink).
    for i, b in enumerate((0xE0, 0xE1, 0xE2, 0xE3, 0xE7, 0xF5)):
        put("png", "failalloc-%d.png" % i, png(9, 7, 8, 6, i & 1, opt=b))


# -- JPEG -----------------------------------------------------------------

def ppm(w, h, grey=False, seed=3):
    x = seed
    px = bytearray()
    for y in range(h):
        for i in range(w):
            if grey:
                px.append((i * 16 + y * 8) & 0xFF)
            else:
                x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                px += bytes(((i * 30) & 0xFF, (y * 30) & 0xFF,
                             (x >> 16) & 0xFF))
    head = ("P5" if grey else "P6") + "\n%d %d\n255\n" % (w, h)
    return head.encode() + bytes(px)


def run(args, data):
    p = subprocess.run(args, input=data, capture_output=True, check=True)
    return p.stdout


def segments(j):
    """(marker, start, end) of each marker segment before the first SOS's
    entropy data; the last is the SOS itself."""
    out = []
    i = 2
    while i < len(j):
        m = j[i + 1]
        n = struct.unpack(">H", j[i + 2:i + 4])[0]
        out.append((m, i, i + 2 + n))
        if m == 0xDA:
            break
        i += 2 + n
    return out


def exif_app1(orientation):
    ifd = struct.pack(">HHHIHH", 1, 0x0112, 3, 1, orientation, 0) + \
        struct.pack(">I", 0)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def gen_jpeg():
    clean("jpeg")
    cjpeg = shutil.which("cjpeg")
    jpegtran = shutil.which("jpegtran")
    if not cjpeg or not jpegtran:
        print("gen_corpus: cjpeg/jpegtran missing (libjpeg-turbo-progs): "
              "JPEG seeds skipped")
        return
    k = 0

    def opt():
        # shrink (bits 0-1), autorotate (2), sink (3-4); no 0xE0 pattern.
        nonlocal k
        k += 1
        return (k * 13) & 0x1F | ((k % 5) << 5)

    colour = ppm(24, 16)
    grey = ppm(24, 16, grey=True)
    base = run([cjpeg, "-quality", "75"], colour)

    def put_j(name, data, o=None):
        put("jpeg", name, data + bytes([opt() if o is None else o]))

    put_j("baseline.jpg", base)
    put_j("grey.jpg", run([cjpeg, "-grayscale", "-quality", "60"], grey))
    put_j("progressive.jpg", run([cjpeg, "-progressive"], colour))
    put_j("grey-progressive.jpg",
          run([cjpeg, "-grayscale", "-progressive"], grey))
    put_j("optimize.jpg", run([cjpeg, "-optimize", "-quality", "95"], colour))
    put_j("s444.jpg", run([cjpeg, "-sample", "1x1"], colour))
    put_j("s422.jpg", run([cjpeg, "-sample", "2x1"], colour))
    put_j("s440.jpg", run([cjpeg, "-sample", "1x2"], colour))
    put_j("s411.jpg", run([cjpeg, "-sample", "4x1"], colour))
    put_j("restart.jpg", run([cjpeg, "-restart", "1"], colour))
    put_j("odd-size.jpg", run([cjpeg], ppm(13, 7)))
    put_j("one-px.jpg", run([cjpeg], ppm(1, 1)))
    put_j("wide.jpg", run([cjpeg, "-grayscale", "-quality", "10"],
                          ppm(600, 1, grey=True)))
    try:
        put_j("arith.jpg", run([cjpeg, "-arithmetic"], colour))
        put_j("arith-prog.jpg",
              run([cjpeg, "-arithmetic", "-progressive"], colour))
    except subprocess.CalledProcessError:
        print("gen_corpus: cjpeg has no -arithmetic; skipped")
    # EXIF orientations 1-8 (and nonsense 0 and 9), inserted after SOI.
    for o in range(0, 10):
        put_j("exif-%d.jpg" % o, base[:2] + exif_app1(o) + base[2:],
              o=(opt() | 4) & 0xDF)
    # Adobe APP14 marking a 3-component file YCC / RGB transform.
    app14 = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"
    put_j("adobe-rgb.jpg", base[:2] + app14 + base[2:])
    # A CMYK file, if ImageMagick is around.
    conv = shutil.which("convert")
    if conv:
        try:
            cmyk = run([conv, "ppm:-", "-colorspace", "CMYK", "-quality",
                        "50", "jpg:-"], ppm(16, 8))
            put_j("cmyk.jpg", cmyk)
        except subprocess.CalledProcessError:
            pass
    # Broken files.
    put_j("cut-half.jpg", base[:len(base) // 2])
    put_j("cut-header.jpg", base[:40])
    put_j("soi-only.jpg", b"\xff\xd8")
    put_j("empty.jpg", b"")
    seg = segments(base)
    sos_end = seg[-1][2]
    flipped = bytearray(base)
    for i in range(sos_end + 3, len(flipped) - 2, 7):
        flipped[i] ^= 0x55
    put_j("flipped.jpg", bytes(flipped))
    no_eoi = base[:-2]
    put_j("no-eoi.jpg", no_eoi)
    # Edited SOF0: dimensions, components, sampling factors.
    sof = [s for s in seg if s[0] in (0xC0, 0xC1, 0xC2)][0]
    p = sof[1] + 5  # height at +5, width at +7

    def sof_edit(fn):
        b = bytearray(base)
        fn(b)
        return bytes(b)

    put_j("sof-huge.jpg", sof_edit(
        lambda b: b.__setitem__(slice(p, p + 4), b"\xea\x60\xea\x60")))
    put_j("sof-zero-h.jpg", sof_edit(
        lambda b: b.__setitem__(slice(p, p + 2), b"\x00\x00")))
    put_j("sof-tall.jpg", sof_edit(
        lambda b: b.__setitem__(slice(p, p + 4), b"\xff\xff\x00\x01")))
    put_j("sof-sampling-0.jpg", sof_edit(
        lambda b: b.__setitem__(p + 4 + 1 + 1, 0x00)))
    put_j("sof-sampling-5.jpg", sof_edit(
        lambda b: b.__setitem__(p + 4 + 1 + 1, 0x55)))
    put_j("sof-components-0.jpg", sof_edit(
        lambda b: b.__setitem__(p + 4, 0)))
    put_j("sof-precision-12.jpg", sof_edit(
        lambda b: b.__setitem__(p - 1, 12)))
    # Without the DHT or DQT segments.
    def drop(marker):
        out = bytearray(base[:2])
        for m, s, e in seg:
            if m != marker:
                out += base[s:e]
        return bytes(out) + base[sos_end:]

    put_j("no-dht.jpg", drop(0xC4))
    put_j("no-dqt.jpg", drop(0xDB))
    # Many scans: a tiny progressive file with its last scan repeated.
    prog = run([cjpeg, "-grayscale", "-progressive"], ppm(8, 8, grey=True))
    last_sos = prog.rindex(b"\xff\xda")
    tail = prog[last_sos:-2]
    reps = max(1, (3900 - len(prog)) // len(tail))
    put_j("many-scans.jpg", prog[:-2] + tail * reps + b"\xff\xd9")
    put_j("few-scans.jpg", prog[:-2] + tail * 3 + b"\xff\xd9")
    # Many APPn markers.
    appn = b"".join(b"\xff\xe5\x00\x04ab" for _ in range(300))
    put_j("many-appn.jpg", base[:2] + appn + base[2:])
    # ICC profile in APP2 with inconsistent sequence numbers.
    icc = b"\xff\xe2" + struct.pack(">H", 2 + 14 + 20) + \
        b"ICC_PROFILE\x00\x03\x02" + b"\x00" * 20
    put_j("icc-bad-seq.jpg", base[:2] + icc + icc + base[2:])
    # A PNG declared as JPEG.
    put_j("is-png.jpg", png(4, 4, 8, 0)[:-1])
    # Allocation failures.
    for i, b in enumerate((0xE0, 0xE9, 0xF2, 0xFB, 0xFC, 0xE7)):
        put_j("failalloc-%d.jpg" % i, base if i % 2 else
              run([cjpeg, "-progressive"], colour), o=b)


# -- Graphs ---------------------------------------------------------------

def g(nodes, params=None, desc=None):
    d = {"uberhost": 1}
    if desc is not None:
        d["description"] = desc
    if params is not None:
        d["params"] = params
    d["nodes"] = nodes
    return json.dumps(d, separators=(",", ":"))


def gen_graph(uberhost):
    clean("graph")
    chk = {"type": "checker", "params": {"width": 16, "height": 16}}
    save = {"type": "png.save", "params": {"path": "o.png"},
            "inputs": {"image": "thumb"}}
    thumb = {"type": "thumbnail", "params": {"width": 8},
             "inputs": {"image": "src"}}
    ok = g({"src": chk, "thumb": thumb, "out": save},
           params={"size": {"node": "thumb", "param": "width",
                            "default": 8, "doc": "box"},
                   "file": {"node": "out", "param": "path"}},
           desc="a thumbnail")
    put("graph", "thumb.json", ok)
    put("graph", "thumb-sets.json",
        ok + "\0size=12\0thumb.kernel=box\0file=x/y.png\0src.width=3")
    put("graph", "thumb-bad-sets.json",
        ok + "\0size=0\0nope=1\0thumb.nope=2\0=\0thumb.\0size")
    put("graph", "ports.json", g({
        "src": chk,
        "b": {"type": "blur", "params": {"sigma": 1.5},
              "inputs": {"image": "src.image"}},
        "m": {"type": "mix", "inputs": {"a": "src", "b": "b"}},
        "out": {"type": "save", "params": {"path": "o.jpg"},
                "inputs": {"image": "m"}}}))
    put("graph", "generic-load.json", g({
        "src": {"type": "load", "params": {"path": "missing.png"}},
        "out": {"type": "save", "params": {"path": "o.png"},
                "inputs": {"image": "src"}}}))
    put("graph", "mipmap.json", g({
        "src": chk,
        "mip": {"type": "mipmap", "inputs": {"image": "src"}},
        "out": {"type": "mip.save_png", "params": {"dir": "m"},
                "inputs": {"levels": "mip"}}}))
    put("graph", "gradient.json", g({
        "gr": {"type": "gradient", "params": {
            "width": 32, "height": 8,
            "stops": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]}},
        "c": {"type": "curves", "params": {"points": [0, 0, 0.5, 0.7, 1, 1]},
              "inputs": {"image": "gr"}},
        "out": {"type": "png.save", "params": {"path": "g.png"},
                "inputs": {"image": "c"}}}))
    # Refusals.
    cyc = g({"a": {"type": "blur", "inputs": {"image": "b"}},
             "b": {"type": "blur", "inputs": {"image": "a"}},
             "out": {"type": "png.save", "params": {"path": "o.png"},
                     "inputs": {"image": "a"}}})
    put("graph", "cycle.json", cyc)
    put("graph", "self-loop.json", g({
        "a": {"type": "blur", "inputs": {"image": "a"}}}))
    put("graph", "unknown-type.json", g({"a": {"type": "blurr"}}))
    put("graph", "missing-node.json", g({
        "out": {"type": "png.save", "params": {"path": "o.png"},
                "inputs": {"image": "nobody.image"}}}))
    put("graph", "bad-port.json", g({
        "src": chk, "out": {"type": "png.save", "params": {"path": "o.png"},
                            "inputs": {"image": "src.levels"}}}))
    put("graph", "type-mismatch.json", g({
        "src": chk, "out": {"type": "mip.save_png", "params": {"dir": "d"},
                            "inputs": {"levels": "src"}}}))
    put("graph", "params-wrong.json", g({
        "src": {"type": "checker", "params": {
            "width": 3.7, "height": 4294967297, "Width": 1}},
        "b": {"type": "blur", "params": {"sigma": "1"},
              "inputs": {"image": "src"}},
        "c": {"type": "crop", "params": {"x": -1, "width": 0},
              "inputs": {"image": "b"}}}))
    put("graph", "missing-required.json", g({
        "src": chk, "out": {"type": "png.save",
                            "inputs": {"image": "src"}}}))
    put("graph", "no-nodes.json", '{"uberhost":1,"nodes":{}}')
    put("graph", "format-3.json", '{"uberhost":3,"nodes":{}}')
    put("graph", "format-missing.json", '{"nodes":{"a":{"type":"blur"}}}')
    put("graph", "format-string.json", '{"uberhost":"1","nodes":{}}')
    put("graph", "dup-keys.json",
        '{"uberhost":1,"nodes":{"a":{"type":"checker","params":'
        '{"width":1,"width":99999}}}}')
    put("graph", "dup-node.json",
        '{"uberhost":1,"nodes":{"a":{"type":"checker"},"a":{"type":"noise"}}}')
    put("graph", "nul-escape.json",
        '{"uberhost":1,"nodes":{"a\\u0000":{"type":"checker"}}}')
    put("graph", "bad-utf8.json",
        b'{"uberhost":1,"nodes":{"a\xff\xc0\x80":{"type":"checker"}}}')
    put("graph", "surrogate.json",
        '{"uberhost":1,"description":"\\ud800x","nodes":{}}')
    put("graph", "numbers.json",
        '{"uberhost":1,"nodes":{"a":{"type":"checker","params":'
        '{"width":1e400,"height":-0,"size":1E-400}}}}')
    put("graph", "bad-numbers.json",
        '{"uberhost":1,"nodes":{"a":{"type":"checker","params":'
        '{"width":01,"height":1.,"size":.5}}}}')
    put("graph", "bom.json", b"\xef\xbb\xbf" + ok.encode())
    put("graph", "utf16.json", b"\xff\xfe{\x00}\x00")
    put("graph", "trailing.json", ok + " x")
    put("graph", "truncated.json", ok[:len(ok) // 2])
    put("graph", "empty.json", "")
    put("graph", "whitespace.json", " \n\t\r ")
    put("graph", "array.json", "[1,2,3]")
    put("graph", "deep.json", "[" * 2000 + "]" * 2000)
    put("graph", "deep-obj.json",
        '{"uberhost":1,"nodes":' + '{"a":' * 70 + "1" + "}" * 71)
    put("graph", "long-id.json",
        '{"uberhost":1,"nodes":{"%s":{"type":"checker"}}}' % ("n" * 300))
    put("graph", "escapes.json",
        '{"uberhost":1,"description":"\\n\\t\\"\\\\\\/\\u00e9\\ud83d\\ude00",'
        '"nodes":{"a~b/c":{"type":"checker"},"o":{"type":"png.save",'
        '"params":{"path":"p.png"},"inputs":{"image":"a~b/c"}}}}')
    put("graph", "export-bad.json", g(
        {"src": chk, "thumb": thumb, "out": save},
        params={"a": {"node": "nope", "param": "width"},
                "b": {"node": "thumb", "param": "nope"},
                "c": {"node": "thumb", "param": "width", "default": "x"}}))
    put("graph", "unused-node.json", g({
        "src": chk, "lonely": chk, "thumb": thumb, "out": save}))
    put("graph", "no-output.json", g({"src": chk}))
    chain = {"n0": chk}
    for i in range(1, 40):
        chain["n%d" % i] = {"type": "flip", "inputs": {"image": "n%d" %
                                                       (i - 1)}}
    chain["out"] = {"type": "png.save", "params": {"path": "c.png"},
                    "inputs": {"image": "n39"}}
    put("graph", "chain.json", g(chain))
    if uberhost:
        per_type(uberhost)


def legal(p):
    """A legal value for a parameter, not its default when possible."""
    t = p["type"]
    if t == "enum":
        v = p.get("values") or [""]
        return v[-1]
    if t == "bool":
        return not p.get("default", False)
    if t == "string":
        return "f.png" if "path" in p["name"] or "dir" in p["name"] else "s"
    if t == "numbers":
        d = p.get("default")
        return d if isinstance(d, list) and d else [p.get("min", 0)]
    lo, hi = p.get("min"), p.get("max")
    if t == "integer":
        if lo is not None:
            return int(lo)
        return 1
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    return 0.5


def per_type(uberhost):
    types = json.loads(subprocess.run([uberhost, "list", "--json"],
                                      capture_output=True, check=True).stdout)
    for t in types:
        nodes = {"src": {"type": "checker", "params": {"width": 8,
                                                       "height": 8}}}
        if t["id"] in ("checker",):
            nodes = {}
        node = {"type": t["id"], "params": {}}
        for p in t["params"]:
            node["params"][p["name"]] = legal(p)
        ins = {}
        for port in t["inputs"]:
            if port["type"] == "image":
                ins[port["name"]] = "src"
            elif port["type"] == "image list":
                nodes["mip"] = {"type": "mipmap", "inputs": {"image": "src"}}
                ins[port["name"]] = "mip.levels"
        if ins:
            node["inputs"] = ins
        nodes["n"] = node
        put("graph", "type-%s.json" % t["id"], g(nodes))


# -- Dictionaries ---------------------------------------------------------

def dict_line(i, w):
    if isinstance(w, str):
        w = w.encode("latin-1")
    esc = "".join(chr(c) if 0x20 <= c < 0x7F and c not in (0x22, 0x5C)
                  else "\\x%02X" % c for c in w)
    return 'kw%d="%s"\n' % (i, esc)


def write_dict(name, header, words):
    with open(os.path.join(HERE, "dict", name), "w") as f:
        f.write(header)
        for i, w in enumerate(words):
            f.write(dict_line(i, w))


def gen_dicts(uberhost):
    os.makedirs(os.path.join(HERE, "dict"), exist_ok=True)
    png_words = [b"\x89PNG\x0d\x0a\x1a\x0a"] + [
        t.encode() for t in ("IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA",
                             "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "hIST",
                             "pHYs", "sPLT", "tIME", "tEXt", "zTXt", "iTXt",
                             "eXIf", "acTL", "fcTL", "fdAT", "oFFs", "sCAL",
                             "pCAL")] + [
        b"\x00\x00\x00\x00IEND\xaeB`\x82", b"\x78\x9c", b"\x78\x01",
        b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x0d"]
    write_dict("png.dict", "# PNG: signature, chunk names, zlib headers, "
               "IEND, edge lengths (gen_corpus.py).\n", png_words)
    jpeg_words = [b"\xff\xd8", b"\xff\xd9", b"\xff\xda", b"\xff\xdb",
                  b"\xff\xc4", b"\xff\xc0", b"\xff\xc1", b"\xff\xc2",
                  b"\xff\xc3", b"\xff\xc9", b"\xff\xca", b"\xff\xcc",
                  b"\xff\xdd", b"\xff\xdc", b"\xff\xe0", b"\xff\xe1",
                  b"\xff\xe2", b"\xff\xee", b"\xff\xfe", b"\xff\xd0",
                  b"\xff\x00", b"JFIF\x00", b"Exif\x00\x00", b"MM\x00*",
                  b"II*\x00", b"ICC_PROFILE\x00", b"Adobe",
                  b"\x01\x12\x00\x03", b"\xff\xff"]
    write_dict("jpeg.dict", "# JPEG: markers, APPn signatures, EXIF "
               "orientation tag (gen_corpus.py).\n", jpeg_words)
    words = set('"%s"' % k for k in (
        "uberhost", "nodes", "params", "inputs", "type", "node", "param",
        "default", "doc", "description", "path", "load", "save"))
    words.update(["{", "}", "[", "]", ":", ",", "true", "false", "null",
                  "1e400", "-0", "4294967297", "\\u0000", "\\ud800",
                  "\\n", ".image", ".levels", "=", "\xef\xbb\xbf"])
    if uberhost:
        types = json.loads(subprocess.run(
            [uberhost, "list", "--json"], capture_output=True,
            check=True).stdout)
        for t in types:
            words.add('"%s"' % t["id"])
            for p in t["params"]:
                words.add('"%s"' % p["name"])
                for v in p.get("values") or []:
                    words.add('"%s"' % v)
            for p in t["inputs"] + t["outputs"]:
                words.add('"%s"' % p["name"])
    write_dict("graph.dict", "# Graph JSON: keys, tokens, and the node "
               "types, parameter and port names and\n# enum values of "
               "the build's plugins (gen_corpus.py --uberhost).\n",
               sorted(words))


def main():
    uberhost = None
    if len(sys.argv) == 3 and sys.argv[1] == "--uberhost":
        uberhost = sys.argv[2]
    elif len(sys.argv) != 1:
        raise SystemExit(__doc__)
    gen_png()
    gen_jpeg()
    gen_graph(uberhost)
    gen_dicts(uberhost)
    for t in ("graph", "png", "jpeg"):
        d = os.path.join(CORPUS, t)
        print("gen_corpus: %s: %d files" % (t, len(os.listdir(d))))


if __name__ == "__main__":
    main()
