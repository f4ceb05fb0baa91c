"""End-to-end tests of graphs/thumbnail.json, the headline use: a big JPEG
(or a PNG) to a 256-pixel thumbnail with shrink-on-load chosen by jpeg.load
from the fit box that the graph's one exported `size` gives it.

    test_thumbnail.py jpeg    8000x5000 JPEG: size, shrink 8 in the -v log,
                              pixels against djpeg -scale 1/8 + a Python
                              Lanczos-3 (tests/ops/opsref.py), against a
                              full-size decode, against vips; --threads 1 = 4
    test_thumbnail.py exif    EXIF orientations 6 and 8 come out rotated,
                              the fit box axes swap for the shrink choice
    test_thumbnail.py png     a PNG through the same graph (hints ignored)
    test_thumbnail.py huge    20000x15000 baseline JPEG: shrink 8 into
                              png.save peaks < 16 MB (--stats), the
                              thumbnail graph's child peak RSS < 64 MB

Inputs are generated at test time with uberhost itself (procedural nodes
into jpeg.save / png.save). The huge case is skipped under sanitizers."""

import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "ops"))
import uhtest  # noqa: E402
import opsref as R  # noqa: E402
from opsref import Img, U8  # noqa: E402

GRAPH = os.path.join(uhtest.SRC, "graphs", "thumbnail.json")

# Pixel tolerances, in 8-bit levels.
TOL_REF = 1  # the Python Lanczos-3 reference (doubles vs the node's floats)
TOL_FULL_MAX, TOL_FULL_MEAN = 6, 1.0  # shrink-on-load vs a full-size decode
TOL_VIPS_MAX, TOL_VIPS_MEAN = 16, 1.5  # vips thumbnail (its own fixed point)


def gen_graph(path, w, h, out, quality=85, noise=True):
    """A generator graph: colourful value noise times a fine checker (edges
    and smooth areas), or just the checker (fast, for the huge image)."""
    nodes = {
        "c": {"type": "checker", "params": {"width": w, "height": h, "channels": 3,
                                            "frequency": w / 40.0}},
    }
    last = "c"
    if noise:
        nodes["n"] = {"type": "noise", "params": {"width": w, "height": h, "kind": "value",
                                                  "frequency": w / 130.0}}
        nodes["col"] = {"type": "colorize", "params": {"stops": [
            0, 0.1, 0.2, 0.6, 1, 0.5, 0.9, 0.5, 0.1, 1, 1, 1, 0.95, 0.8, 1]},
            "inputs": {"image": "n"}}
        nodes["m"] = {"type": "mix", "params": {"mode": "multiply", "factor": 0.3},
                      "inputs": {"a": "col", "b": "c"}}
        last = "m"
    save = {"type": "jpeg.save", "params": {"path": out, "quality": quality}}
    if out.endswith(".png"):
        save = {"type": "png.save", "params": {"path": out, "compression": 1}}
    save["inputs"] = {"image": last}
    nodes["save"] = save
    with open(path, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)


def make_input(d, name, w, h, noise=True):
    """Writes image `name` in the working directory (the scratch one)."""
    g = name + ".gen.json"
    gen_graph(g, w, h, name, noise=noise)
    c, _, err = uhtest.run("run", g, timeout=300)
    if not uhtest.eq(c, 0, "generate %s (%s)" % (name, err.strip())):
        uhtest.done()
    return name


