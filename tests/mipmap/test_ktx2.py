"""KTX2: a reader written here re-derives every field of files written by
ktx2.save -- identifier, header, level index (largest first, offsets of
images stored smallest first, each aligned to lcm(texel size, 4) with zero
padding), the data format descriptor byte for byte (rebuilt here from the
KTX2/Khronos DFD rules), key/value data (sorted, KTXorientation "rd",
KTXwriter "uberhost ...", padded), the file size -- and compares every level
image with the PNG of the same level. Formats: RGBA8 sRGB (the 256x256
worked example: DFD at 296, KV at 388), RGBA8 UNORM, RGB8 sRGB (alignment
12), R8, grey+alpha (expanded to RGBA), RGBA16 UNORM, RGBA32F; a ripmap is
refused."""
import struct

import miptest as mt
import uhtest

mt.scratch()
IDENT = bytes([0xAB, 0x4B, 0x54, 0x58, 0x20, 0x32, 0x30, 0xBB, 0x0D, 0x0A, 0x1A, 0x0A])


mt.pattern_png("rgba.png", 256, 256, 4)
mt.pattern_png("rgb.png", 20, 12, 3)
mt.pattern_png("grey.png", 30, 17, 1)
mt.pattern_png("ga.png", 16, 16, 2)

cases = {
    # name: (input, mipmap params, vkFormat, typeSize, channels stored, srgb, float)
    "rgba_srgb": ("rgba.png", {}, 43, 1, 4, True, False),
    "rgba_unorm": ("rgba.png", {"transfer": "linear", "max_levels": 3}, 37, 1, 4, False, False),
    "rgb_srgb": ("rgb.png", {}, 29, 1, 3, True, False),
    "grey": ("grey.png", {"transfer": "data"}, 9, 1, 1, False, False),
    "ga": ("ga.png", {"transfer": "linear"}, 37, 1, 4, False, False),
    "rgba16": ("rgb.png", {"transfer": "linear", "sample": "u16"}, 91, 2, 4, False, False),
    "rgba32f": ("rgba.png", {"transfer": "linear", "sample": "f32", "max_levels": 4}, 109, 4, 4, False, True),
}
nodes = {}
for name, (src, params, *_rest) in cases.items():
    nodes["l_" + name] = mt.load(src)
    nodes["m_" + name] = {"type": "mipmap", "params": params, "inputs": {"image": "l_" + name}}
    nodes["k_" + name] = {"type": "ktx2.save", "params": {"path": name + ".ktx2"},
                          "inputs": {"levels": "m_" + name}}
    nodes["p_" + name] = {"type": "mip.save_png", "params": {"dir": name}, "inputs": {"levels": "m_" + name}}
mt.run_ok(mt.graph(nodes))


def dfd_expected(ns, ts, srgb, flt):
    block = 24 + 16 * ns
    out = struct.pack("<III", 4 + block, 0, 2 | (block << 16))
    out += bytes([1, 1, 2 if srgb else 1, 0])  # RGBSDA, BT709, transfer, flags
    out += bytes(4) + struct.pack("<II", ns * ts, 0)
    ids = [0, 1, 2, 15] if ns == 4 else list(range(ns))
    for s in range(ns):
        q = 0xC0 if flt else (0x10 if ids[s] == 15 and srgb else 0)
        out += struct.pack("<HBB", s * ts * 8, ts * 8 - 1, ids[s] | q)
        out += bytes(4)
        if flt:
            out += struct.pack("<II", 0xBF800000, 0x3F800000)
        else:
            out += struct.pack("<II", 0, 255 if ts == 1 else 65535)
    return out


def lcm4(t):
    a, b = t, 4
    while b:
        a, b = b, a % b
    return t // a * 4


