"""End-to-end tests of the procedural plugin: graphs run by uberhost, with
the outputs written by png.save and decoded by uhtest's own pure-Python PNG
reader. Usage: test_e2e.py CASE (see CASES at the bottom)."""

import math
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402
from uhtest import check, eq, near  # noqa: E402

M = 0xFFFFFFFF


# --------------------------------------------------------------------------
# Reference maths, from docs/nodes/procedural.md

def phash(i, j, seed):
    h = ((i * 0x8DA6B343) & M) ^ ((j * 0xD8163841) & M) ^ ((seed * 0xCB1AB31F + 0x68E31DA4) & M)
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M
    h ^= h >> 15
    h = (h * 0x846CA68B) & M
    h ^= h >> 16
    return h


def fade(t):
    return t * t * t * (t * (t * 6 - 15) + 10)


def value_noise(u, v, seed, px=0, py=0):
    i, j = math.floor(u), math.floor(v)
    fx, fy = u - i, v - j

    def lat(a, b):
        if px:
            a %= px
        if py:
            b %= py
        return phash(a & M, b & M, seed) / 4294967296.0
    sx, sy = fade(fx), fade(fy)
    a = lat(i, j) + sx * (lat(i + 1, j) - lat(i, j))
    b = lat(i, j + 1) + sx * (lat(i + 1, j + 1) - lat(i, j + 1))
    return (a + sy * (b - a)) * 2 - 1


def perlin_noise(u, v, seed, px=0, py=0):
    i, j = math.floor(u), math.floor(v)
    fx, fy = u - i, v - j

    def dot(a, b, dx, dy):
        if px:
            a %= px
        if py:
            b %= py
        k = phash(a & M, b & M, seed) >> 28
        return math.cos(k * math.pi / 8) * dx + math.sin(k * math.pi / 8) * dy
    sx, sy = fade(fx), fade(fy)
    n00, n10 = dot(i, j, fx, fy), dot(i + 1, j, fx - 1, fy)
    n01, n11 = dot(i, j + 1, fx, fy - 1), dot(i + 1, j + 1, fx - 1, fy - 1)
    a = n00 + sx * (n10 - n00)
    b = n01 + sx * (n11 - n01)
    return (a + sy * (b - a)) * 1.42


def u8(v):
    return int(min(1.0, max(0.0, v)) * 255 + 0.5)


def u16(v):
    return int(min(1.0, max(0.0, v)) * 65535 + 0.5)


# --------------------------------------------------------------------------
# Helpers

def graph(nodes, params=None):
    g = {"uberhost": 1, "nodes": nodes}
    if params:
        g["params"] = params
    return g


def write_graph(d, name, g):
    import json
    p = os.path.join(d, name)
    with open(p, "w") as f:
        json.dump(g, f, indent=1)
    return p


def gen_save(nodes, name, gtype, params, path, **save):
    nodes[name] = {"type": gtype, "params": params}
    sp = {"path": path}
    sp.update(save)
    nodes[name + "_save"] = {"type": "png.save", "params": sp, "inputs": {"image": name}}


def run_ok(args, cwd):
    c, out, err = uhtest.run(*args, cwd=cwd)
    if not eq(c, 0, "exit code of uberhost %s (stderr: %s)" % (" ".join(map(str, args)), err.strip())):
        uhtest.done()
    return out, err


def ihdr(path):
    with open(path, "rb") as f:
        head = f.read(33)
    w, h, depth, ct = struct.unpack(">IIBB", head[16:26])
    return w, h, depth, {0: 1, 2: 3, 4: 2, 6: 4}[ct]