def jpeg_size(path):
    """(width, height) from the SOF marker."""
    with open(path, "rb") as f:
        b = f.read()
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            break
        m = b[i + 1]
        seg = struct.unpack(">H", b[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", b[i + 5:i + 9])
            return w, h
        i += 2 + seg
    return None


def with_orientation(src, dst, orientation):
    """Copies a JPEG with an EXIF APP1 (big-endian TIFF, IFD0 holding only
    tag 0x0112 = orientation) right after SOI."""
    with open(src, "rb") as f:
        b = f.read()
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    with open(dst, "wb") as f:
        f.write(b[:2] + app1 + b[2:])


def thumb(inp, out, *extra, threads=None):
    """Runs graphs/thumbnail.json; returns its stderr."""
    args = ["run", GRAPH, "--set", "input=" + inp, "--set", "output=" + out, "-v"]
    args += list(extra)
    if threads:
        args += ["--threads", threads]
    c, _, err = uhtest.run(*args)
    uhtest.eq(c, 0, "thumbnail of %s (%s)" % (os.path.basename(inp), err.strip()))
    return err


def shrink_lines(err):
    return [l for l in err.splitlines() if "shrink-on-load" in l]


def png_img(path):
    p = uhtest.read_png(path)
    return Img(p.width, p.height, p.channels, U8, data=[v for r in p.pixels for v in r])


def diff(a, b, what):
    """(max, mean) absolute difference of two same-size images."""
    if not uhtest.eq((a.w, a.h, a.ch), (b.w, b.h, b.ch), what + ": geometry"):
        return 999, 999.0
    d = [abs(x - y) for x, y in zip(a.data, b.data)]
    return max(d), sum(d) / len(d)


def djpeg(path, scale):
    """The decode libjpeg itself gives (djpeg, PPM), as an Img."""
    p = subprocess.run(["djpeg", "-scale", scale, path], capture_output=True)
    if p.returncode != 0:
        uhtest.check(False, "djpeg %s failed: %s" % (path, p.stderr))
        uhtest.done()
    parts = p.stdout.split(maxsplit=4)
    w, h = int(parts[1]), int(parts[2])
    return Img(w, h, 3, U8, data=list(parts[4][:w * h * 3]))


def rotate(img, orientation):
    """The image as EXIF orientation 6 (90 clockwise) or 8 (90 counter-
    clockwise) shows it."""
    w, h, ch = img.w, img.h, img.ch
    out = []
    for y in range(w):  # output is h wide, w high
        for x in range(h):
            sx, sy = (y, h - 1 - x) if orientation == 6 else (w - 1 - y, x)
            i = (sy * w + sx) * ch
            out += img.data[i:i + ch]
    return Img(h, w, ch, img.sample, data=out)


def need_tools(*names):
    for n in names:
        if not R.have_tool(n):
            print("%s not installed: skipped" % n)
            sys.exit(77)


# ---------------------------------------------------------------------------


def case_jpeg(d):
    need_tools("djpeg")
    big = make_input(d, "big.jpg", 8000, 5000)
    uhtest.eq(jpeg_size(big), (8000, 5000), "generated input size")

    # The headline command, as in the issue: a JPEG thumbnail.
    tj = "t.jpg"
    err = thumb(big, tj)
    uhtest.eq(jpeg_size(tj), (256, 160), "t.jpg: 256 wide, aspect kept (5000 * 256 / 8000)")
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: big.jpg: shrink-on-load 8: 8000x5000 decoded as 1000x625 "
               "for a fit box of 256x256"], "shrink-on-load log line")
    # The same bytes at any thread count.
    outs = []
    for t in (1, 4):
        o = "t%d.jpg" % t
        thumb(big, o, threads=t)
        outs.append(open(o, "rb").read())
    uhtest.check(outs[0] == outs[1], "t.jpg: --threads 1 and 4 wrote other bytes")
    uhtest.check(outs[0] == open(tj, "rb").read(), "t.jpg: --threads 1 and default differ")

    # Pixels: a PNG output, so no second JPEG loss.
    tp = "t.png"
    thumb(big, tp)
    got = png_img(tp)
    # (1) exactly libjpeg's 1/8 decode, then Lanczos-3 to 256x160.
    ref = R.ref_resize(djpeg(big, "1/8"), 256, 160)
    mx, mean = diff(got, ref, "vs djpeg 1/8 + Lanczos-3")
    uhtest.check(mx <= TOL_REF, "vs djpeg -scale 1/8 + Python Lanczos-3: max diff %d > %d"
                 % (mx, TOL_REF))
    # (2) close to decoding at full size (shrink-on-load turned off).
    full = "full.png"
    err = thumb(big, full, "--set", "load.fit_width=0", "--set", "load.fit_height=0")
    uhtest.eq(shrink_lines(err), [], "no shrink-on-load with the box hints at 0")
    mx, mean = diff(got, png_img(full), "vs full-size decode")
    print("vs full-size decode: max %d, mean %.3f" % (mx, mean))
    uhtest.check(mx <= TOL_FULL_MAX and mean <= TOL_FULL_MEAN,
                 "vs full-size decode: max %d (<= %d), mean %.3f (<= %.1f)"
                 % (mx, TOL_FULL_MAX, mean, TOL_FULL_MEAN))
    # (3) close to libvips' thumbnail, when vips is there.
    if R.have_tool("vips"):
        vp = "vips.png"
        p = subprocess.run(["vips", "thumbnail", big, vp, "256"], capture_output=True)
        if uhtest.eq(p.returncode, 0, "vips thumbnail (%s)" % p.stderr):
            mx, mean = diff(got, png_img(vp), "vs vips thumbnail")
            print("vs vips thumbnail: max %d, mean %.3f" % (mx, mean))
            uhtest.check(mx <= TOL_VIPS_MAX and mean <= TOL_VIPS_MEAN,
                         "vs vips thumbnail: max %d (<= %d), mean %.3f (<= %.1f)"
                         % (mx, TOL_VIPS_MAX, mean, TOL_VIPS_MEAN))
    else:
        print("vips not installed: that comparison skipped")

    # --set size moves the box and the hint together; a smaller box can
    # still only shrink 8.
    err = thumb(big, "t100.jpg", "--set", "size=100")
    uhtest.eq(jpeg_size("t100.jpg"), (100, 63), "size=100: 100x63")
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: big.jpg: shrink-on-load 8: 8000x5000 decoded as 1000x625 "
               "for a fit box of 100x100"], "size=100 log line")
    # A big box: 1000 needs 2000 decoded, so shrink 4 (2000x1250).
    err = thumb(big, "t1000.jpg", "--set", "size=1000")
    uhtest.eq(jpeg_size("t1000.jpg"), (1000, 625), "size=1000: 1000x625")
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: big.jpg: shrink-on-load 4: 8000x5000 decoded as 2000x1250 "
               "for a fit box of 1000x1000"], "size=1000 log line")
    # An explicit shrink wins over the box.
    err = thumb(big, "t2.jpg", "--set", "load.shrink=2")
    uhtest.eq(shrink_lines(err), [], "explicit shrink: no automatic choice")
    uhtest.eq(jpeg_size("t2.jpg"), (256, 160), "shrink 2: still 256x160")


