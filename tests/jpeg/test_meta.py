"""EXIF and ICC metadata through the uberhost CLI (issue 5): jpeg.load's
exif/icc blob outputs, jpeg.save's exif/icc inputs with the strip rule, and
png.save's icc input. Inputs are made here: a base JPEG written by uberhost
itself, with APP1/APP2 segments built in Python (an EXIF block with Make,
Model and Orientation; valid ICC v2 profiles of any size), so the test
knows every byte it expects back. Outputs are parsed marker by marker.

  test_meta.py            the main cases
  test_meta.py cmyk       a CMYK JPEG (ImageMagick convert; 77 without it)
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
from uhtest import BIN, check, done, eq, read_png, run, scratch, write_png

if not os.path.exists(BIN):
    print("skipped: no uberhost binary at %s" % BIN)
    sys.exit(77)
MODE = sys.argv[1] if len(sys.argv) > 1 else "main"
if MODE == "cmyk" and not shutil.which("convert"):
    print("skipped: no ImageMagick convert")
    sys.exit(77)
d = scratch("jpeg_meta_" + MODE)
ICC_CHUNK = 65519
ngraphs = [0]


# -- building inputs ---------------------------------------------------------

def exif_payload(orientation, big=True, long_=False, make=b"UberCam", model=b"Model 5"):
    """'Exif\\0\\0' + TIFF with IFD0: Make, Model (ASCII, stored after the
    IFD) and Orientation (SHORT, or LONG when long_), next-IFD link 0.
    Returns (payload, offset of the orientation value in the payload)."""
    e = ">" if big else "<"
    make += b"\0"
    model += b"\0"
    n = 3
    ifd = 8
    data_at = ifd + 2 + 12 * n + 4
    tiff = (b"MM" if big else b"II") + struct.pack(e + "HI", 42, ifd)
    tiff += struct.pack(e + "H", n)
    tiff += struct.pack(e + "HHII", 0x010F, 2, len(make), data_at)
    tiff += struct.pack(e + "HHII", 0x0110, 2, len(model), data_at + len(make))
    value_at = 6 + len(tiff) + 8
    if long_:
        tiff += struct.pack(e + "HHII", 0x0112, 4, 1, orientation)
    else:
        tiff += struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack(e + "I", 0)
    tiff += make + model
    return b"Exif\0\0" + tiff, value_at


def s15(v):
    return struct.pack(">i", int(round(v * 65536)))


def icc_profile(size, space=b"RGB ", seed=1):
    """A valid ICC v2.1 display profile of exactly `size` bytes (size a
    multiple of 4, >= 256): desc, wtpt, cprt and a private 'pad ' tag of
    pseudo-random bytes filling the rest, so every profile is distinct."""
    assert size % 4 == 0 and size >= 256
    desc_txt = b"uberhost test profile\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(desc_txt)) + desc_txt
    desc += b"\0" * 4 + b"\0" * 4 + b"\0" * 2 + b"\0" + b"\0" * 67
    desc += b"\0" * (-len(desc) % 4)
    wtpt = b"XYZ " + b"\0" * 4 + s15(0.9642) + s15(1.0) + s15(0.8249)
    cprt = b"text" + b"\0" * 4 + b"public domain\0"
    cprt += b"\0" * (-len(cprt) % 4)
    tags = [(b"desc", desc), (b"wtpt", wtpt), (b"cprt", cprt)]
    head = 128 + 4 + 12 * (len(tags) + 1)
    fixed = head + sum(len(t) for _, t in tags)
    pad_len = size - fixed
    assert pad_len >= 8
    x = seed * 2654435761 & 0xFFFFFFFF
    pad = bytearray(b"pad \0\0\0\0")
    for _ in range(pad_len - 8):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        pad.append(x >> 16 & 255)
    tags.append((b"pad ", bytes(pad)))
    table, body, at = b"", b"", head
    for sig, t in tags:
        table += sig + struct.pack(">II", at, len(t))
        body += t
        at += len(t)
    hdr = struct.pack(">I", size) + b"none" + bytes([2, 0x10, 0, 0])
    hdr += b"mntr" + space + b"XYZ "
    hdr += struct.pack(">6H", 2026, 12, 1, 0, 0, 0)
    hdr += b"acsp" + b"APPL" + struct.pack(">I", 0) + b"none" + b"none"
    hdr += struct.pack(">II", 0, 0) + struct.pack(">I", 0)  # attributes, intent
    hdr += s15(0.9642) + s15(1.0) + s15(0.8249) + b"none"
    hdr += b"\0" * (128 - len(hdr))
    prof = hdr + struct.pack(">I", len(tags)) + table + body
    assert len(prof) == size, (len(prof), size)
    return prof


def seg(marker, payload):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def icc_segments(prof, order=None, count=None, chunk=ICC_CHUNK):
    parts = [prof[i:i + chunk] for i in range(0, len(prof), chunk)]
    n = len(parts) if count is None else count
    order = order or list(range(1, len(parts) + 1))
    return [seg(0xE2, b"ICC_PROFILE\0" + bytes([k, n]) + parts[k - 1]) for k in order]


def markers(data):
    """[(marker, payload)] from SOI up to the first SOS."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        m = data[pos + 1]
        n, = struct.unpack(">H", data[pos + 2:pos + 4])
        out.append((m, data[pos + 4:pos + 2 + n]))
        pos += 2 + n
        if m == 0xDA:
            break
    return out


