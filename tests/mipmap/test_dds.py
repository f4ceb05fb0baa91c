"""DDS: a reader written here checks every header field of files written
by dds.save -- magic, dwSize 124, flags (CAPS|HEIGHT|WIDTH|PIXELFORMAT|
PITCH|MIPMAPCOUNT), size, pitch, mip count, pixel format (legacy A8B8G8R8
masks for 8-bit UNORM; "DX10" with DXGI 29 sRGB / 11 RGBA16 / 2 RGBA32F,
TEXTURE2D, array size 1, alpha mode), caps -- and that the levels follow,
largest first, tightly packed, equal to the PNG of each level (RGB input
gets opaque alpha); nothing follows the last level."""
import struct

import miptest as mt
import uhtest

mt.scratch()
w0, h0 = 40, 24
rows = [[(x * 13 + y * 7 + c * 60) % 256 for x in range(w0) for c in range(4)] for y in range(h0)]
uhtest.write_png(mt.path("rgba.png"), w0, h0, 4, rows)
rgb = [[(x * 5 + y * 9 + c * 80) % 256 for x in range(w0) for c in range(3)] for y in range(h0)]
uhtest.write_png(mt.path("rgb.png"), w0, h0, 3, rgb)

cases = {
    # name: (input, params, dxgi (0 legacy), bytes per sample, alpha mode)
    "unorm": ("rgba.png", {"transfer": "linear"}, 0, 1, None),
    "srgb": ("rgba.png", {}, 29, 1, 1),
    "rgb_srgb": ("rgb.png", {}, 29, 1, 3),
    "u16": ("rgba.png", {"transfer": "linear", "sample": "u16"}, 11, 2, 1),
    "f32": ("rgba.png", {"transfer": "linear", "sample": "f32"}, 2, 4, 1),
}
nodes = {}
for name, (src, params, *_r) in cases.items():
    nodes["l_" + name] = mt.load(src)
    nodes["m_" + name] = {"type": "mipmap", "params": params, "inputs": {"image": "l_" + name}}
    nodes["d_" + name] = {"type": "dds.save", "params": {"path": name + ".dds"}, "inputs": {"levels": "m_" + name}}
    nodes["p_" + name] = {"type": "mip.save_png", "params": {"dir": name}, "inputs": {"levels": "m_" + name}}
mt.run_ok(mt.graph(nodes))

for name, (src, params, dxgi, ss, amode) in cases.items():
    d = open(mt.path(name + ".dds"), "rb").read()
    _, pngs = mt.levels(name)
    n = len(pngs)
    what = name + ": "
    uhtest.eq(d[:4], b"DDS ", what + "magic")
    size, flags, h, w, pitch, depth, mips = struct.unpack_from("<7I", d, 4)
    uhtest.eq((size, h, w, depth, mips), (124, h0, w0, 0, n), what + "size fields")
    uhtest.eq(flags, 0x1 | 0x2 | 0x4 | 0x1000 | 0x8 | 0x20000, what + "dwFlags")
    uhtest.eq(pitch, w0 * 4 * ss, what + "pitch")
    uhtest.eq(d[32:76], bytes(44), what + "reserved")
    pf = struct.unpack_from("<8I", d, 76)
    if dxgi:
        uhtest.eq(pf, (32, 0x4, struct.unpack("<I", b"DX10")[0], 0, 0, 0, 0, 0), what + "pixel format")
        uhtest.eq(struct.unpack_from("<5I", d, 128), (dxgi, 3, 0, 1, amode), what + "DX10 header")
        off = 148
    else:
        uhtest.eq(pf, (32, 0x41, 0, 32, 0xFF, 0xFF00, 0xFF0000, 0xFF000000), what + "pixel format")
        off = 128
    uhtest.eq(struct.unpack_from("<5I", d, 108), (0x401008, 0, 0, 0, 0), what + "caps")
    for p, png in enumerate(pngs):
        lw, lh = max(1, w0 >> p), max(1, h0 >> p)
        uhtest.eq((png.width, png.height), (lw, lh), what + "level %d size" % p)
        nb = lw * lh * 4 * ss
        blob = d[off:off + nb]
        off += nb
        vals = []
        for row in png.pixels:
            for x in range(lw):
                px = row[x * png.channels:(x + 1) * png.channels]
                if png.channels == 3:
                    px = px + [255]
                vals += px
        if ss == 4:
            fl = struct.unpack("<%df" % (nb // 4), blob)
            bad = sum(1 for a, b in zip(fl, vals) if abs(min(1, max(0, a)) * 65535 - b) > 0.5 + 1e-6)
        elif ss == 2:
            got = struct.unpack("<%dH" % (nb // 2), blob)
            bad = sum(1 for a, b in zip(got, vals) if a != b)
        else:
            bad = sum(1 for a, b in zip(blob, vals) if a != b)
        uhtest.check(len(blob) == nb and bad == 0, what + "level %d: %d samples differ" % (p, bad))
    uhtest.eq(off, len(d), what + "file ends after the last level")
uhtest.done()