def case_exif(d):
    plain = make_input(d, "plain.jpg", 4000, 2500)
    base = "plain.png"
    err = thumb(plain, base)
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: plain.jpg: shrink-on-load 4: 4000x2500 decoded as 1000x625 "
               "for a fit box of 256x256"], "no EXIF: log line")
    upright = png_img(base)
    uhtest.eq((upright.w, upright.h), (256, 160), "no EXIF: 256x160")
    for o in (6, 8):
        src = "o%d.jpg" % o
        with_orientation(plain, src, o)
        out = "o%d.png" % o
        err = thumb(src, out)
        uhtest.eq(shrink_lines(err),
                  ["uberhost: load: o%d.jpg: shrink-on-load 4: 4000x2500 decoded as 1000x625 "
                   "for a fit box of 256x256 (EXIF orientation 5-8: box axes swapped)" % o],
                  "orientation %d: log line" % o)
        got = png_img(out)
        uhtest.eq((got.w, got.h), (160, 256), "orientation %d: 160x256 (turned)" % o)
        mx, _ = diff(got, rotate(upright, o), "orientation %d vs the upright one turned" % o)
        uhtest.check(mx <= TOL_REF, "orientation %d: the turned thumbnail is not the upright "
                     "one turned (max diff %d)" % (o, mx))
        # Without autorotate the stored orientation comes out.
        out = "o%d-raw.png" % o
        err = thumb(src, out, "--set", "load.autorotate=false")
        raw = png_img(out)
        uhtest.eq((raw.w, raw.h), (256, 160), "orientation %d, autorotate off: 256x160" % o)
        mx, _ = diff(raw, upright, "autorotate off vs no EXIF")
        uhtest.eq(mx, 0, "orientation %d, autorotate off: the stored image" % o)
    # The box is in output axes: a width-only box of 200 on the turned image
    # (2500 wide once turned) allows shrink 4 (625 >= 400), not the 8 the
    # stored width (4000 / 8 = 500 >= 400) would allow.
    src = "o6.jpg"
    err = thumb(src, "w200.png", "--set", "size=200",
                "--set", "load.fit_height=0")
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: o6.jpg: shrink-on-load 4: 4000x2500 decoded as 1000x625 "
               "for a fit box of 200x0 (EXIF orientation 5-8: box axes swapped)"],
              "turned width-only box")
    err = thumb(plain, "w200p.png", "--set", "size=200",
                "--set", "load.fit_height=0")
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: plain.jpg: shrink-on-load 8: 4000x2500 decoded as 500x313 "
               "for a fit box of 200x0"], "upright width-only box")
    uhtest.eq(png_img("w200p.png").w, 200, "upright width-only box: 200 wide")


def case_png(d):
    src = make_input(d, "in.png", 900, 600)
    out = "t.png"
    err = thumb(src, out)
    uhtest.eq(shrink_lines(err), [], "PNG: no shrink-on-load")
    got = png_img(out)
    uhtest.eq((got.w, got.h), (256, 171), "PNG thumbnail: 256x171 (600 * 256 / 900 = 170.7)")
    ref = R.ref_resize(png_img(src), 256, 171)
    mx, _ = diff(got, ref, "PNG vs Python Lanczos-3")
    uhtest.check(mx <= TOL_REF, "PNG thumbnail vs Python Lanczos-3: max diff %d > %d"
                 % (mx, TOL_REF))
    tj = "t.jpg"
    thumb(src, tj)
    uhtest.eq(jpeg_size(tj), (256, 171), "PNG to a JPEG thumbnail")
    # The hints are accepted by png.load and change nothing.
    out2 = "t2.png"
    thumb(src, out2, "--set", "load.fit_width=7")
    uhtest.check(open(out2, "rb").read() == open(out, "rb").read(),
                 "png.load fit_width changed the output")