def seamless(img, c=0):
    """The seam test (as in test_unit.c): lines two apart straddling the
    seam differ on average no more than 1.5 times the worst such interior
    pair, and no single step across the seam exceeds 1.5 times the largest
    step inside. (The seam is one sample of the same statistics; the margin
    keeps it from failing when it happens to be the largest. A real seam is
    3-8 times larger.)"""
    w, h = img.width, img.height
    scale = 65535.0 if img.depth == 16 else 255.0
    px = [[img.at(x, y, c) / scale for x in range(w)] for y in range(h)]
    ok = True
    for vertical in (0, 1):
        n, m = (h, w) if vertical else (w, h)

        def at(line, k):
            return px[line][k] if vertical else px[k][line]

        def ldiff(a, b):
            return sum(abs(at(a, k) - at(b, k)) for k in range(m)) / m
        in2 = max(ldiff(i, i + 2) for i in range(n - 2))
        seam2 = max(ldiff(n - 2, 0), ldiff(n - 1, 1))
        in1 = max(abs(at(i, k) - at(i + 1, k)) for i in range(n - 1) for k in range(m))
        seam1 = max(abs(at(n - 1, k) - at(0, k)) for k in range(m))
        good = seam2 <= 1.5 * in2 + 1.0 / 255 and seam1 <= 1.5 * in1 + 1.0 / 255
        if not good:
            print("  %s: inside %.4f/%.4f, seam %.4f/%.4f" % (
                "rows" if vertical else "columns", in2, in1, seam2, seam1), file=sys.stderr)
        ok = ok and good
    return ok


GENERATORS = [
    ("perlin", "noise", {"kind": "perlin"}),
    ("simplex", "noise", {"kind": "simplex"}),
    ("value", "noise", {"kind": "value"}),
    ("worley", "noise", {"kind": "worley", "feature": "f2_f1", "metric": "manhattan"}),
    ("white", "noise", {"kind": "white"}),
    ("fbm", "noise", {"kind": "perlin", "fractal": "fbm", "octaves": 6}),
    ("turbulence", "noise", {"kind": "simplex", "fractal": "turbulence", "octaves": 5}),
    ("ridged", "noise", {"kind": "perlin", "fractal": "ridged", "octaves": 6}),
    ("warp", "noise", {"kind": "value", "fractal": "fbm", "octaves": 4, "warp": 2}),
    ("checker", "checker", {}),
    ("stripes", "stripes", {"direction": "diagonal", "profile": "triangle"}),
    ("grid", "grid", {}),
    ("bricks", "bricks", {"variation": 0.3}),
    ("dots", "dots", {"stagger": True, "softness": 0.3}),
    ("hexagons", "hexagons", {"variation": 0.3}),
    ("voronoi", "voronoi", {"line_width": 0.05}),
    ("gradient_radial", "gradient", {"kind": "radial", "channels": 1, "start": [0.3, 0.6], "end": [0.7, 0.6]}),
    ("gradient_linear", "gradient", {"kind": "linear", "channels": 1, "start": [0.2, 0.3], "end": [0.6, 0.5]}),
    ("gradient_conic", "gradient", {"kind": "conic", "channels": 1, "start": [0.4, 0.45], "end": [0.9, 0.45]}),
]


def with_size(p, w, h, extra=None):
    q = dict(p)
    q.update({"width": w, "height": h})
    if extra:
        q.update(extra)
    return q


# --------------------------------------------------------------------------
# Cases