def reassemble(ms):
    """The ICC profile of APP2 chunks in the order found, checking the
    sequence numbers are 1..n in order with one count; None if none."""
    chunks = [p for m, p in ms if m == 0xE2 and p[:12] == b"ICC_PROFILE\0"]
    if not chunks:
        return None
    n = len(chunks)
    for i, p in enumerate(chunks):
        eq((p[12], p[13]), (i + 1, n), "ICC chunk %d: sequence number, count" % (i + 1))
        check(len(p) - 14 <= ICC_CHUNK, "ICC chunk %d holds %d bytes" % (i + 1, len(p) - 14))
    return b"".join(p[14:] for p in chunks)


def same(got, want, what):
    """eq() for long byte strings: on a mismatch says where they differ."""
    if got == want:
        return True
    if not isinstance(got, bytes) or not isinstance(want, bytes):
        return check(False, "%s: got %.200r, want %.200r" % (what, got, want))
    i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
             min(len(got), len(want)))
    return check(False, "%s: %d bytes, want %d; first difference at byte %d"
                 % (what, len(got), len(want), i))


def graph(nodes):
    ngraphs[0] += 1
    p = os.path.join(d, "g%d.json" % ngraphs[0])
    with open(p, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)
    return os.path.basename(p)


def uh(*args):
    code, out, err = run(*args, cwd=d)
    return code, err


