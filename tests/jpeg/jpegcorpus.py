"""Makes the JPEG test corpus at test time, and reads JPEG structure.

Good files come from cjpeg (libjpeg-turbo-progs) and ImageMagick's convert;
broken ones are made by editing those bytes here: truncation, corrupt
entropy data, a bogus DHT, an SOF with no components or a 65500x65500
size, repeated scans, a PNG under a .jpg name, EXIF APP1 segments written
by hand. Reference pixels come from djpeg of the same file, so the plugin
(the same libjpeg-turbo, the same default settings) must match exactly.
Python stdlib only."""

import os
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402


def need(*tools):
    """Exits 77 (skipped) when a tool the test needs is missing."""
    for t in tools:
        if shutil.which(t) is None:
            print("skipped: %s is not installed" % t)
            sys.exit(77)


# -- images -------------------------------------------------------------------

def pattern(w, h, ch, seed=0):
    """A deterministic test image with edges, gradients and texture."""
    out = bytearray()
    r = random.Random(seed)
    noise = [r.randrange(0, 32) for _ in range(97)]
    for y in range(h):
        for x in range(w):
            v = [(x * 255 // max(1, w - 1)),
                 (y * 255 // max(1, h - 1)),
                 ((x // 8 + y // 8) % 2) * 200 + noise[(x * 7 + y * 13) % 97]]
            if ch == 1:
                out.append((v[0] + v[1] + v[2]) // 3 & 255)
            else:
                out += bytes(c & 255 for c in v[:ch])
                if ch == 4:
                    out.append((x * 3 + y) & 255)
    return bytes(out)


def write_pnm(path, w, h, ch, data):
    with open(path, "wb") as f:
        f.write(b"P%d\n%d %d\n255\n" % (5 if ch == 1 else 6, w, h))
        f.write(data)


def write_pam(path, w, h, ch, data, maxval=255):
    """data: bytes for maxval 255, a list of ints for 65535."""
    with open(path, "wb") as f:
        f.write(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL %d\nENDHDR\n" %
                (w, h, ch, maxval))
        if maxval > 255:
            f.write(struct.pack(">%dH" % len(data), *data))
        else:
            f.write(bytes(data))


def parse_pnm(data):
    """(w, h, channels, pixels) of binary P5/P6 data with maxval 255."""
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert maxval == 255, maxval
    ch = {b"P5": 1, b"P6": 3}[magic]
    return w, h, ch, data[pos:pos + w * h * ch]


def read_pnm(path):
    with open(path, "rb") as f:
        return parse_pnm(f.read())


def djpeg(path, *args):
    """djpeg's decode of path as (w, h, channels, pixels)."""
    p = subprocess.run(["djpeg"] + list(args) + [path], capture_output=True)
    if p.returncode not in (0, 2):  # 2: warnings
        raise RuntimeError("djpeg %s failed: %s" % (path, p.stderr))
    return parse_pnm(p.stdout)


def cjpeg(src, dst, *args):
    subprocess.run(["cjpeg"] + list(args) + ["-outfile", dst, src], check=True)
    return dst


def orient(img, o):
    """Applies EXIF orientation o to (w, h, ch, px): what a viewer shows."""
    w, h, ch, px = img
    if o == 1:
        return img
    ow, oh = (h, w) if o >= 5 else (w, h)
    out = bytearray(ow * oh * ch)
    for y in range(oh):
        for x in range(ow):
            sx, sy = {2: (w - 1 - x, y), 3: (w - 1 - x, h - 1 - y),
                      4: (x, h - 1 - y), 5: (y, x), 6: (y, h - 1 - x),
                      7: (w - 1 - y, h - 1 - x), 8: (w - 1 - y, x)}[o]
            s = (sy * w + sx) * ch
            d = (y * ow + x) * ch
            out[d:d + ch] = px[s:s + ch]
    return ow, oh, ch, bytes(out)


def maxdiff(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0)


def psnr(a, b):
    import math
    se = sum((x - y) ** 2 for x, y in zip(a, b))
    return 99.0 if se == 0 else 10 * math.log10(255 * 255 * len(a) / se)


# -- JPEG structure -----------------------------------------------------------

def segments(data):
    """[(marker, offset, payload)] up to the first SOS (payload excludes the
    length field), then ("SOS", offset, None) for each SOS marker found by
    scanning entropy data for unstuffed 0xFFDA."""
    out, pos = [], 2
    assert data[:2] == b"\xff\xd8"
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        m = data[pos + 1]
        n, = struct.unpack(">H", data[pos + 2:pos + 4])
        out.append((m, pos, data[pos + 4:pos + 2 + n]))
        pos += 2 + n
        if m == 0xDA:
            break
    return out


def count_scans(data):
    n, i = 0, 0
    while True:
        i = data.find(b"\xff\xda", i)
        if i < 0:
            return n
        n, i = n + 1, i + 2


def sof(data):
    """The frame header: {marker, precision, width, height, comps:[(id, h, v,
    tq)]}."""
    for m, _, p in segments(data):
        if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            prec, h, w, nf = struct.unpack(">BHHB", p[:6])
            comps = [(p[6 + 3 * i], p[7 + 3 * i] >> 4, p[7 + 3 * i] & 15, p[8 + 3 * i])
                     for i in range(nf)]
            return {"marker": m, "precision": prec, "width": w, "height": h, "comps": comps}
    return None


def dqt(data):
    """{table id: [64 values in zigzag order]} (8-bit tables)."""
    tables = {}
    for m, _, p in segments(data):
        if m != 0xDB:
            continue
        i = 0
        while i < len(p):
            pq, tq = p[i] >> 4, p[i] & 15
            assert pq == 0
            tables[tq] = list(p[i + 1:i + 65])
            i += 65
    return tables


def libjpeg_dqt0(quality):
    """First (DC) entry of libjpeg's scaled luminance table for quality."""
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return min(255, max(1, (16 * scale + 50) // 100))


def exif_app1(orientation, big=True, count=None, ifd=8, type_=3):
    """An APP1 segment: Exif header, TIFF header, IFD0 with an Orientation
    entry (and a next-IFD link of 0)."""
    e = ">" if big else "<"
    tiff = (b"MM" if big else b"II") + struct.pack(e + "HI", 42, ifd)
    tiff += b"\0" * (ifd - 8)
    n = 1 if count is None else count
    if type_ == 3:
        value = struct.pack(e + "HH", orientation, 0)
    else:
        value = struct.pack(e + "I", orientation)
    tiff += struct.pack(e + "H", n)
    tiff += struct.pack(e + "HHI", 0x0112, type_, 1) + value
    tiff += struct.pack(e + "I", 0)
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def with_app1(data, *segs):
    """data with the given marker segments inserted right after SOI."""
    return data[:2] + b"".join(segs) + data[2:]


def patch_sof(data, **kw):
    """data with frame header fields replaced: marker, precision, width,
    height, ncomp (the component count byte only)."""
    d = bytearray(data)
    for m, off, p in segments(data):
        if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            if "marker" in kw:
                d[off + 1] = kw["marker"]
            if "precision" in kw:
                d[off + 4] = kw["precision"]
            if "height" in kw:
                d[off + 5:off + 7] = struct.pack(">H", kw["height"])
            if "width" in kw:
                d[off + 7:off + 9] = struct.pack(">H", kw["width"])
            if "ncomp" in kw:
                d[off + 9] = kw["ncomp"]
            return bytes(d)
    raise ValueError("no SOF")


def bad_dht(data):
    """data with the first DHT's 16 code counts set to 0xFF (4080 codes)."""
    d = bytearray(data)
    for m, off, p in segments(data):
        if m == 0xC4:
            d[off + 5:off + 21] = b"\xff" * 16
            return bytes(d)
    raise ValueError("no DHT")


def corrupt_entropy(data, step=7, seed=1):
    """data with every step-th entropy-coded byte of the first scan replaced
    by noise (marker bytes and stuffing kept)."""
    d = bytearray(data)
    segs = segments(data)
    m, off, p = segs[-1]
    start = off + 4 + len(p)
    r = random.Random(seed)
    for k in range(start + 10, len(d) - 2, step):
        if d[k] != 0xFF and d[k - 1] != 0xFF:
            d[k] = r.randrange(0, 255)
    return bytes(d)


def repeat_last_scan(data, n):
    """A progressive file with its last SOS segment repeated n times."""
    i = data.rfind(b"\xff\xda")
    e = len(data) - 2
    assert data[e:] == b"\xff\xd9"
    return data[:e] + data[i:e] * n + data[e:]


# -- the corpus ---------------------------------------------------------------

W, H = 67, 45  # odd sizes: partial MCUs on both edges


def build(d, mkscans=None):
    """Writes the corpus into directory d; returns {name: path}."""
    need("cjpeg", "djpeg")
    c = {}

    def put(name, data):
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(data)
        c[name] = p
        return p

    def rd(p):
        with open(p, "rb") as f:
            return f.read()

    src = os.path.join(d, "src.ppm")
    write_pnm(src, W, H, 3, pattern(W, H, 3))
    grey = os.path.join(d, "grey.pgm")
    write_pnm(grey, H, W, 1, pattern(H, W, 1, seed=2))
    big = os.path.join(d, "big.ppm")
    write_pnm(big, 256, 192, 3, pattern(256, 192, 3, seed=3))
    flat = os.path.join(d, "flat.pgm")
    write_pnm(flat, 1024, 1024, 1, bytes([90]) * (1024 * 1024))

    c["base.jpg"] = cjpeg(src, os.path.join(d, "base.jpg"), "-quality", "85")
    c["prog.jpg"] = cjpeg(src, os.path.join(d, "prog.jpg"), "-quality", "85", "-progressive")
    c["grey.jpg"] = cjpeg(grey, os.path.join(d, "grey.jpg"), "-quality", "90")
    c["greyprog.jpg"] = cjpeg(grey, os.path.join(d, "greyprog.jpg"), "-progressive")
    c["s444.jpg"] = cjpeg(src, os.path.join(d, "s444.jpg"), "-sample", "1x1")
    c["s422.jpg"] = cjpeg(src, os.path.join(d, "s422.jpg"), "-sample", "2x1")
    c["arith.jpg"] = cjpeg(src, os.path.join(d, "arith.jpg"), "-arithmetic")
    c["restart.jpg"] = cjpeg(big, os.path.join(d, "restart.jpg"), "-restart", "1B")
    c["big.jpg"] = cjpeg(big, os.path.join(d, "big.jpg"))
    c["bigprog.jpg"] = cjpeg(big, os.path.join(d, "bigprog.jpg"), "-progressive")
    c["flatprog.jpg"] = cjpeg(flat, os.path.join(d, "flatprog.jpg"), "-progressive")

    base = rd(c["base.jpg"])
    for o in range(1, 9):
        put("orient%d.jpg" % o, with_app1(base, exif_app1(o)))
        put("greyorient%d.jpg" % o, with_app1(rd(c["grey.jpg"]), exif_app1(o, big=False)))
    put("orient6le.jpg", with_app1(base, exif_app1(6, big=False)))
    put("orient6long.jpg", with_app1(base, exif_app1(6, type_=4)))
    put("orient6prog.jpg", with_app1(rd(c["prog.jpg"]), exif_app1(6)))
    xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"
    put("orient8xmp.jpg", with_app1(base, b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp,
                                    exif_app1(8)))
    put("orient9.jpg", with_app1(base, exif_app1(9)))
    put("orient0.jpg", with_app1(base, exif_app1(0)))
    put("exifcount.jpg", with_app1(base, exif_app1(3, count=60000)))  # entries past the end
    put("exifoff.jpg", with_app1(base, exif_app1(3)[:14] + b"MM\0\x2a\xff\xff\xff\xf0" +
                                 exif_app1(3)[22:]))
    put("noeoi.jpg", base[:-2])
    # 20000 small APPn/COM markers, and a 6.5 MB "ICC profile" in 100 APP2
    # markers with inconsistent sequence numbers, and 50 EXIF blocks (only
    # the first counts: orientation 3).
    small = b"".join(bytes([0xFF, 0xE3 + (i % 12)]) + struct.pack(">H", 34) + bytes(32)
                     for i in range(20000))
    icc = b"".join(b"\xff\xe2" + struct.pack(">H", 65535) + b"ICC_PROFILE\0" +
                   bytes([i % 7 + 1, 3]) + bytes(65519) for i in range(100))
    exifs = [exif_app1(3)] + [exif_app1(6)] * 49
    put("manyapp.jpg", with_app1(base, *exifs, small, icc))
    if shutil.which("convert"):
        p = os.path.join(d, "cmyk.jpg")
        subprocess.run(["convert", big, "-colorspace", "CMYK", "-quality", "95", p], check=True)
        c["cmyk.jpg"] = p
    if mkscans:
        p = os.path.join(d, "scans2090.jpg")
        subprocess.run([mkscans, p, "64", "48"], check=True)
        c["scans2090.jpg"] = p
        p = os.path.join(d, "twocomp.jpg")
        subprocess.run([mkscans, p, "16", "16", "2comp"], check=True)
        c["twocomp.jpg"] = p

    # Broken files.
    bigd = rd(c["big.jpg"])
    put("truncated.jpg", bigd[:len(bigd) // 2])
    put("corrupt.jpg", corrupt_entropy(rd(c["restart.jpg"])))
    put("onebyte.jpg", corrupt_entropy(bigd, step=4000))
    put("baddht.jpg", bad_dht(base))
    put("nocomp.jpg", patch_sof(base, ncomp=0))
    put("huge.jpg", patch_sof(rd(c["prog.jpg"]), width=65500, height=65500))
    put("manyscans.jpg", repeat_last_scan(rd(c["prog.jpg"]), 5000))
    put("twelvebit.jpg", patch_sof(base, marker=0xC1, precision=12))
    put("lossless.jpg", patch_sof(base, marker=0xC3))
    png = os.path.join(d, "src.png")
    uhtest.write_png(png, 4, 4, 3, [[0, 0, 0] * 4] * 4)
    put("png.jpg", rd(png))
    put("svg.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    put("empty.jpg", b"")
    put("soi.jpg", b"\xff\xd8")
    return c