def case_reference():
    """Known values at known pixels, computed here from the formulas."""
    d = uhtest.scratch()
    nodes = {}
    gen_save(nodes, "val", "noise", {"width": 40, "height": 30, "kind": "value", "seed": 77,
                                     "frequency": 3.5, "sample": "u16"}, "val.png")
    gen_save(nodes, "per", "noise", {"width": 48, "height": 32, "kind": "perlin", "seed": 5,
                                     "frequency": 4, "tileable": True, "sample": "u16"}, "per.png")
    gen_save(nodes, "wht", "noise", {"width": 17, "height": 9, "kind": "white", "seed": 2024}, "wht.png")
    gen_save(nodes, "chk", "checker", {"width": 60, "height": 40, "frequency": 6}, "chk.png")
    gen_save(nodes, "str", "stripes", {"width": 50, "height": 20, "frequency": 5, "duty": 0.3}, "str.png")
    gen_save(nodes, "sin", "stripes", {"width": 64, "height": 4, "frequency": 2, "profile": "sine",
                                       "direction": "vertical", "sample": "u16"}, "sin.png")
    gen_save(nodes, "grd", "gradient", {"width": 80, "height": 20, "kind": "linear", "channels": 4,
                                        "stops": [0, 1, 0, 0, 1, 0.5, 0, 1, 0, 0.5, 1, 0, 0, 1, 0],
                                        "start": [0, 0], "end": [1, 0]}, "grd.png")
    gen_save(nodes, "rad", "gradient", {"width": 41, "height": 41, "kind": "radial", "channels": 1,
                                        "start": [0.5, 0.5], "end": [1, 0.5], "sample": "u16"}, "rad.png")
    p = write_graph(d, "ref.json", graph(nodes))
    run_ok(["run", p], d)

    img = uhtest.read_png(os.path.join(d, "val.png"))
    bad = 0
    for (x, y) in [(0, 0), (5, 7), (39, 29), (20, 15), (33, 2)]:
        want = u16(0.5 + 0.5 * value_noise((x + 0.5) / 40 * 3.5, (y + 0.5) / 30 * 3.5 * 30 / 40, 77))
        bad += not near(img.at(x, y), want, 1, "value noise at %d,%d" % (x, y))
    img = uhtest.read_png(os.path.join(d, "per.png"))
    for (x, y) in [(0, 0), (47, 31), (12, 20), (30, 5)]:
        # tileable: 4 cells across, round(4 * 32 / 48) = 3 down.
        want = u16(0.5 + 0.5 * perlin_noise((x + 0.5) / 48 * 4, (y + 0.5) / 32 * 3, 5, 4, 3))
        near(img.at(x, y), want, 1, "perlin at %d,%d" % (x, y))
    img = uhtest.read_png(os.path.join(d, "wht.png"))
    for y in range(9):
        for x in range(17):
            if img.at(x, y) != u8(phash(x, y, 2024) / 4294967296.0):
                bad += 1
    eq(bad, 0, "white noise pixels off the hash")
    img = uhtest.read_png(os.path.join(d, "chk.png"))
    # 6 cells on 60 px: 10 px squares, (0,0) black, exact.
    eq(img.at(0, 0), 0, "checker (0,0)")
    eq(img.at(10, 0), 255, "checker (10,0)")
    eq(img.at(15, 15), 0, "checker (15,15)")
    eq(img.at(59, 39), 0, "checker (59,39)")  # cell (5, 3): odd + odd
    eq(img.at(9, 10), 255, "checker (9,10)")
    img = uhtest.read_png(os.path.join(d, "str.png"))
    # period 10 px, duty 0.3: pixels 0-2 white, 3-9 black.
    eq([img.at(x, 5) for x in range(11)], [255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 255], "square stripes")
    img = uhtest.read_png(os.path.join(d, "sin.png"))
    for x in (0, 8, 16, 31, 47):
        want = u16(0.5 - 0.5 * math.cos(2 * math.pi * (x + 0.5) / 64 * 2))
        near(img.at(x, 1), want, 1, "sine stripes at %d" % x)
    img = uhtest.read_png(os.path.join(d, "grd.png"))
    for x in (0, 19, 20, 39, 40, 60, 79):
        t = (x + 0.5) / 80
        if t < 0.5:
            f = t / 0.5
            want = [1 - f, f, 0, 1 - 0.5 * f]
        else:
            f = (t - 0.5) / 0.5
            want = [0, 1 - f, f, 0.5 - 0.5 * f]
        got = [img.at(x, 3, c) for c in range(4)]
        check(all(abs(g - u8(w)) <= 1 for g, w in zip(got, want)),
              "gradient at %d: %r want %r" % (x, got, [u8(w) for w in want]))
    img = uhtest.read_png(os.path.join(d, "rad.png"))
    for (x, y) in [(20, 20), (0, 20), (40, 40), (25, 10)]:
        t = math.hypot(x + 0.5 - 20.5, y + 0.5 - 20.5) / 20.5
        near(img.at(x, y), u16(t), 1, "radial at %d,%d" % (x, y))