def child_peak(args):
    """Runs uberhost in a fresh Python child that reports the grandchild's
    peak RSS (os.wait4), so earlier, bigger children do not mask it.
    Returns (exit code, peak RSS bytes, stdout, stderr)."""
    code = (
        "import os, sys, resource\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.execv(sys.argv[1], sys.argv[1:])\n"
        "_, status, ru = os.wait4(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status), ru.ru_maxrss)\n")
    e = dict(os.environ)
    if uhtest.PLUGINS:
        e["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
    p = subprocess.run([sys.executable, "-c", code, uhtest.BIN] + [str(a) for a in args],
                       env=e, capture_output=True, timeout=120)
    lines = p.stdout.decode().splitlines()
    rc, kb = lines[-1].split() if lines else ("-1", "0")
    return int(rc), int(kb) * 1024, "\n".join(lines[:-1]), p.stderr.decode()


def case_huge(d):
    if uhtest.SANITIZED:
        print("sanitized build: the 20000x15000 case is skipped")
        sys.exit(77)
    huge = make_input(d, "huge.jpg", 20000, 15000, noise=False)
    uhtest.eq(jpeg_size(huge), (20000, 15000), "generated 20000x15000")
    with open(huge, "rb") as f:
        uhtest.check(b"\xff\xc0" in f.read(4096), "the huge JPEG is baseline (SOF0)")
    image_bytes = 20000 * 15000 * 3

    # (1) shrink 8 into png.save: the host's accounting.
    g = "dec8.json"
    out8 = "dec8.png"
    with open(g, "w") as f:
        json.dump({"uberhost": 1, "nodes": {
            "load": {"type": "jpeg.load", "params": {"path": huge, "shrink": 8}},
            "save": {"type": "png.save", "params": {"path": out8, "compression": 1},
                     "inputs": {"image": "load"}}}}, f)
    rc, rss, out, err = child_peak(["run", g, "--stats=json"])
    uhtest.eq(rc, 0, "shrink 8 into png.save (%s)" % err.strip())
    try:
        st = json.loads(out.strip().splitlines()[-1])
        peak = st["peak"]
    except (ValueError, KeyError, IndexError):
        uhtest.check(False, "no --stats=json object on stdout: %r" % out[:200])
        peak = 1 << 40
    print("shrink 8 -> png.save: --stats peak %.1f MB, child peak RSS %.1f MB "
          "(image %d MB)" % (peak / 1e6, rss / 1e6, image_bytes // 1000000))
    uhtest.check(peak < 16 * 1000 * 1000,
                 "shrink 8 -> png.save: --stats peak %d bytes, not < 16 MB" % peak)
    p8 = uhtest.read_png(out8)
    uhtest.eq((p8.width, p8.height), (2500, 1875), "shrink 8 output size")

    # (2) the thumbnail graph: the whole process.
    tj = "t.jpg"
    rc, rss, _, err = child_peak(["run", GRAPH, "--set", "input=" + huge, "--set",
                               "output=" + tj, "-v"])
    uhtest.eq(rc, 0, "thumbnail of 20000x15000 (%s)" % err.strip())
    print("thumbnail.json on 20000x15000: child peak RSS %.1f MB" % (rss / 1e6))
    uhtest.check(rss < 64 * 1000 * 1000,
                 "thumbnail.json on 20000x15000: child peak RSS %d bytes, not < 64 MB" % rss)
    uhtest.eq(shrink_lines(err),
              ["uberhost: load: huge.jpg: shrink-on-load 8: 20000x15000 decoded as 2500x1875 "
               "for a fit box of 256x256"], "huge: log line")
    uhtest.eq(jpeg_size(tj), (256, 192), "huge thumbnail: 256x192")


CASES = {"jpeg": case_jpeg, "exif": case_exif, "png": case_png, "huge": case_huge}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_thumbnail.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    for so in ("jpeg.so", "png.so", "ops.so", "procedural.so"):
        if uhtest.PLUGINS and not os.path.exists(os.path.join(uhtest.PLUGINS, so)):
            print("%s not built: skipped" % so)
            sys.exit(77)
    d = uhtest.scratch("thumbnail_" + sys.argv[1])
    os.chdir(d)  # every file name is relative to it, so log lines are fixed
    CASES[sys.argv[1]](d)
    uhtest.done()


if __name__ == "__main__":
    main()