for name, (src, params, vk, ts, ns, srgb, flt) in cases.items():
    data = open(mt.path(name + ".ktx2"), "rb").read()
    m, pngs = mt.levels(name)
    n = len(pngs)
    w0, h0 = pngs[0].width, pngs[0].height
    what = name + ": "
    uhtest.eq(data[:12], IDENT, what + "identifier")
    (fmt, tsz, pw, ph, pd, layers, faces, nlev, sc, dfd_off, dfd_len, kvd_off, kvd_len,
     sgd_off, sgd_len) = struct.unpack_from("<13I2Q", data, 12)
    uhtest.eq((fmt, tsz), (vk, ts), what + "vkFormat, typeSize")
    uhtest.eq((pw, ph, pd, layers, faces, nlev, sc), (w0, h0, 0, 0, 1, n, 0), what + "header sizes")
    uhtest.eq(dfd_off, 80 + 24 * n, what + "dfdByteOffset")
    dfd = dfd_expected(ns, ts, srgb, flt)
    uhtest.eq(dfd_len, len(dfd), what + "dfdByteLength")
    uhtest.eq(data[dfd_off:dfd_off + dfd_len], dfd, what + "DFD bytes")
    uhtest.eq(kvd_off, dfd_off + dfd_len, what + "kvdByteOffset")
    uhtest.eq((sgd_off, sgd_len), (0, 0), what + "sgd")
    # Key/value entries.
    pos, kv = kvd_off, []
    while pos < kvd_off + kvd_len:
        ln, = struct.unpack_from("<I", data, pos)
        body = data[pos + 4:pos + 4 + ln]
        key, _, val = body.partition(b"\0")
        kv.append((key, val))
        pad = (4 - ln % 4) % 4
        uhtest.eq(data[pos + 4 + ln:pos + 4 + ln + pad], bytes(pad), what + "KV padding")
        pos += 4 + ln + pad
    uhtest.eq(pos, kvd_off + kvd_len, what + "kvdByteLength covers whole entries")
    uhtest.eq([k for k, _ in kv], sorted(k for k, _ in kv), what + "keys sorted")
    d = dict(kv)
    uhtest.eq(d.get(b"KTXorientation"), b"rd\0", what + "KTXorientation")
    uhtest.check(d.get(b"KTXwriter", b"").startswith(b"uberhost ") and d[b"KTXwriter"].endswith(b"\0"),
                 what + "KTXwriter %r" % d.get(b"KTXwriter"))
    # Level index, re-derived: smallest level first, each aligned.
    texel = ns * ts
    al = lcm4(texel)
    off = -(-(kvd_off + kvd_len) // al) * al
    first = off
    want = {}
    for p in range(n - 1, -1, -1):
        off = -(-off // al) * al
        w, h = max(1, w0 >> p), max(1, h0 >> p)
        want[p] = (off, w * h * texel, w * h * texel)
        off += w * h * texel
    uhtest.eq(len(data), off, what + "file size")
    uhtest.eq(data[kvd_off + kvd_len:first], bytes(first - kvd_off - kvd_len), what + "padding before levels")
    prev_end = first
    for p in range(n):
        got = struct.unpack_from("<3Q", data, 80 + 24 * p)
        uhtest.eq(got, want[p], what + "level index %d" % p)
    for p in range(n - 1, -1, -1):
        o = want[p][0]
        uhtest.eq(data[prev_end:o], bytes(o - prev_end), what + "mipPadding before level %d" % p)
        prev_end = o + want[p][1]
        # Level pixels against the PNG of the same level.
        png = pngs[p]
        exp = bytearray()
        for row in png.pixels:
            for x in range(png.width):
                px = row[x * png.channels:(x + 1) * png.channels]
                mx = 255 if png.depth == 8 else 65535
                if ns == 4 and png.channels < 4:
                    px = (px[:1] * 3 if png.channels <= 2 else px[:3]) + ([px[1]] if png.channels == 2 else [mx])
                for v in px:
                    if flt:
                        exp += struct.pack("<H", v)  # compared below
                    elif ts == 1:
                        exp.append(v)
                    else:
                        exp += struct.pack("<H", v)
        blob = data[o:o + want[p][1]]
        if flt:
            fl = struct.unpack("<%df" % (len(blob) // 4), blob)
            q = [min(1.0, max(0.0, v)) * 65535 for v in fl]
            ref = struct.unpack("<%dH" % (len(exp) // 2), exp)
            # save_png rounds in float precision: allow the half-code tie.
            bad = sum(1 for a, b in zip(q, ref) if abs(a - b) > 0.5 + 1e-3)
            uhtest.check(len(q) == len(ref) and bad == 0, what + "level %d: %d float samples differ" % (p, bad))
        else:
            uhtest.check(blob == bytes(exp), what + "level %d data differs from its PNG" % p)

# The worked example of the facts sheet.
data = open(mt.path("rgba_srgb.ktx2"), "rb").read()
dfd_off, dfd_len, kvd_off = struct.unpack_from("<3I", data, 48)
uhtest.eq((dfd_off, dfd_len, kvd_off), (296, 92, 388), "256x256 RGBA8 sRGB DFD/KV offsets")

# A ripmap is not a mip chain.
g = mt.graph({"l": mt.load("grey.png"), "r": {"type": "ripmap", "inputs": {"image": "l"}},
              "k": {"type": "ktx2.save", "params": {"path": "rip.ktx2"}, "inputs": {"levels": "r"}}}, "rip.json")
c, out, err = uhtest.run("run", g, cwd=mt.SCRATCH)
uhtest.eq(c, 3, "exit code for a ripmap into ktx2.save")
uhtest.check("ktx2.save needs a mip chain: image 1 is 15x17 at (1, 0), expected level 1 of 15x8" in err,
             "ripmap refusal message: %r" % err)
uhtest.done()