def case_seamless():
    """Every generator with tileable=true wraps seamlessly; without it the
    smooth noises do not (so the test can fail)."""
    d = uhtest.scratch()
    nodes = {}
    for name, t, p in GENERATORS:
        extra = {"tileable": True, "sample": "u16", "seed": 31}
        if t != "gradient":
            extra["frequency"] = 5.3
        q = with_size(p, 96, 72, extra)
        if t not in ("noise", "bricks", "hexagons", "voronoi"):
            q.pop("seed")
        gen_save(nodes, name, t, q, name + ".png")
    for name, t, p in GENERATORS[:4]:
        gen_save(nodes, "plain_" + name, t, with_size(p, 96, 72, {"frequency": 5.3, "sample": "u16"}),
                 "plain_" + name + ".png")
    run_ok(["run", write_graph(d, "seam.json", graph(nodes)), "--threads", "2"], d)
    for name, t, p in GENERATORS:
        img = uhtest.read_png(os.path.join(d, name + ".png"))
        check(seamless(img), "%s: tileable output has a seam" % name)
    for name, t, p in GENERATORS[:4]:
        img = uhtest.read_png(os.path.join(d, "plain_" + name + ".png"))
        check(not seamless(img), "%s: seamless even without tileable?" % name)


def case_determinism():
    """Byte-identical PNGs at --threads 1 and 4, and on every run."""
    d = uhtest.scratch()
    nodes = {}
    for name, t, p in GENERATORS:
        gen_save(nodes, name, t, with_size(p, 200, 150, {"tileable": True}), "out/" + name + ".png")
    nodes["nm"] = {"type": "normal_from_height", "params": {"strength": 8, "wrap": True},
                   "inputs": {"image": "fbm"}}
    nodes["nm_save"] = {"type": "png.save", "params": {"path": "out/nm.png"}, "inputs": {"image": "nm"}}
    nodes["col"] = {"type": "colorize", "params": {"stops": [0, 0.1, 0.2, 0.3, 1, 1, 0.9, 0.8, 0.3, 1]},
                    "inputs": {"image": "voronoi"}}
    nodes["col_save"] = {"type": "png.save", "params": {"path": "out/col.png"}, "inputs": {"image": "col"}}
    g = write_graph(d, "det.json", graph(nodes))
    names = [n for n, _, _ in GENERATORS] + ["nm", "col"]
    results = []
    for threads in ("1", "4", "4", "2"):
        run_ok(["run", g, "--threads", threads], d)
        results.append({n: open(os.path.join(d, "out", n + ".png"), "rb").read() for n in names})
    for n in names:
        check(all(r[n] == results[0][n] for r in results[1:]), "%s differs between runs/threads" % n)


