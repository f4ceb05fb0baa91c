"""Writes the PNG test corpus: every colour type and bit depth of the PNG
specification, interlaced and not, and hostile files (truncations, bad CRCs,
impossible sizes, bombs, floods). Standard library only (zlib, struct).

Used as a module (corpus(dir) returns the manifest) or run as a script:
    python3 gen_corpus.py OUTDIR
which writes OUTDIR/*.png and OUTDIR/manifest.json.
"""

import json
import os
import struct
import sys
import zlib

SIG = b"\x89PNG\r\n\x1a\n"


def chunk(kind, body, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + body) & 0xffffffff
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def ihdr(w, h, depth, ct, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, interlace))


IEND = chunk(b"IEND", b"")

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class Rng:
    """A small deterministic generator (LCG), so the corpus is the same on
    every machine."""

    def __init__(self, seed):
        self.s = seed & 0xffffffff

    def next(self):
        self.s = (self.s * 1103515245 + 12345) & 0x7fffffff
        return self.s >> 8


def samples(w, h, ct, depth, rng, palette_size=None):
    """Rows of sample values (ints) for an image of this type."""
    nch = CHANNELS[ct]
    top = (palette_size - 1) if ct == 3 else (1 << depth) - 1
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            for c in range(nch):
                if y == 0 and x < 2:
                    row.append(0 if x == 0 else top)  # both extremes occur
                else:
                    row.append(rng.next() % (top + 1))
        rows.append(row)
    return rows


