"""jpeg.load and jpeg.save end to end through the uberhost CLI: graphs that
decode, turn, shrink and re-encode (checked byte for byte against
djpeg + cjpeg with the same settings), --threads 1 vs 4, pixels through
png.save when that plugin is there, and every broken file of the corpus:
exact exit code, a message naming graph, node, file and problem, no output
file, well under a second."""

import json
import os
import subprocess
import sys
import time

import jpegcorpus as jc
from drive import MKSCANS
from uhtest import BIN, check, done, eq, read_png, run, scratch

if not os.path.exists(BIN):
    print("skipped: no uberhost binary at %s" % BIN)
    sys.exit(77)
d = scratch("jpeg_cli")
c = jc.build(d, MKSCANS)
ngraphs = [0]


def graph(nodes):
    ngraphs[0] += 1
    p = os.path.join(d, "g%d.json" % ngraphs[0])
    with open(p, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)
    return os.path.basename(p)


def load_save(src, out, load=None, save=None):
    return graph({"src": {"type": "jpeg.load", "params": dict({"path": src}, **(load or {}))},
                  "out": {"type": "jpeg.save", "params": dict({"path": out}, **(save or {})),
                          "inputs": {"image": "src"}}})


def uh(*args):
    t = time.monotonic()
    code, out, err = run(*args, cwd=d)
    return code, err, time.monotonic() - t


