"""End-to-end test of one ops node type through uberhost: small PNG inputs
(written with uhtest.write_png) loaded by png.load, the node, png.save, the
output decoded with uhtest.read_png and compared with the Python reference
of opsref.py / test_pixels.py; and the same graph at --threads 1 and
--threads 4 must write identical bytes.

usage: test_host.py OP"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsref as R  # noqa: E402
from opsref import Img, U8, U16  # noqa: E402
import test_pixels as P  # noqa: E402
import uhtest  # noqa: E402

SCRATCH = None


def to_img(png):
    data = [v for row in png.pixels for v in row]
    return Img(png.width, png.height, png.channels, U8 if png.depth == 8 else U16, data=data)


def run_graph(node, params, inputs, ports=("image",), threads=(1, 4), extra=(), name="g"):
    """Runs load(s) -> node -> png.save; returns the decoded output (None
    after a failure, recorded)."""
    nodes = {}
    links = {}
    for i, img in enumerate(inputs):
        p = os.path.join(SCRATCH, "%s_in%d.png" % (name, i))
        rows = [img.data[y * img.w * img.ch:(y + 1) * img.w * img.ch] for y in range(img.h)]
        uhtest.write_png(p, img.w, img.h, img.ch, rows, depth=8 if img.sample == U8 else 16)
        nodes["in%d" % i] = {"type": "png.load", "params": {"path": p}}
        links[ports[i]] = "in%d" % i
    nodes["op"] = {"type": node, "params": params, "inputs": links}
    out = os.path.join(SCRATCH, "%s_out" % name, "o.png")
    nodes["save"] = {"type": "png.save", "params": {"path": out}, "inputs": {"image": "op"}}
    g = os.path.join(SCRATCH, "%s.json" % name)
    with open(g, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f, indent=1)
    first = None
    for t in threads:
        code, _, err = uhtest.run("run", g, "--threads", t, *extra)
        if not uhtest.eq(code, 0, "%s at --threads %d (stderr: %s)" % (node, t, err.strip())):
            return None
        b = open(out, "rb").read()
        if first is None:
            first = b
        else:
            uhtest.check(b == first, "%s: --threads %d wrote other bytes than --threads %d" % (node, t, threads[0]))
    return to_img(uhtest.read_png(out))


def fail_graph(node, params, inputs, ports=("image",), name="f"):
    nodes = {}
    links = {}
    for i, img in enumerate(inputs):
        p = os.path.join(SCRATCH, "%s_in%d.png" % (name, i))
        rows = [img.data[y * img.w * img.ch:(y + 1) * img.w * img.ch] for y in range(img.h)]
        uhtest.write_png(p, img.w, img.h, img.ch, rows)
        nodes["in%d" % i] = {"type": "png.load", "params": {"path": p}}
        links[ports[i]] = "in%d" % i
    nodes["op"] = {"type": node, "params": params, "inputs": links}
    nodes["save"] = {"type": "png.save", "params": {"path": os.path.join(SCRATCH, name + ".png")},
                     "inputs": {"image": "op"}}
    g = os.path.join(SCRATCH, "%s.json" % name)
    with open(g, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)
    return uhtest.run("run", g), g


def h_resize():
    img = R.random_img(37, 29, 4, U8, seed=2)
    got = run_graph("resize", {"width": 13, "height": 41}, [img])
    if got:
        want = R.ref_resize(img, 13, 41)
        R.compare(got, want, 1, "resize rgba lanczos3", mask=R.alpha_mask(want, 2))
    img = R.random_img(50, 31, 3, U16, seed=3)
    got = run_graph("resize", {"scale": 0.3, "kernel": "mitchell"}, [img], name="g16")
    if got:
        R.compare(got, R.ref_resize(img, 15, 9, "mitchell"), 1, "resize u16 mitchell")
    img = R.random_img(120, 90, 1, U8, seed=4)
    got = run_graph("resize", {"width": 11, "kernel": "box", "linear": True}, [img], name="gb")
    if got:
        R.compare(got, R.ref_resize(img, 11, 8, "box", linear=True), 1, "resize grey box linear")


    # A tall image from the sequential png.load with several output strips
    # in flight at once (each spans ~1300 input rows): threads must agree
    # and the decoder must be read forward.
    tall = Img(64, 2600, 1, U8, data=[(x * 4 + (y // 7) * 37) & 255 for y in range(2600) for x in range(64)])
    got = run_graph("resize", {"scale": 0.05, "kernel": "catrom"}, [tall], threads=(1, 2, 4), name="tall")
    if got:
        uhtest.eq((got.w, got.h), (3, 130), "tall resize size")


def h_thumbnail():
    img = R.random_img(60, 45, 3, U8, seed=21)
    got = run_graph("thumbnail", {"width": 16, "crop": "centre"}, [img])
    if got:
        # Cover 16x16: scale 16/45, 21x16 (60 * 16 / 45 = 21.3), middle 16.
        R.compare(got, R.ref_resize(img, 16, 16, full=(21, 16), x0=2), 1, "thumbnail centre")
    got = run_graph("thumbnail", {"width": 16}, [img], name="fit")
    if got:
        R.compare(got, R.ref_resize(img, 16, 12), 1, "thumbnail fit")
    # thumbnail is a sequential strip node reading ~1 MB requests: a tall
    # image from the sequential png.load, several output strips.
    tall = Img(300, 5000, 3, U8, data=[(x * 3 + (y // 5) * 11 + c * 60) & 255
                                       for y in range(5000) for x in range(300) for c in range(3)])
    got = run_graph("thumbnail", {"width": 400, "height": 200}, [tall], threads=(1, 2, 4), name="tall")
    if got:
        uhtest.eq((got.w, got.h), (12, 200), "tall thumbnail size")


def h_crop():
    img = R.random_img(21, 13, 3, U16, seed=2)
    got = run_graph("crop", {"left": 3, "top": 4, "width": 10, "height": 7}, [img])
    if got:
        uhtest.eq(got.data, [img.at(3 + x, 4 + y, c) for y in range(7) for x in range(10) for c in range(3)],
                  "crop pixels")
    (code, _, err), g = fail_graph("crop", {"left": 15, "width": 10, "height": 5}, [R.random_img(21, 13, 3)])
    uhtest.eq(code, 5, "crop outside the input: exit code")
    uhtest.check("/nodes/op (crop, " in err and
                 "crop rectangle 10x5 at (15, 0) does not fit in the 21x13 input" in err,
                 "crop message names the node and the geometry: " + err)


def h_embed():
    img = R.random_img(5, 4, 4, U8, seed=8)
    got = run_graph("embed", {"x": 3, "y": -2, "width": 17, "height": 13, "extend": "mirror"}, [img])
    if got:
        uhtest.eq(got.data, P.ref_embed(img, 3, -2, 17, 13, "mirror", None), "embed mirror")
    got = run_graph("embed", {"x": 2, "y": 2, "width": 9, "height": 8, "extend": "background",
                              "background": [1, 0, 0.5, 1]}, [img], name="bg")
    if got:
        uhtest.eq(got.data, P.ref_embed(img, 2, 2, 9, 8, "background", [255, 0, 128, 255]), "embed background")


def h_flip():
    img = R.random_img(7, 5, 2, U8, seed=1)
    got = run_graph("flip", {"direction": "vertical"}, [img])
    if got:
        uhtest.eq(got.data, [img.at(x, 4 - y, c) for y in range(5) for x in range(7) for c in range(2)], "flip v")
    got = run_graph("flip", {}, [img], name="h")
    if got:
        uhtest.eq(got.data, [img.at(6 - x, y, c) for y in range(5) for x in range(7) for c in range(2)], "flip h")


def h_rotate():
    img = R.random_img(7, 4, 3, U16, seed=6)
    got = run_graph("rotate", {"angle": 90}, [img])
    if got:
        uhtest.eq((got.w, got.h), (4, 7), "rotate 90 size")
        uhtest.eq(got.data, [img.at(y, 3 - x, c) for y in range(7) for x in range(4) for c in range(3)], "rotate 90")
    got = run_graph("rotate", {"angle": 180}, [img], name="r180")
    if got:
        uhtest.eq(got.data, [img.at(6 - x, 3 - y, c) for y in range(4) for x in range(7) for c in range(3)],
                  "rotate 180")


def h_convert():
    img = R.random_img(9, 7, 4, U8, seed=3)
    got = run_graph("convert", {"sample": "u16"}, [img])
    if got:
        uhtest.eq((got.sample, got.data), (U16, [v * 257 for v in img.data]), "u8 -> u16")
    w16 = R.random_img(9, 7, 3, U16, seed=4)
    got = run_graph("convert", {"sample": "u8", "channels": 4}, [w16], name="c8")
    if got:
        want = []
        for i in range(0, len(w16.data), 3):
            want += [(v * 255 + 32767) // 65535 for v in w16.data[i:i + 3]] + [255]
        uhtest.eq(got.data, want, "u16 rgb -> u8 rgba")


def h_blend():
    base = R.random_img(11, 7, 4, U8, seed=1)
    over = R.random_img(11, 7, 4, U8, seed=2)
    for mode in ("normal", "multiply", "overlay"):
        got = run_graph("blend", {"mode": mode, "opacity": 0.7}, [base, over], ports=("base", "overlay"),
                        name="b" + mode)
        if got:
            want = P.ref_blend(base, over, mode, 0.7)
            R.compare(got, want, 1, "blend " + mode, mask=R.alpha_mask(want, 2))
    (code, _, err), g = fail_graph("blend", {}, [base, R.random_img(10, 7, 4)], ports=("base", "overlay"))
    uhtest.eq(code, 5, "blend of different sizes: exit code")
    uhtest.check("overlay is 10x7 but base is 11x7" in err, "blend message: " + err)


def h_blur():
    img = R.random_img(23, 19, 4, U8, seed=9)
    got = run_graph("blur", {"sigma": 1.5}, [img])
    if got:
        want = R.ref_blur(img, 1.5)
        R.compare(got, want, 1, "blur", mask=R.alpha_mask(want, 2))


def h_sharpen():
    img = R.random_img(13, 11, 3, U8, seed=7)
    got = run_graph("sharpen", {"sigma": 1.0, "amount": 0.8}, [img])
    if got:
        bl = R.separable(img, R.gauss_weights(1.0, 13), R.gauss_weights(1.0, 11), False, False)
        o = img.norm()
        want = [v + 0.8 * (v - b) for v, b in zip(o, bl)]
        R.compare(got, Img(13, 11, 3, U8, data=R.from_norm(want, img)), 1, "sharpen")


def h_levels():
    img = R.random_img(10, 9, 3, U16, seed=3)
    got = run_graph("levels", {"in_black": 0.2, "gamma": 0.5}, [img])
    if got:
        uhtest.eq(got.data, P.ref_point(img, lambda x: min(1.0, max(0.0, (x - 0.2) / 0.8)) ** 2), "levels")


def h_brightness_contrast():
    img = R.random_img(10, 9, 4, U8, seed=5)
    got = run_graph("brightness_contrast", {"brightness": -0.1, "contrast": 2}, [img])
    if got:
        uhtest.eq(got.data, P.ref_point(img, lambda x: (x - 0.5) * 2 + 0.5 - 0.1), "brightness_contrast")


def h_curves():
    img = R.random_img(10, 9, 3, U8, seed=5)
    pts = [0, 0.1, 0.5, 0.7, 1, 0.9]
    got = run_graph("curves", {"points": pts}, [img])
    if got:
        R.compare(got, Img(10, 9, 3, U8, data=P.ref_point(img, P.curve(pts, True))), 1, "curves")


def main():
    global SCRATCH
    op = sys.argv[1]
    if not os.path.exists(uhtest.BIN) or not os.path.exists(os.path.join(uhtest.PLUGINS, "png.so")):
        print("uberhost or png.so not built", file=sys.stderr)
        sys.exit(1)
    SCRATCH = uhtest.scratch("ops_host_" + op)
    globals()["h_" + op]()
    uhtest.done()


if __name__ == "__main__":
    main()