def pack_row(vals, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in vals)
    if depth == 8:
        return bytes(vals)
    per = 8 // depth
    out = bytearray((len(vals) + per - 1) // per)
    for i, v in enumerate(vals):
        out[i // per] |= v << (8 - depth * (i % per + 1))
    return bytes(out)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(lines, bpp, first_filter=0, cycle=True):
    """Filters packed rows, cycling through all five filter types (or with
    filter 0 on every row when cycle is false)."""
    if not cycle:
        return b"".join(b"\0" + line for line in lines)
    out = bytearray()
    prev = bytes(len(lines[0])) if lines else b""
    for j, line in enumerate(lines):
        ft = (first_filter + j) % 5
        f = bytearray(len(line))
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[ft]
            f[i] = (line[i] - pred) & 255
        out.append(ft)
        out += f
        prev = line
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def raw_stream(rows, w, h, ct, depth, interlace, cycle=True):
    nch = CHANNELS[ct]
    bpp = max(1, nch * depth // 8)
    if not interlace:
        return filter_rows([pack_row(r, depth) for r in rows], bpp, 0, cycle)
    out = b""
    for p, (x0, y0, dx, dy) in enumerate(ADAM7):
        xs = list(range(x0, w, dx))
        ys = list(range(y0, h, dy))
        if not xs or not ys:
            continue
        lines = []
        for y in ys:
            vals = []
            for x in xs:
                vals += rows[y][x * nch:(x + 1) * nch]
            lines.append(pack_row(vals, depth))
        out += filter_rows(lines, bpp, p, cycle)
    return out


def make_png(w, h, ct, depth, interlace=0, seed=1, trns=False, extra=b"",
             plte_size=None, idat_split=None, level=9):
    """A valid PNG; returns (bytes, rows of sample values, palette, trns)."""
    rng = Rng(seed * 7919 + ct * 31 + depth)
    psize = None
    plte = trns_body = None
    if ct == 3:
        psize = plte_size or min(1 << depth, 200)
        plte = bytes(rng.next() & 255 for _ in range(3 * psize))
    rows = samples(w, h, ct, depth, rng, psize)
    body = SIG + ihdr(w, h, depth, ct, interlace) + extra
    if ct == 3:
        body += chunk(b"PLTE", plte)
        if trns:
            n = max(1, psize - 3)  # shorter than the palette: rest opaque
            trns_body = bytes((i * 37) & 255 for i in range(n))
    elif trns and ct == 0:
        trns_body = struct.pack(">H", rows[-1][-1])  # the last pixel's value

    elif trns and ct == 2:
        trns_body = struct.pack(">HHH", *rows[-1][-3:])
    if trns_body is not None:
        body += chunk(b"tRNS", trns_body)
    data = zlib.compress(raw_stream(rows, w, h, ct, depth, interlace), level)
    if idat_split:
        for i in range(0, len(data), idat_split):
            body += chunk(b"IDAT", data[i:i + idat_split])
    else:
        body += chunk(b"IDAT", data)
    return body + IEND, rows, plte, trns_body


def expected_pixels(w, h, ct, depth, rows, plte, trns):
    """What png.load yields, computed independently: (channels, depth, rows)
    the way libpng's expand + tRNS-to-alpha transforms define it."""
    nch = CHANNELS[ct]
    if ct == 3:
        out = []
        for r in rows:
            o = []
            for i in r:
                o += list(plte[3 * i:3 * i + 3])
                if trns is not None:
                    o.append(trns[i] if i < len(trns) else 255)
            out.append(o)
        return (4 if trns is not None else 3), 8, out
    od = 16 if depth == 16 else 8
    scale = 1 if depth >= 8 else 255 // ((1 << depth) - 1)
    top = (1 << od) - 1
    out = []
    for r in rows:
        o = []
        for x in range(w):
            px = r[x * nch:(x + 1) * nch]
            o += [v * scale for v in px]
            if trns is not None and ct in (0, 2):
                key = list(struct.unpack(">%dH" % nch, trns))
                o.append(0 if px == key else top)
        out.append(o)
    ch = nch + (1 if trns is not None and ct in (0, 2) else 0)
    return ch, od, out


def icc_profile(extra=200):
    """A minimal ICC profile libpng accepts: a 128-byte header for an RGB
    monitor profile with the D50 illuminant, an empty tag table, and
    `extra` bytes of noise (libpng calls a compressed profile under about
    90 bytes "too short")."""
    rng = Rng(5)
    h = bytearray(132) + bytes(rng.next() & 255 for _ in range(extra))
    struct.pack_into(">I", h, 0, len(h))
    struct.pack_into(">I", h, 8, 0x02100000)
    h[12:16], h[16:20], h[20:24], h[36:40] = b"mntr", b"RGB ", b"XYZ ", b"acsp"
    struct.pack_into(">iii", h, 68, 0xF6D6, 0x10000, 0xD32D)
    return bytes(h)


def zero_deflate(n):
    """A zlib stream of n zero bytes, made fast: after a full flush, deflate
    starts afresh, so the bytes for each further MiB of zeros are the same
    and are repeated; the Adler-32 of n zeros is (n mod 65521) << 16 | 1."""
    mib = 1 << 20
    z = zlib.compressobj(9)
    blk = bytes(mib)
    first = z.compress(blk) + z.flush(zlib.Z_FULL_FLUSH)
    unit = z.compress(blk) + z.flush(zlib.Z_FULL_FLUSH)
    k, rest = divmod(n, mib)
    if k < 2:
        return zlib.compress(bytes(n), 9)
    tail = z.compress(bytes(rest)) + z.flush()
    data = first + unit * (k - 1) + tail[:-4]
    return data + struct.pack(">I", (n % 65521) << 16 | 1)


def bomb(w, h):
    """IHDR + one IDAT of h rows of w zero bytes (grey 8-bit, filter 0)."""
    return SIG + ihdr(w, h, 8, 0) + chunk(b"IDAT", zero_deflate((w + 1) * h)) + IEND


def big_png(w, h, interlace):
    """An RGBA 8-bit image of gradients plus a little noise (so that it
    compresses, but not to nothing), filter 0: fast to make."""
    import random
    noise = random.Random(1234).randbytes(w * h * 4)
    rows = []
    for y in range(h):
        base = y * w * 4
        rows.append([((i >> 2) + y * (1 + (i & 3)) + (noise[base + i] & 7)) & 255
                     for i in range(w * 4)])
    raw = raw_stream(rows, w, h, 6, 8, interlace, cycle=False)
    return SIG + ihdr(w, h, 8, 6, interlace) + chunk(b"IDAT", zlib.compress(raw, 1)) + IEND


def corpus(d):
    """Writes the corpus into directory d; returns the manifest: a list of
    dicts with name, kind ("valid"/"broken"), and for valid files the
    expected pixels, for broken ones the expected exit code and message.
    no_reference marks valid files that uhtest.read_png refuses (bad
    ancillary CRCs) or reads differently (palette index past PLTE)."""
    os.makedirs(d, exist_ok=True)
    man = []

    def put(name, data, **info):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        info["name"] = name
        man.append(info)

    # -- every colour type and bit depth, interlaced and not --------------
    kinds = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16),
             (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)]
    variants = []
    for ct, depth in kinds:
        variants.append((ct, depth, False))
        if ct in (0, 2, 3):
            variants.append((ct, depth, True))
    sizes = [(37, 23), (1, 1), (3, 5)]
    for ct, depth, trns in variants:
        for interlace in (0, 1):
            for k, (w, h) in enumerate(sizes):
                if k > 0 and (ct, depth) not in ((0, 1), (3, 2), (6, 16), (0, 16)):
                    continue
                data, rows, plte, tr = make_png(w, h, ct, depth, interlace,
                                                seed=k + 1, trns=trns)
                ch, od, px = expected_pixels(w, h, ct, depth, rows, plte, tr)
                name = "ct%d_d%d%s%s_%dx%d.png" % (ct, depth, "_trns" if trns else "",
                                                   "_i" if interlace else "", w, h)
                put(name, data, kind="valid", width=w, height=h, channels=ch,
                    depth=od, pixels=px, interlaced=interlace)

    # -- valid but unusual -------------------------------------------------
    data, rows, plte, tr = make_png(19, 7, 2, 8, idat_split=1)
    ch, od, px = expected_pixels(19, 7, 2, 8, rows, plte, tr)
    put("idat_1byte_chunks.png", data, kind="valid", width=19, height=7,
        channels=ch, depth=od, pixels=px, interlaced=0)

    texts = b"".join(chunk(b"tEXt", b"k\0v%d" % i) for i in range(100000))
    data, rows, plte, tr = make_png(8, 8, 0, 8, extra=texts)
    ch, od, px = expected_pixels(8, 8, 0, 8, rows, plte, tr)
    put("text_100000.png", data, kind="valid", width=8, height=8, channels=ch,
        depth=od, pixels=px, interlaced=0)

    ztxt = chunk(b"zTXt", b"bomb\0\0" + zero_deflate(200 << 20))
    data, rows, plte, tr = make_png(8, 8, 0, 8, extra=ztxt)
    ch, od, px = expected_pixels(8, 8, 0, 8, rows, plte, tr)
    put("ztxt_bomb.png", data, kind="valid", width=8, height=8, channels=ch,
        depth=od, pixels=px, interlaced=0)

    # Colour-space chunks: what png.save writes back tells the tag.
    for name, extra, space in [
            ("space_srgb.png", chunk(b"sRGB", b"\0"), "srgb"),
            ("space_gamma1.png", chunk(b"gAMA", struct.pack(">I", 100000)), "linear"),
            ("space_gamma045.png", chunk(b"gAMA", struct.pack(">I", 45455)), "srgb"),
            ("space_none.png", b"", "srgb"),
            ("space_iccp.png", chunk(b"iCCP", b"p\0\0" + zlib.compress(icc_profile())),
             "srgb")]:
        data, rows, plte, tr = make_png(5, 4, 2, 8, extra=extra)
        ch, od, px = expected_pixels(5, 4, 2, 8, rows, plte, tr)
        put(name, data, kind="valid", width=5, height=4, channels=ch, depth=od,
            pixels=px, interlaced=0, space=space)

    # A larger image, interlaced and not, for memory-cost tests.
    for il in (0, 1):
        put("big_rgba%s.png" % ("_i" if il else ""), big_png(256, 256, il),
            kind="big", width=256, height=256, interlaced=il)

    # APNG: the default image is IDAT; animation chunks are ignored.
    actl = chunk(b"acTL", struct.pack(">II", 2, 0))
    fctl = chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, 7, 5, 0, 0, 1, 10, 0, 0))
    data, rows, plte, tr = make_png(7, 5, 6, 8, extra=actl + fctl)
    fdat = chunk(b"fcTL", struct.pack(">IIIIIHHBB", 1, 7, 5, 0, 0, 1, 10, 0, 0)) + \
        chunk(b"fdAT", struct.pack(">I", 2) + zlib.compress(bytes(6 * 29)))
    data = data[:-len(IEND)] + fdat + IEND
    ch, od, px = expected_pixels(7, 5, 6, 8, rows, plte, tr)
    put("apng.png", data, kind="valid", width=7, height=5, channels=ch, depth=od,
        pixels=px, interlaced=0)

    # tRNS longer than the palette: libpng drops it (RGB, not RGBA).
    plte4 = bytes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120])
    raw = b"\0" + bytes([0, 1, 2, 3])
    data = SIG + ihdr(4, 1, 8, 3) + chunk(b"PLTE", plte4) + \
        chunk(b"tRNS", bytes([0, 50, 100, 150, 200, 250])) + \
        chunk(b"IDAT", zlib.compress(raw)) + IEND
    put("trns_too_long.png", data, kind="valid", width=4, height=1, channels=3,
        depth=8, interlaced=0, pixels=[list(plte4)], no_reference=True,
        warning="tRNS: invalid")

    # gAMA of 0 is nonsense: ignored, the image is tagged sRGB.
    data, rows, plte, tr = make_png(3, 3, 0, 8, extra=chunk(b"gAMA", bytes(4)))
    ch, od, px = expected_pixels(3, 3, 0, 8, rows, plte, tr)
    put("gama_zero.png", data, kind="valid", width=3, height=3, channels=ch,
        depth=od, pixels=px, interlaced=0, space="srgb",
        warning="gAMA: gamma value out of range")

    # Two more rows of data than IHDR says: decoded, with a warning.
    raw = b"".join(b"\0" + bytes([y * 10 + x for x in range(4)]) for y in range(6))
    data = SIG + ihdr(4, 4, 8, 0) + chunk(b"IDAT", zlib.compress(raw)) + IEND
    put("extra_rows.png", data, kind="valid", width=4, height=4, channels=1,
        depth=8, interlaced=0, pixels=[[y * 10 + x for x in range(4)] for y in range(4)],
        warning="IDAT: Too much image data")

    # A 5 KB profile: dropped (with warnings) when max_chunk_bytes is 2000.
    data, rows, plte, tr = make_png(5, 4, 2, 8, extra=chunk(
        b"iCCP", b"p\0\0" + zlib.compress(icc_profile(5000))))
    ch, od, px = expected_pixels(5, 4, 2, 8, rows, plte, tr)
    put("iccp_5k.png", data, kind="valid", width=5, height=4, channels=ch, depth=od,
        pixels=px, interlaced=0)

    # -- hostile -----------------------------------------------------------
    good, rows, plte, tr = make_png(64, 64, 2, 8, level=0)
    idat_at = good.index(b"IDAT") - 4
    iend_at = good.index(b"IEND") - 4

    put("trunc_sig.png", good[:5], kind="broken", code=3, message="truncated PNG")
    put("trunc_ihdr.png", good[:20], kind="broken", code=3,
        message="truncated PNG: the file ends after 20 bytes, inside IHDR")
    put("trunc_idat.png", good[:idat_at + 8 + 3000], kind="broken", code=3,
        message="truncated PNG: the file ends after %d bytes, inside IDAT"
        % (idat_at + 8 + 3000))
    put("trunc_before_iend.png", good[:iend_at], kind="broken", code=3,
        message="truncated PNG: the file ends after %d bytes, in the chunk "
        "header after IDAT" % iend_at)

    # Cut half-way through a tall image's data: fails after many rows, when
    # png.save is already writing.
    line = bytes(range(256)) * 2
    raw = b"".join(b"\0" + line[y % 256:] + line[:y % 256] for y in range(2048))
    tall = SIG + ihdr(512, 2048, 8, 0) + chunk(b"IDAT", zlib.compress(raw, 1)) + IEND
    cut = len(tall) // 2
    put("trunc_late.png", tall[:cut], kind="broken", code=3,
        message="truncated PNG: the file ends after %d bytes, inside IDAT" % cut)

    b = bytearray(good)
    b[29] ^= 0xff  # IHDR CRC
    put("crc_ihdr.png", bytes(b), kind="broken", code=3,
        message="corrupt PNG: IHDR: CRC error")
    b = bytearray(good)
    b[iend_at - 1] ^= 0x01  # the CRC of IDAT
    put("crc_idat.png", bytes(b), kind="broken", code=3,
        message="corrupt PNG: IDAT: CRC error")

    anc = chunk(b"tIME", struct.pack(">HBBBBB", 2026, 1, 2, 3, 4, 5), crc=1234)
    data, rows, plte, tr = make_png(6, 6, 0, 8, extra=anc)
    ch, od, px = expected_pixels(6, 6, 0, 8, rows, plte, tr)
    put("crc_ancillary.png", data, kind="valid", width=6, height=6, channels=ch,
        depth=od, pixels=px, interlaced=0, warning="tIME: CRC error",
        no_reference=True)

    # 30 unknown ancillary chunks with bad CRCs: 30 warnings, of which the
    # log shows 10 and then a count.
    bad = b"".join(chunk(b"teSt", b"%d" % i, crc=0) for i in range(30))
    data, rows, plte, tr = make_png(6, 6, 0, 8, extra=bad)
    ch, od, px = expected_pixels(6, 6, 0, 8, rows, plte, tr)
    put("crc_ancillary_30.png", data, kind="valid", width=6, height=6, channels=ch,
        depth=od, pixels=px, interlaced=0, warning="20 more PNG warnings",
        no_reference=True)

    # 2000 suggested palettes: libpng keeps max_chunks of them.
    splt = b"".join(chunk(b"sPLT", b"p%d\0\x08" % i + bytes([1, 2, 3, 4, 0, 1]))
                    for i in range(2000))
    data, rows, plte, tr = make_png(6, 6, 2, 8, extra=splt)
    ch, od, px = expected_pixels(6, 6, 2, 8, rows, plte, tr)
    put("splt_2000.png", data, kind="valid", width=6, height=6, channels=ch,
        depth=od, pixels=px, interlaced=0, warning="No space in chunk cache for sPLT")

    def header_only(w, h, depth=8, ct=0):
        return SIG + ihdr(w, h, depth, ct) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + IEND

    put("width0.png", header_only(0, 5), kind="broken", code=3,
        message="corrupt PNG: IHDR says the image is 0x5 pixels (each side "
        "must be 1 to 2147483647)")
    put("huge_2000000x1.png", header_only(2000000, 1), kind="broken", code=4,
        message="image is 2000000x1 pixels; max_dimension is 262144 (raise "
        "png.load's max_dimension)")
    put("huge_1x500000000.png", header_only(1, 500000000), kind="broken", code=4,
        message="image is 1x500000000 pixels; max_dimension is 262144 (raise "
        "png.load's max_dimension)")
    put("huge_60000x60000.png", header_only(60000, 60000, 8, 6), kind="broken",
        code=4, message="image is 60000x60000 = 3600000000 pixels; max_pixels "
        "is 1000000000 (raise png.load's max_pixels)")
    put("huge_2pow31.png", header_only(0x80000000, 1), kind="broken", code=3,
        message="IHDR says the image is 2147483648x1 pixels")

    big = bytearray(good)
    struct.pack_into(">I", big, idat_at, 0xffffffff)
    put("chunk_len_ffffffff.png", bytes(big), kind="broken", code=3,
        message="corrupt PNG: PNG unsigned integer out of range")

    # Palette index 250 in a 4-entry palette: libpng reads it as black.
    plte4 = bytes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120])
    raw = b"\0" + bytes([0, 1, 2, 3, 250, 1])
    data = SIG + ihdr(6, 1, 8, 3) + chunk(b"PLTE", plte4) + \
        chunk(b"IDAT", zlib.compress(raw)) + IEND
    put("palette_index_oob.png", data, kind="valid", width=6, height=1,
        channels=3, depth=8, interlaced=0,
        pixels=[[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 0, 0, 0,
                 40, 50, 60]], no_reference=True)

    # Too few rows in an otherwise valid stream.
    raw = b"".join(b"\0" + bytes(8) for _ in range(3))
    data = SIG + ihdr(8, 8, 8, 0) + chunk(b"IDAT", zlib.compress(raw)) + IEND
    put("short_idat.png", data, kind="broken", code=3,
        message="corrupt PNG: Not enough image data")

    # Bad Adler-32 at the end of the zlib stream.
    z = bytearray(zlib.compress(b"".join(b"\0" + bytes(8) for _ in range(8))))
    z[-1] ^= 0xff
    data = SIG + ihdr(8, 8, 8, 0) + chunk(b"IDAT", bytes(z)) + IEND
    put("bad_adler.png", data, kind="broken", code=3,
        message="corrupt PNG: ")

    # -- the chunks around and after the image data (png.load walks them
    # itself for 8/16-bit grey, GA, RGB and RGBA) ---------------------------
    def split(data, parts):
        out, i = [], 0
        for n in parts:
            out.append(data[i:i + n])
            i += n
        return out + [data[i:]]

    good6, rows6, plte6, tr6 = make_png(9, 6, 6, 8)
    ch6, od6, px6 = expected_pixels(9, 6, 6, 8, rows6, plte6, tr6)
    head6 = good6[:good6.index(b"IDAT") - 4]
    z6 = zlib.compress(raw_stream(rows6, 9, 6, 6, 8, 0), 9)

    def rgba6(name, body, **info):
        put(name, head6 + body, kind=info.pop("kind", "valid"), width=9,
            height=6, channels=ch6, depth=od6, pixels=px6, interlaced=0, **info)

    tail = chunk(b"tEXt", b"k\0after") + \
        chunk(b"tIME", struct.pack(">HBBBBB", 2026, 1, 2, 3, 4, 5), crc=7)
    rgba6("after_idat_chunks.png", chunk(b"IDAT", z6) + tail + IEND,
          warning="tIME: CRC error", no_reference=True)
    rgba6("idat_zero_length.png", chunk(b"IDAT", b"") + b"".join(
        chunk(b"IDAT", part) + chunk(b"IDAT", b"") for part in split(z6, [1, 1, 5])) + IEND)
    rgba6("idat_after_text.png", chunk(b"IDAT", z6) + chunk(b"tEXt", b"k\0v") +
          chunk(b"IDAT", b"\0\0\0") + IEND, warning="IDAT: Too many IDATs found")
    rgba6("idat_extra_bytes.png", chunk(b"IDAT", z6 + b"junk") + IEND,
          warning="IDAT: Extra compressed data")
    rgba6("iend_not_empty.png", chunk(b"IDAT", z6) + chunk(b"IEND", b"x"),
          warning="IEND: invalid")
    rgba6("critical_after_idat.png", chunk(b"IDAT", z6) + chunk(b"QUUX", b"1") + IEND,
          kind="broken", code=3, message="corrupt PNG: QUUX: unknown critical chunk")
    rgba6("crc_iend.png", chunk(b"IDAT", z6) + chunk(b"IEND", b"", crc=5),
          kind="broken", code=3, message="corrupt PNG: IEND: CRC error")
    body = chunk(b"IDAT", z6) + IEND
    rgba6("trunc_iend_crc.png", body[:-2], kind="broken", code=3,
          message="truncated PNG: the file ends after %d bytes, in the CRC of IEND"
          % (len(head6) + len(body) - 2))
    body = chunk(b"IDAT", z6) + chunk(b"tEXt", b"k\0" + bytes(100)) + IEND
    rgba6("trunc_text_after_idat.png", body[:len(z6) + 12 + 8 + 50], kind="broken",
          code=3, message="truncated PNG: the file ends after %d bytes, inside tEXt"
          % (len(head6) + len(z6) + 12 + 8 + 50))
    rgba6("trunc_idat_crc.png", chunk(b"IDAT", z6)[:len(z6) + 10], kind="broken",
          code=3, message="truncated PNG: the file ends after %d bytes, in the CRC of IDAT"
          % (len(head6) + len(z6) + 10))
    rgba6("crc_second_idat.png", b"".join(
        chunk(b"IDAT", part, crc=(1 if i == 1 else None))
        for i, part in enumerate(split(z6, [40]))) + IEND,
          kind="broken", code=3, message="corrupt PNG: IDAT: CRC error")
    rgba6("idat_then_iend_early.png", chunk(b"IDAT", z6[:len(z6) // 2]) + IEND,
          kind="broken", code=3, message="corrupt PNG: Not enough image data")
    rgba6("zlib_no_adler.png", chunk(b"IDAT", z6[:-4]) + IEND, kind="broken", code=3,
          message="corrupt PNG: Not enough image data")
    zb = bytearray(z6)
    zb[1] ^= 0x01  # FCHECK no longer makes the header a multiple of 31
    rgba6("zlib_bad_header.png", chunk(b"IDAT", bytes(zb)) + IEND, kind="broken",
          code=3, message="corrupt PNG: IDAT: incorrect header check")
    zb = bytearray(z6)
    zb[-1] ^= 0x40
    rgba6("zlib_bad_adler_rgba.png", chunk(b"IDAT", bytes(zb)) + IEND, kind="broken",
          code=3, message="corrupt PNG: IDAT: incorrect data check")
    raw = bytearray(raw_stream(rows6, 9, 6, 6, 8, 0))
    raw[3 * (1 + 9 * 4)] = 5  # row 3's filter type
    rgba6("bad_filter_type.png", chunk(b"IDAT", zlib.compress(bytes(raw))) + IEND,
          kind="broken", code=3, message="corrupt PNG: bad adaptive filter value")
    zb = bytearray(zlib.compress(raw_stream(rows6, 9, 6, 6, 8, 0), 0))
    zb[2] |= 0x06  # the stored block's type bits: 3 is reserved
    rgba6("zlib_bad_block.png", chunk(b"IDAT", bytes(zb)) + IEND, kind="broken",
          code=3, message="corrupt PNG: IDAT: invalid block type")

    # Rows longer than a third of the inflate buffer, over many refills.
    data, rows, plte, tr = make_png(1500, 70, 2, 16, seed=3, idat_split=70000)
    ch, od, px = expected_pixels(1500, 70, 2, 16, rows, plte, tr)
    put("wide_rgb16.png", data, kind="valid", width=1500, height=70, channels=ch,
        depth=od, pixels=px, interlaced=0)

    put("not_png_jpeg.png", bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16]) + b"JFIF\0" +
        bytes(200), kind="broken", code=3,
        message="not a PNG file (it is a JPEG file)")
    put("empty.png", b"", kind="broken", code=3,
        message="not a PNG file (the file is empty)")
    put("text.png", b"hello, I am not an image\n", kind="broken", code=3,
        message="not a PNG file")

    # A 20000 x 20000 zero image in a few hundred KB.
    put("bomb_20000.png", bomb(20000, 20000), kind="bomb", width=20000,
        height=20000)

    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(man, f)
    return man


if __name__ == "__main__":
    corpus(sys.argv[1])