def rd(name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def strip_app0(data):
    for m, off, p in jc.segments(data):
        if m == 0xE0:
            return data[:off] + data[off + 4 + len(p):]
    return data


def cjpeg_of(img, *args):
    """cjpeg's file (APP0 removed, as jpeg.save strip=true) for an image."""
    w, h, ch, px = img
    src = os.path.join(d, "ref.pnm")
    jc.write_pnm(src, w, h, ch, px)
    out = os.path.join(d, "ref.jpg")
    jc.cjpeg(src, out, *args)
    with open(out, "rb") as f:
        return strip_app0(f.read())


# -- decode + encode, byte for byte --------------------------------------------

cases = [
    ("base.jpg", {}, {"quality": 90}, jc.djpeg(c["base.jpg"]), ["-quality", "90", "-sample", "1x1"]),
    ("prog.jpg", {}, {}, jc.djpeg(c["prog.jpg"]), ["-quality", "85", "-sample", "2x2"]),
    ("grey.jpg", {}, {"quality": 70}, jc.djpeg(c["grey.jpg"]), ["-quality", "70"]),
    ("orient6.jpg", {"shrink": 2}, {"subsampling": "444"},
     jc.orient(jc.djpeg(c["orient6.jpg"], "-scale", "1/2"), 6), ["-quality", "85", "-sample", "1x1"]),
    ("orient7.jpg", {}, {"progressive": True},
     jc.orient(jc.djpeg(c["orient7.jpg"]), 7), ["-quality", "85", "-progressive"]),
    ("orient2.jpg", {"shrink": 4}, {"optimize": True, "subsampling": "422"},
     jc.orient(jc.djpeg(c["orient2.jpg"], "-scale", "1/4"), 2),
     ["-quality", "85", "-optimize", "-sample", "2x1"]),
    ("orient6.jpg", {"autorotate": False}, {}, jc.djpeg(c["orient6.jpg"]), ["-quality", "85"]),
    ("bigprog.jpg", {}, {}, jc.djpeg(c["bigprog.jpg"]), ["-quality", "85"]),
]
for i, (src, lp, sp, ref, args) in enumerate(cases):
    out = "out/rt%d.jpg" % i
    g = load_save(src, out, lp, sp)
    code, err, _ = uh("run", g)
    if eq(code, 0, "%s %s %s: exit code (stderr %s)" % (src, lp, sp, err.strip())):
        check(rd(out) == cjpeg_of(ref, *args),
              "%s %s %s: not the bytes of djpeg | cjpeg %s" % (src, lp, sp, " ".join(args)))

# --set reaches the params; the thread count changes nothing.
g = load_save("big.jpg", "out/t.jpg", {}, {"quality": 75})
outs = []
for threads in ("1", "4"):
    code, err, _ = uh("run", g, "--threads", threads, "--set", "src.shrink=2",
                      "--set", "out.progressive=true")
    eq(code, 0, "--threads %s: exit code (stderr %s)" % (threads, err.strip()))
    outs.append(rd("out/t.jpg") if code == 0 else None)
check(outs[0] is not None and outs[0] == outs[1], "--threads 1 and 4 wrote different bytes")
if outs[0]:
    f = jc.sof(outs[0])
    eq((f["marker"], f["width"], f["height"]), (0xC2, 128, 96), "--set shrink=2 progressive SOF")

# Pixels through png.save, if the png plugin is built.
code, listing, _ = run("list", cwd=d)
if "png.save" in listing:
    for src, ref in (("base.jpg", jc.djpeg(c["base.jpg"])),
                     ("greyprog.jpg", jc.djpeg(c["greyprog.jpg"])),
                     ("orient5.jpg", jc.orient(jc.djpeg(c["orient5.jpg"]), 5)),
                     ("orient8.jpg", jc.orient(jc.djpeg(c["orient8.jpg"], "-scale", "1/8"), 8))):
        lp = {"shrink": 8} if src == "orient8.jpg" else {}
        g = graph({"src": {"type": "jpeg.load", "params": dict({"path": src}, **lp)},
                   "out": {"type": "png.save", "params": {"path": "out/p.png"},
                           "inputs": {"image": "src"}}})
        code, err, _ = uh("run", g, "--threads", "4")
        if eq(code, 0, "%s -> png.save: exit code (stderr %s)" % (src, err.strip())):
            png = read_png(os.path.join(d, "out/p.png"))
            w, h, ch, px = ref
            eq((png.width, png.height, png.channels, png.depth), (w, h, ch, 8), src + " png geometry")
            check(bytes(v for row in png.pixels for v in row) == px,
                  "%s -> png.save: pixels differ from djpeg" % src)
else:
    print("note: png.save not available; pixel checks through the CLI skipped")

# -- broken files --------------------------------------------------------------

n_trunc = os.path.getsize(c["truncated.jpg"])
broken = [
    ("truncated.jpg", 3, "truncated: the file ends after %d bytes, at row 78 of 192" % n_trunc, []),
    ("corrupt.jpg", 3, "corrupt data: more than 100 libjpeg warnings (max_warnings)", []),
    ("baddht.jpg", 3, "Bogus Huffman table definition", []),
    ("nocomp.jpg", 3, "Empty JPEG image (DNL not supported)", []),
    ("huge.jpg", 4, "image is 65500x65500 = 4290250000 pixels, over max_pixels = 1000000000", []),
    ("manyscans.jpg", 3, "corrupt data: more than 100 libjpeg warnings (max_warnings)", []),
    ("manyscans.jpg", 4, "more than 1000 scans (max_scans)", ["--set", "src.max_warnings=100000000"]),
    ("twelvebit.jpg", 3, "Unsupported JPEG data precision 12", []),
    ("lossless.jpg", 3, "Unsupported JPEG process: SOF type 0xc3", []),
    ("png.jpg", 3, "not a JPEG file (starts like a PNG)", []),
    ("svg.jpg", 3, "not a JPEG file (starts like SVG/XML/HTML text)", []),
    ("empty.jpg", 3, "not a JPEG file (it is empty)", []),
    ("flatprog.jpg", 4, "a 1024x1024 multi-scan JPEG needs 2 MiB of coefficient memory, "
     "over max_memory_mib = 1", ["--set", "src.max_memory_mib=1"]),
]
if "scans2090.jpg" in c:
    broken.append(("scans2090.jpg", 4, "more than 1000 scans (max_scans)", []))
for src, want, text, extra in broken:
    out = "out/broken.jpg"
    if os.path.exists(os.path.join(d, out)):
        os.remove(os.path.join(d, out))
    g = load_save(src, out)
    code, err, secs = uh("run", g, *extra)
    what = "%s %s" % (src, " ".join(extra))
    eq(code, want, "%s: exit code (stderr %s)" % (what, err.strip()))
    check(g in err and "/nodes/src (jpeg.load" in err,
          "%s: graph file and node not named in %r" % (what, err))
    check("%s: %s" % (src, text) in err, "%s: %r not in %r" % (what, text, err))
    check(not os.path.exists(os.path.join(d, out)), "%s: output file left behind" % what)
    check(secs < 1.0, "%s: took %.2f s" % (what, secs))

# A bad shrink value.
code, err, _ = uh("run", load_save("base.jpg", "out/x.jpg", {"shrink": 3}))
eq(code, 5, "shrink 3: exit code (stderr %s)" % err.strip())
check("shrink is 3; it must be 1, 2, 4 or 8" in err, "shrink 3: message %r" % err)

# An output that is a directory: exit 6, nothing else written.
os.makedirs(os.path.join(d, "out", "isdir.jpg"), exist_ok=True)
code, err, _ = uh("run", load_save("base.jpg", "out/isdir.jpg"))
eq(code, 6, "output is a directory: exit code (stderr %s)" % err.strip())

# describe lists every parameter.
code, text, _ = run("describe", "jpeg.load", cwd=d)
eq(code, 0, "describe jpeg.load")
for p in ("path", "shrink", "autorotate", "max_dimension", "max_pixels", "max_scans",
          "max_warnings", "max_memory_mib"):
    check(p in text, "describe jpeg.load: %s missing" % p)
code, text, _ = run("describe", "jpeg.save", cwd=d)
eq(code, 0, "describe jpeg.save")
for p in ("path", "quality", "subsampling", "progressive", "optimize", "strip"):
    check(p in text, "describe jpeg.save: %s missing" % p)

done()