def rd(name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def wr(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    return name


def save_graph(src, out, load=None, save=None, exif=True, icc=True):
    inputs = {"image": "src"}
    if exif:
        inputs["exif"] = "src.exif"
    if icc:
        inputs["icc"] = "src.icc"
    return graph({"src": {"type": "jpeg.load", "params": dict({"path": src}, **(load or {}))},
                  "out": {"type": "jpeg.save", "params": dict({"path": out}, **(save or {})),
                          "inputs": inputs}})


def png_graph(src, out, icc=True, load=None):
    inputs = {"image": "src"}
    if icc:
        inputs["icc"] = "src.icc"
    return graph({"src": {"type": "jpeg.load", "params": dict({"path": src}, **(load or {}))},
                  "out": {"type": "png.save", "params": {"path": out}, "inputs": inputs}})


def sof_size(ms):
    for m, p in ms:
        if m in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", p[1:5])
            return w, h
    return None


def png_chunks(path):
    data = open(os.path.join(d, path), "rb").read()
    pos, out = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


# A 24x16 RGB and a 24x16 grey base image, encoded by uberhost (strip:
# no markers at all between SOI and the tables).
W, H = 24, 16
rgb = [[(x * 10 + c * 40 + y * 3) % 256 for x in range(W) for c in range(3)] for y in range(H)]
grey = [[(x * 10 + y * 7) % 256 for x in range(W)] for y in range(H)]
write_png(os.path.join(d, "rgb.png"), W, H, 3, rgb)
write_png(os.path.join(d, "grey.png"), W, H, 1, grey)
for name in ("rgb", "grey"):
    g = graph({"src": {"type": "png.load", "params": {"path": name + ".png"}},
               "out": {"type": "jpeg.save", "params": {"path": name + ".jpg", "quality": 95},
                       "inputs": {"image": "src"}}})
    code, err = uh("run", g)
    if not eq(code, 0, "making %s.jpg (%s)" % (name, err.strip())):
        done()
BASE = rd("rgb.jpg")
GREY = rd("grey.jpg")
eq([m for m, _ in markers(BASE)][0], 0xDB, "base JPEG starts with DQT (strip)")


def with_segs(base, *segs):
    return base[:2] + b"".join(segs) + base[2:]


if MODE == "cmyk":
    # A CMYK JPEG (Adobe APP14) with a CMYK-space profile: the loader
    # converts the pixels to RGB without the profile, so it must not pass
    # the profile on; the EXIF block still goes through.
    subprocess.run(["convert", os.path.join(d, "rgb.png"), "-colorspace", "CMYK",
                    "-strip", "-quality", "95", os.path.join(d, "cmyk0.jpg")], check=True)
    cmyk = rd("cmyk0.jpg")
    prof = icc_profile(1024, space=b"CMYK")
    ex, _ = exif_payload(1)
    wr("cmyk.jpg", with_segs(cmyk, seg(0xE1, ex), *icc_segments(prof)))
    code, err = uh("run", save_graph("cmyk.jpg", "cmyk_out.jpg", save={"strip": False}), "-v")
    eq(code, 0, "CMYK: exit code (%s)" % err.strip())
    ms = markers(rd("cmyk_out.jpg"))
    eq(reassemble(ms), None, "CMYK: no ICC profile written")
    eq([p for m, p in ms if m == 0xE1], [ex], "CMYK: EXIF passed on")
    check("the ICC profile describes CMYK, converted to RGB without it; not passed on" in err,
          "CMYK: info line (%s)" % err)
    done()


# -- describe ------------------------------------------------------------------

code, out, err = run("describe", "jpeg.load")
eq(code, 0, "describe jpeg.load")
outs = out.split("outputs:")[1].split("params:")[0] if "outputs:" in out else ""
for port in ("image", "exif", "icc"):
    check(any(l.split()[:1] == [port] for l in outs.splitlines()),
          "describe jpeg.load lists output %s: %r" % (port, outs))
check(any(l.split()[:2] == ["exif", "blob"] for l in outs.splitlines()), "exif is a blob output")
check(any(l.split()[:2] == ["icc", "blob"] for l in outs.splitlines()), "icc is a blob output")
check("max_icc_bytes  integer  default 16777216, in [0, 16777216]" in out,
      "describe jpeg.load lists max_icc_bytes: %r" % out)
code, out, err = run("describe", "jpeg.save")
ins = out.split("inputs:")[1].split("outputs:")[0] if "inputs:" in out else ""
for port in ("exif", "icc"):
    check(any(l.split()[:2] == [port, "blob"] and l.rstrip().endswith("(optional)")
              for l in ins.splitlines()),
          "describe jpeg.save lists optional blob input %s: %r" % (port, ins))
code, out, err = run("describe", "png.save")
ins = out.split("inputs:")[1].split("outputs:")[0] if "inputs:" in out else ""
check(any(l.split()[:2] == ["icc", "blob"] and l.rstrip().endswith("(optional)")
          for l in ins.splitlines()),
      "describe png.save lists optional blob input icc: %r" % ins)


# -- EXIF orientation 6 + a single-chunk ICC profile ------------------------------

ex6, off6 = exif_payload(6, big=True)
prof = icc_profile(3000, seed=2)
xmp = seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>")
wr("o6.jpg", with_segs(BASE, xmp, seg(0xE1, ex6), *icc_segments(prof)))
want6 = ex6[:off6] + struct.pack(">H", 1) + ex6[off6 + 2:]
for threads in ("1", "4"):
    out = "o6_t%s.jpg" % threads
    code, err = uh("run", save_graph("o6.jpg", out, save={"strip": False}), "--threads", threads)
    eq(code, 0, "o6 threads %s: exit code (%s)" % (threads, err.strip()))
    eq(err, "", "o6 threads %s: stderr" % threads)
o6 = rd("o6_t1.jpg")
eq(o6, rd("o6_t4.jpg"), "o6: --threads 1 and 4 write the same bytes")
ms = markers(o6)
kinds = [m for m, _ in ms]
eq(kinds[:4], [0xE0, 0xE1, 0xE2, 0xDB], "o6: APP0 JFIF, APP1, APP2, then the tables")
eq(ms[0][1][:5], b"JFIF\0", "o6: APP0 is JFIF")
app1 = [p for m, p in ms if m == 0xE1]
eq(len(app1), 1, "o6: one APP1 (the EXIF, not the XMP)")
eq(app1[0] if app1 else None, want6, "o6: EXIF equals the input's with Orientation 6 -> 1")
same(reassemble(ms), prof, "o6: ICC profile byte for byte")
eq(sof_size(ms), (H, W), "o6: pixels turned (16x24 stored 24x16)")

# Little-endian TIFF, Orientation as LONG (tolerated by the reader): the
# patch keeps the type and byte order.
exl, offl = exif_payload(8, big=False, long_=True, make=b"LE maker")
wr("o8.jpg", with_segs(BASE, seg(0xE1, exl)))
code, err = uh("run", save_graph("o8.jpg", "o8_out.jpg", save={"strip": False}))
eq(code, 0, "o8: exit code (%s)" % err.strip())
ms = markers(rd("o8_out.jpg"))
eq([p for m, p in ms if m == 0xE1],
   [exl[:offl] + struct.pack("<I", 1) + exl[offl + 4:]], "o8: LONG orientation rewritten to 1 (II)")
eq(reassemble(ms), None, "o8: no ICC in, none out")
eq(sof_size(ms), (H, W), "o8: pixels turned")

# autorotate false: the pixels stay as stored, so the EXIF is passed on
# unchanged (the viewer still turns them).
code, err = uh("run", save_graph("o6.jpg", "o6_norot.jpg", load={"autorotate": False},
                                 save={"strip": False}))
eq(code, 0, "o6 autorotate false: exit code (%s)" % err.strip())
ms = markers(rd("o6_norot.jpg"))
eq([p for m, p in ms if m == 0xE1], [ex6], "autorotate false: EXIF unchanged (Orientation 6)")
eq(sof_size(ms), (W, H), "autorotate false: pixels not turned")

# Orientation 1: nothing to patch.
ex1, _ = exif_payload(1, make=b"Another")
wr("o1.jpg", with_segs(BASE, seg(0xE1, ex1)))
code, err = uh("run", save_graph("o1.jpg", "o1_out.jpg", save={"strip": False}, icc=False))
eq(code, 0, "o1: exit code")
eq([p for m, p in markers(rd("o1_out.jpg")) if m == 0xE1], [ex1], "o1: EXIF unchanged")


# -- the strip rule ----------------------------------------------------------------

# strip true (the default) with both connected: no metadata at all, and
# with -v a line says why.
code, err = uh("run", save_graph("o6.jpg", "strip.jpg"), "-v")
eq(code, 0, "strip default: exit code")
ms = markers(rd("strip.jpg"))
eq([m for m in (0xE0, 0xE1, 0xE2) if m in [k for k, _ in ms]], [],
   "strip default: no APP0, APP1, APP2")
check("out: strip.jpg: strip is true: the connected EXIF and ICC profile are not written "
      "(set strip to false to keep them)" in err, "strip default: info line (%s)" % err)
code, err = uh("run", save_graph("o6.jpg", "strip2.jpg", save={"strip": True}, exif=False))
eq(code, 0, "strip true, icc only: exit code")
eq(err, "", "strip true: nothing said without -v")
code, err = uh("run", save_graph("o6.jpg", "strip2.jpg", save={"strip": True}, exif=False), "-v")
check("out: strip2.jpg: strip is true: the connected ICC profile is not written (set strip "
      "to false to keep it)" in err, "strip true, icc only, -v: info line (%s)" % err)
eq([k for k, _ in markers(rd("strip2.jpg")) if k in (0xE0, 0xE1, 0xE2)], [],
   "strip true, icc connected: no APP0, APP1, APP2")
# strip false, nothing connected: JFIF only (as before issue 5).
code, err = uh("run", save_graph("o6.jpg", "plain.jpg", save={"strip": False}, exif=False, icc=False))
eq(code, 0, "strip false, unconnected: exit code")
eq([k for k, _ in markers(rd("plain.jpg")) if k in (0xE0, 0xE1, 0xE2)], [0xE0],
   "strip false, unconnected: APP0 only")
# strip false, only exif connected: no APP2 even though the file has ICC.
code, err = uh("run", save_graph("o6.jpg", "exifonly.jpg", save={"strip": False}, icc=False))
ms = markers(rd("exifonly.jpg"))
eq(([p for m, p in ms if m == 0xE1], reassemble(ms)), ([want6], None), "exif only: APP1, no APP2")
# A JPEG without metadata: both blobs empty, nothing written.
code, err = uh("run", save_graph("rgb.jpg", "none.jpg", save={"strip": False}))
eq(code, 0, "no metadata: exit code (%s)" % err.strip())
eq([k for k, _ in markers(rd("none.jpg")) if k in (0xE0, 0xE1, 0xE2)], [0xE0],
   "no metadata in: APP0 only out")


# -- multi-chunk ICC -------------------------------------------------------------

big = icc_profile(150000, seed=3)
wr("big.jpg", with_segs(BASE, *icc_segments(big)))
# The same profile with its chunks stored out of order (3, 1, 2) and in
# smaller pieces: reassembled by sequence number.
wr("big_shuffled.jpg", with_segs(BASE, *icc_segments(big, order=[3, 1, 2], chunk=60000)))
for src in ("big.jpg", "big_shuffled.jpg"):
    out = "out_" + src
    code, err = uh("run", save_graph(src, out, save={"strip": False}))
    eq(code, 0, "%s: exit code (%s)" % (src, err.strip()))
    ms = markers(rd(out))
    chunks = [p for m, p in ms if m == 0xE2]
    eq([len(p) - 14 for p in chunks], [ICC_CHUNK, ICC_CHUNK, 150000 - 2 * ICC_CHUNK],
       "%s: chunk sizes written" % src)
    same(reassemble(ms), big, "%s: 150000-byte profile byte for byte" % src)

# max_icc_bytes below the profile: dropped with a warning, image saved.
code, err = uh("run", save_graph("big.jpg", "capped.jpg", load={"max_icc_bytes": 100000},
                                 save={"strip": False}))
eq(code, 0, "max_icc_bytes: exit code")
eq(reassemble(markers(rd("capped.jpg"))), None, "max_icc_bytes: no profile")
eq(err, "uberhost: warning: src: big.jpg: ICC profile ignored: more than 100000 bytes "
   "(max_icc_bytes) in its chunks\n", "max_icc_bytes: the warning")
code, err = uh("run", save_graph("big.jpg", "capped0.jpg", load={"max_icc_bytes": 0},
                                 save={"strip": False}))
eq((code, err), (0, ""), "max_icc_bytes 0: no profile, no warning")
eq(reassemble(markers(rd("capped0.jpg"))), None, "max_icc_bytes 0: no profile")
code, err = uh("run", save_graph("big.jpg", "exact.jpg", load={"max_icc_bytes": 150000},
                                 save={"strip": False}))
same(reassemble(markers(rd("exact.jpg"))), big, "max_icc_bytes = the size: kept")

# Inconsistent chunk sequences: a warning, no profile, the image is fine.
bad = {
    "missing": (icc_segments(big)[:2], "chunk 3 of 3 is missing"),
    "twice": (icc_segments(big, order=[1, 2, 2, 3]), "chunk 2 of 3 appears twice"),
    "count": (icc_segments(big)[:2] + icc_segments(big, count=4)[2:],
              "the chunks disagree on their count (3, then 4)"),
    "zero": (icc_segments(prof, order=[1], count=0), "chunk number 1 of 0"),
    "over": (icc_segments(big, order=[1, 2, 3], count=2), "chunk number 3 of 2"),
    "seq0": ([seg(0xE2, b"ICC_PROFILE\0\0\x01" + prof)], "chunk number 0 of 1"),
    "short": ([seg(0xE2, b"ICC_PROFILE\0\x01")],
              "an APP2 ICC chunk has no sequence number"),
}
for name, (segs, why) in sorted(bad.items()):
    src = wr("bad_%s.jpg" % name, with_segs(BASE, seg(0xE1, ex1), *segs))
    out = "bad_%s_out.jpg" % name
    code, err = uh("run", save_graph(src, out, save={"strip": False}))
    eq(code, 0, "%s: exit code" % name)
    eq(err, "uberhost: warning: src: %s: ICC profile ignored: %s\n" % (src, why),
       "%s: the warning" % name)
    ms = markers(rd(out))
    eq(([p for m, p in ms if m == 0xE1], reassemble(ms)), ([ex1], None),
       "%s: EXIF kept, no ICC" % name)
# Other APP2 segments (FlashPix, MPF) are not ICC and are skipped.
wr("mpf.jpg", with_segs(BASE, seg(0xE2, b"MPF\0" + b"\0" * 40), *icc_segments(prof)))
code, err = uh("run", save_graph("mpf.jpg", "mpf_out.jpg", save={"strip": False}))
eq((code, err), (0, ""), "MPF + ICC: exit code, stderr")
same(reassemble(markers(rd("mpf_out.jpg"))), prof, "MPF + ICC: the profile")

# A profile for the wrong colour space is not written by jpeg.save.
gprof = icc_profile(512, space=b"GRAY", seed=4)
wr("gray_prof_rgb.jpg", with_segs(BASE, *icc_segments(gprof)))
code, err = uh("run", save_graph("gray_prof_rgb.jpg", "gray_prof_rgb_out.jpg",
                                 save={"strip": False}))
eq(code, 0, "GRAY profile on RGB: exit code")
eq(err, "uberhost: warning: out: gray_prof_rgb_out.jpg: the ICC profile is for colour space "
   "'GRAY', the JPEG is RGB; not written\n", "GRAY profile on RGB: the warning")
eq(reassemble(markers(rd("gray_prof_rgb_out.jpg"))), None, "GRAY profile on RGB: not written")
# A grey JPEG with a GRAY profile: written.
wr("grey_icc.jpg", with_segs(GREY, *icc_segments(gprof)))
code, err = uh("run", save_graph("grey_icc.jpg", "grey_icc_out.jpg", save={"strip": False}))
eq((code, err), (0, ""), "grey + GRAY profile: exit code, stderr")
same(reassemble(markers(rd("grey_icc_out.jpg"))), gprof, "grey + GRAY profile: written")


# -- allocation failures -------------------------------------------------------------

# Fail allocation N (then, persistent, every one from N on) of the metadata
# graph, for N up to past the run's last allocation: each run fails cleanly
# (exit 4, no output file) or writes exactly the bytes of the good run.
g = save_graph("o6.jpg", "sweep.jpg", save={"strip": False})
for persistent in ((), ("--fail-alloc-persistent",)):
    ok_runs = 0
    for n in range(1, 41):
        if os.path.exists(os.path.join(d, "sweep.jpg")):
            os.remove(os.path.join(d, "sweep.jpg"))
        code, err = uh("run", g, "--fail-alloc", str(n), *persistent)
        what = "--fail-alloc %d %s" % (n, " ".join(persistent))
        check("leaked" not in err, what + ": no leak (%s)" % err.strip())
        if code == 0:
            ok_runs += 1
            same(rd("sweep.jpg"), o6, what + ": output")
        else:
            eq(code, 4, what + ": exit code (%s)" % err.strip())
            check("cannot allocate" in err, what + ": message (%s)" % err.strip())
            check(not os.path.exists(os.path.join(d, "sweep.jpg")), what + ": no output")
    check(ok_runs > 0, "fail-alloc %s: some N past the last allocation succeeds" % (persistent,))


# -- png.save: iCCP ----------------------------------------------------------------

def iccp(path):
    """(name, decompressed profile) of the iCCP chunk, or None; and the
    list of chunk types."""
    cs = png_chunks(path)
    types = [t for t, _ in cs]
    for t, body in cs:
        if t == b"iCCP":
            name, rest = body.split(b"\0", 1)
            eq(rest[0], 0, "iCCP compression method")
            return (name, zlib.decompress(rest[1:])), types
    return None, types


for src, p in (("o6.jpg", prof), ("big.jpg", big)):
    out = src.replace(".jpg", ".png")
    code, err = uh("run", png_graph(src, out))
    eq((code, err), (0, ""), "%s -> png.save: exit code, stderr" % src)
    got, types = iccp(out)
    eq(got and got[0], b"ICC Profile", "%s -> png.save: iCCP profile name" % src)
    same(got and got[1], p, "%s -> png.save: iCCP profile" % src)
    check(b"sRGB" not in types, "%s -> png.save: no sRGB chunk next to iCCP (%s)" % (src, types))
    check(types.index(b"iCCP") < types.index(b"IDAT"), "iCCP before IDAT")
# The pixels are the same as without the profile.
code, err = uh("run", png_graph("o6.jpg", "o6_noicc.png", icc=False))
eq(code, 0, "png.save without icc: exit code")
got, types = iccp("o6_noicc.png")
eq((got, b"sRGB" in types), (None, True), "png.save without icc: sRGB, no iCCP")
eq(read_png(os.path.join(d, "o6.png")).pixels, read_png(os.path.join(d, "o6_noicc.png")).pixels,
   "png.save: same pixels with and without the profile")
# Interlaced (the header is written after the last row): iCCP too.
g = graph({"src": {"type": "jpeg.load", "params": {"path": "o6.jpg"}},
           "out": {"type": "png.save", "params": {"path": "o6_i.png", "interlace": True},
                   "inputs": {"image": "src", "icc": "src.icc"}}})
code, err = uh("run", g)
eq((code, iccp("o6_i.png")[0]), (0, (b"ICC Profile", prof)), "interlaced png.save: iCCP")
# Grey JPEG + GRAY profile -> grey PNG with iCCP.
code, err = uh("run", png_graph("grey_icc.jpg", "grey_icc.png"))
eq((code, err), (0, ""), "grey -> png.save: exit code, stderr")
eq(iccp("grey_icc.png")[0], (b"ICC Profile", gprof), "grey -> png.save: iCCP")
# libpng refuses a GRAY profile on an RGB PNG: warning, sRGB instead.
code, err = uh("run", png_graph("gray_prof_rgb.jpg", "gray_prof_rgb.png"))
eq(code, 0, "GRAY profile -> RGB png: exit code")
check(err.startswith("uberhost: warning: out: gray_prof_rgb.png: ICC profile not written: "
                     "libpng refuses it (") and "Gray color space not permitted on RGB PNG" in err,
      "GRAY profile -> RGB png: the warning (%s)" % err)
got, types = iccp("gray_prof_rgb.png")
eq((got, b"sRGB" in types), (None, True), "GRAY profile -> RGB png: sRGB, no iCCP")
# Through ops' convert: a linear image gets no iCCP (the profile describes
# encoded values), and an RGB profile is not written to a grey JPEG.
if run("describe", "convert")[0] == 0:
    g = graph({"src": {"type": "jpeg.load", "params": {"path": "o6.jpg"}},
               "lin": {"type": "convert", "params": {"space": "linear", "sample": "u16"},
                       "inputs": {"image": "src"}},
               "out": {"type": "png.save", "params": {"path": "lin.png"},
                       "inputs": {"image": "lin", "icc": "src.icc"}}})
    code, err = uh("run", g)
    eq((code, err), (0, "uberhost: warning: out: lin.png: the image is tagged linear, not "
                        "sRGB-encoded colour; the ICC profile does not describe it and is not "
                        "written\n"), "linear -> png.save with icc: exit code, warning")
    got, types = iccp("lin.png")
    eq((got, b"gAMA" in types, b"sRGB" in types), (None, True, False),
       "linear -> png.save: gAMA, no iCCP")
    g = graph({"src": {"type": "jpeg.load", "params": {"path": "o6.jpg"}},
               "grey": {"type": "convert", "params": {"channels": 1}, "inputs": {"image": "src"}},
               "out": {"type": "jpeg.save", "params": {"path": "grey_rgbprof.jpg", "strip": False},
                       "inputs": {"image": "grey", "exif": "src.exif", "icc": "src.icc"}}})
    code, err = uh("run", g)
    eq((code, err), (0, "uberhost: warning: out: grey_rgbprof.jpg: the ICC profile is for colour "
                        "space 'RGB ', the JPEG is grey; not written\n"),
       "RGB profile -> grey jpeg.save: exit code, warning")
    ms = markers(rd("grey_rgbprof.jpg"))
    eq(([p for m, p in ms if m == 0xE1], reassemble(ms)), ([want6], None),
       "RGB profile -> grey jpeg.save: EXIF written, ICC not")
else:
    print("note: no convert node (ops plugin); linear and grey cases not run")
# An empty icc blob (no profile in the JPEG): sRGB as before.
code, err = uh("run", png_graph("rgb.jpg", "rgb_noprof.png"))
got, types = iccp("rgb_noprof.png")
eq((code, got, b"sRGB" in types), (0, None, True), "empty icc blob: sRGB, no iCCP")

done()