def case_normal():
    """normal_from_height: unit normals, and a ramp tilts them away from
    the rise (OpenGL: green up)."""
    d = uhtest.scratch()
    nodes = {
        "ramp": {"type": "gradient", "params": {"width": 64, "height": 48, "channels": 1, "sample": "u16",
                                                "start": [0, 0], "end": [1, 0]}},
        "nx": {"type": "normal_from_height", "params": {"strength": 32, "sample": "u16"},
               "inputs": {"image": "ramp"}},
        "nx_save": {"type": "png.save", "params": {"path": "nx.png"}, "inputs": {"image": "nx"}},
        "vramp": {"type": "gradient", "params": {"width": 64, "height": 48, "channels": 1, "sample": "u16",
                                                 "start": [0, 0], "end": [0, 1]}},
        "ny": {"type": "normal_from_height", "params": {"strength": 24, "sample": "u16"},
               "inputs": {"image": "vramp"}},
        "ny_save": {"type": "png.save", "params": {"path": "ny.png"}, "inputs": {"image": "ny"}},
        "h": {"type": "noise", "params": {"width": 64, "height": 48, "fractal": "fbm", "tileable": True,
                                          "sample": "u16", "seed": 9}},
        "nn": {"type": "normal_from_height", "params": {"strength": 40, "wrap": True, "filter": "sobel",
                                                        "sample": "u16"}, "inputs": {"image": "h"}},
        "nn_save": {"type": "png.save", "params": {"path": "nn.png"}, "inputs": {"image": "nn"}},
    }
    run_ok(["run", write_graph(d, "normal.json", graph(nodes)), "--threads", "2"], d)

    def vec(img, x, y):
        return [img.at(x, y, c) / 65535.0 * 2 - 1 for c in range(3)]
    img = uhtest.read_png(os.path.join(d, "nx.png"))
    eq((img.width, img.height, img.channels, img.depth), (64, 48, 3, 16), "normal map format")
    # h = (x + 0.5) / 64: slope 1/64 per pixel, times 32 = 0.5.
    want = [-0.5 / math.sqrt(1.25), 0, 1 / math.sqrt(1.25)]
    for (x, y) in [(1, 1), (30, 20), (62, 47)]:
        got = vec(img, x, y)
        check(all(abs(g - w) < 2e-4 for g, w in zip(got, want)), "ramp normal at %d,%d: %r" % (x, y, got))
    img = uhtest.read_png(os.path.join(d, "ny.png"))
    # Height rising down the image: OpenGL green is +Y up, so it tilts up.
    got = vec(img, 10, 20)
    s = 24 / 48.0
    want = [0, s / math.sqrt(1 + s * s), 1 / math.sqrt(1 + s * s)]
    check(all(abs(g - w) < 2e-4 for g, w in zip(got, want)), "vertical ramp normal: %r want %r" % (got, want))
    img = uhtest.read_png(os.path.join(d, "nn.png"))
    worst = 0
    tilted = 0
    for y in range(48):
        for x in range(64):
            n = vec(img, x, y)
            worst = max(worst, abs(math.sqrt(sum(c * c for c in n)) - 1))
            tilted += n[2] < 0.999
    check(worst < 1e-3, "normals not unit length: worst %g" % worst)
    check(tilted > 64 * 48 // 2, "noise normals barely tilted (%d)" % tilted)

    # From a height decoded row by row (png.load streams in order) the
    # normals are the same as from the generator, at any thread count.
    nodes = {
        "h": {"type": "noise", "params": {"width": 300, "height": 260, "fractal": "fbm",
                                          "sample": "u16", "seed": 9}},
        "h_save": {"type": "png.save", "params": {"path": "h.png"}, "inputs": {"image": "h"}},
        "n": {"type": "normal_from_height", "params": {"strength": 30}, "inputs": {"image": "h"}},
        "n_save": {"type": "png.save", "params": {"path": "n_gen.png"}, "inputs": {"image": "n"}},
    }
    run_ok(["run", write_graph(d, "gen.json", graph(nodes))], d)
    nodes = {
        "l": {"type": "png.load", "params": {"path": "h.png"}},
        "n": {"type": "normal_from_height", "params": {"strength": 30}, "inputs": {"image": "l"}},
        "n_save": {"type": "png.save", "params": {"path": "n_load.png"}, "inputs": {"image": "n"}},
    }
    g = write_graph(d, "load.json", graph(nodes))
    want = open(os.path.join(d, "n_gen.png"), "rb").read()
    for threads in ("1", "4"):
        run_ok(["run", g, "--threads", threads], d)
        check(open(os.path.join(d, "n_load.png"), "rb").read() == want,
              "normals from png.load differ from the generator's (threads %s)" % threads)


def case_graph():
    """graphs/procedural.json: the four tileable 1024x1024 maps; then the
    same graph at 192 px to check each map closely."""
    d = uhtest.scratch()
    g = os.path.join(uhtest.SRC, "graphs", "procedural.json")
    t0 = time.time()
    run_ok(["run", g], d)
    print("full graph: %.1f s" % (time.time() - t0))
    want = {"albedo": 3, "height": 1, "normal": 3, "roughness": 1}
    for name, ch in want.items():
        p = os.path.join(d, "out", "procedural", name + ".png")
        if check(os.path.exists(p), "%s missing" % p):
            w, h, depth, c = ihdr(p)
            eq((w, h, c), (1024, 1024, ch), "%s geometry" % name)
    small = []
    for n in ("bricks", "detail"):
        small += ["--set", "%s.width=192" % n, "--set", "%s.height=192" % n]
    run_ok(["run", g] + small, d)
    imgs = {}
    for name in want:
        imgs[name] = uhtest.read_png(os.path.join(d, "out", "procedural", name + ".png"))
        eq((imgs[name].width, imgs[name].height), (192, 192), "%s at 192" % name)
        for c in range(imgs[name].channels):
            check(seamless(imgs[name], c), "%s channel %d has a seam" % (name, c))
    # The graph's own parameters: another seed changes the height, a
    # stronger normal map tilts further.
    before = open(os.path.join(d, "out", "procedural", "height.png"), "rb").read()
    run_ok(["run", g] + small + ["--set", "seed=12", "--set", "strength=30"], d)
    check(open(os.path.join(d, "out", "procedural", "height.png"), "rb").read() != before,
          "--set seed=12 left the height unchanged")
    strong = uhtest.read_png(os.path.join(d, "out", "procedural", "normal.png"))

    def mean_z(img):
        return sum(img.at(x, y, 2) for y in range(0, 192, 4) for x in range(0, 192, 4))
    check(mean_z(strong) < mean_z(imgs["normal"]), "strength=30 did not tilt the normals more")
    nm = imgs["normal"]
    worst = max(abs(math.sqrt(sum((nm.at(x, y, c) / 255.0 * 2 - 1) ** 2 for c in range(3))) - 1)
                for y in range(0, 192, 3) for x in range(0, 192, 3))
    check(worst < 0.02, "normal map not unit length (8-bit): worst %g" % worst)


def case_errors():
    """Bad parameters fail before anything runs, naming the node."""
    d = uhtest.scratch()
    nodes = {}
    gen_save(nodes, "g", "gradient", {"width": 8, "height": 8,
                                      "stops": [0.5, 0, 0, 0, 1, 0.25, 1, 1, 1, 1]}, "g.png")
    p = write_graph(d, "bad.json", graph(nodes))
    c, out, err = uhtest.expect(["run", p], 5,
                                contains="stops: stop 1 has t = 0.25 after 0.5; t must not decrease",
                                cwd=d)
    check("/nodes/g" in err and "gradient" in err, "message names the node: %r" % err)
    check(not os.path.exists(os.path.join(d, "g.png")), "no output after a failure")
    nodes = {}
    gen_save(nodes, "n", "noise", {"width": 8, "height": 8, "fractal": "fbm", "octaves": 16,
                                   "lacunarity": 3, "frequency": 65536}, "n.png")
    uhtest.expect(["run", write_graph(d, "bad2.json", graph(nodes))], 5,
                  contains="frequency 65536 times lacunarity 3 to the power 15 exceeds 16777216 cells",
                  cwd=d)
    nodes = {}
    gen_save(nodes, "n", "noise", {"width": 0, "height": 8}, "n.png")
    c, out, err = uhtest.run("run", write_graph(d, "bad3.json", graph(nodes)), cwd=d)
    eq(c, 2, "width 0 is an invalid graph (stderr %r)" % err)


def peak_rss_kb(args, cwd):
    """Runs uberhost, polling /proc for the peak resident set (VmHWM)."""
    import subprocess
    env = dict(os.environ)
    env["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
    p = subprocess.Popen([uhtest.BIN] + args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    peak = 0
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.02)
    out, err = p.communicate()
    return p.returncode, peak, err.decode("utf-8", "replace")


def case_big():
    """A 16384 x 16384 fBm (or 16384 x 4096 with UH_PROCEDURAL_QUICK=1)
    written to PNG with peak RSS under 64 MB."""
    if uhtest.SANITIZED:
        print("skipped under sanitizers")
        sys.exit(77)
    d = uhtest.scratch()
    h = 4096 if os.environ.get("UH_PROCEDURAL_QUICK") else 16384
    nodes = {}
    gen_save(nodes, "fbm", "noise", {"width": 16384, "height": h, "fractal": "fbm", "octaves": 4,
                                     "frequency": 64, "tileable": True, "seed": 3},
             "big.png", compression=1, filter="sub")
    g = write_graph(d, "big.json", graph(nodes))
    t0 = time.time()
    code, peak, err = peak_rss_kb(["run", g, "--threads", "2"], d)
    dt = time.time() - t0
    print("16384x%d fBm: %.1f s, peak RSS %.1f MB" % (h, dt, peak / 1024.0))
    eq(code, 0, "exit code (stderr %r)" % err)
    check(peak > 0, "peak RSS measured")
    check(peak < 64 * 1024, "peak RSS %d kB over 64 MB" % peak)
    p = os.path.join(d, "big.png")
    if check(os.path.exists(p), "big.png written"):
        eq(ihdr(p)[:2], (16384, h), "big.png geometry")
        os.remove(p)


def case_docs():
    """docs/nodes/procedural.md documents every node type and parameter of
    the plugin with its real default."""
    import json
    c, out, err = uhtest.run("list", "--json")
    eq(c, 0, "uberhost list --json (stderr %r)" % err)
    doc = open(os.path.join(uhtest.SRC, "docs", "nodes", "procedural.md")).read()
    types = [t for t in json.loads(out) if t.get("plugin") == "procedural"]
    check(len(types) >= 12, "procedural types listed: %d" % len(types))
    for t in types:
        check("## " + t["id"] in doc or "`%s`" % t["id"] in doc, "%s not documented" % t["id"])
        for p in t["params"]:
            d = p.get("default")
            if isinstance(d, bool):
                d = "true" if d else "false"
            elif isinstance(d, list):
                d = "[" + ", ".join("%g" % v for v in d) + "]"
            elif isinstance(d, float):
                d = "%g" % d
            row = "| `%s` | %s | `%s` |" % (p["name"], p["type"], d)
            check(row in doc, "%s.%s: no table row starting %r" % (t["id"], p["name"], row))
        img = os.path.join(uhtest.SRC, "docs", "img", "procedural-%s.png" % t["id"])
        if t["id"] not in ("noise", "gradient", "gradient_map"):
            check(os.path.exists(img), "%s has no picture %s" % (t["id"], img))
    for name in ("perlin", "simplex", "value", "worley", "white", "fbm", "turbulence", "ridged",
                 "gradient-linear", "gradient-radial", "gradient-conic"):
        p = os.path.join(uhtest.SRC, "docs", "img", "procedural-%s.png" % name)
        if check(os.path.exists(p), "missing picture %s" % p):
            check(os.path.getsize(p) < 100 * 1024, "%s over 100 KB" % p)


CASES = {
    "docs": case_docs,
    "reference": case_reference,
    "seamless": case_seamless,
    "determinism": case_determinism,
    "normal": case_normal,
    "graph": case_graph,
    "errors": case_errors,
    "big": case_big,
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
    uhtest.done()
