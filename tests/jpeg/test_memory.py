"""libjpeg's working memory comes from the run's allocator (plugins/jpeg/
mem.c): it is counted in the jpeg nodes' --stats peak and bounded by
--memory-limit.

Inputs are made by uberhost itself (checker -> jpeg.save, progressive or
not). The coefficient buffer a multi-scan JPEG needs is computed here from
the file's own SOF marker (128 bytes per 8x8 block of each component, the
component's blocks rounded up to its sampling factors), not from libjpeg:

- a progressive decode's jpeg.load peak is at least that buffer, at most
  1 MiB more, and grows with the image by the buffer's growth;
- a progressive encode's jpeg.save peak is at least the same buffer;
- a baseline decode of the same image stays under 1 MiB (streaming);
- --memory-limit under the buffer fails cleanly: exit 4, the host's
  "memory budget exceeded ... (raise --memory-limit)" line for the node,
  nothing on stdout, no output file, no leak;
- max_memory_mib equal to the buffer passes the plugin's own check but not
  libjpeg's (the buffer plus the rest): libjpeg's refusal, exit 4;
- --fail-alloc N for every allocation of a progressive decode -> progressive
  encode fails cleanly (exit 4, one line, no output, no leak), or, where
  the host absorbs the failure, writes the clean run's bytes; N past the
  last allocation succeeds.
"""

import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
from uhtest import BIN, check, done, eq, run, scratch

if not os.path.exists(BIN):
    print("skipped: no uberhost binary at %s" % BIN)
    sys.exit(77)
d = scratch("jpeg_memory")
MiB = 1 << 20


def path(name):
    return os.path.join(d, name)


def graph(name, nodes):
    p = path(name)
    with open(p, "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)
    return p


def make_jpeg(name, w, h, channels=3, **save):
    """A checkerboard saved by jpeg.save with `save` params."""
    params = {"path": path(name), "quality": 90}
    params.update(save)
    g = graph("make_" + name + ".json", {
        "src": {"type": "checker", "params": {"width": w, "height": h,
                                              "channels": channels, "frequency": 13}},
        "out": {"type": "jpeg.save", "params": params, "inputs": {"image": "src"}}})
    code, _, err = run("run", g)
    eq((code, err), (0, ""), "making %s: exit code, stderr" % name)


def sof(name):
    """(marker, width, height, [(h, v) per component]) of the frame header."""
    b = open(path(name), "rb").read()
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            break
        m = b[i + 1]
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2):
            hh, ww, n = struct.unpack(">HHB", b[i + 5:i + 10])
            comps = [(b[i + 11 + 3 * k] >> 4, b[i + 11 + 3 * k] & 15) for k in range(n)]
            return m, ww, hh, comps
        i += 2 + length
    return None


def cdiv(a, b):
    return -(-a // b)


def coef_bytes(name):
    """The whole-image DCT coefficient buffer of the file, in bytes."""
    _, w, h, comps = sof(name)
    hmax = max(c[0] for c in comps)
    vmax = max(c[1] for c in comps)
    total = 0
    for hs, vs in comps:
        bw = cdiv(cdiv(w * hs, hmax), 8)
        bh = cdiv(cdiv(h * vs, vmax), 8)
        total += cdiv(bw, hs) * hs * cdiv(bh, vs) * vs * 128
    return total


def stats(*args):
    """Runs with --stats=json; returns (exit code, stderr, {node id: node})."""
    code, out, err = run("run", *args, "--stats=json")
    nodes = {}
    try:
        for n in json.loads(out)["nodes"]:
            nodes[n["id"]] = n
    except (ValueError, KeyError) as e:
        check(False, "--stats=json of %s: %s (%r)" % (args, e, out[:200]))
    return code, err, nodes


def decode_graph(name, jpeg, **load):
    params = {"path": path(jpeg)}
    params.update(load)
    return graph(name, {
        "src": {"type": "jpeg.load", "params": params},
        "out": {"type": "png.save", "params": {"path": path("out/" + jpeg + ".png"),
                                                "compression": 1},
                "inputs": {"image": "src"}}})


# -- a progressive decode counts its coefficient buffer ---------------------

small, big = (400, 300), (1600, 1200)
peaks = {}
for (w, h) in (small, big):
    for sub in ("444", "420"):
        name = "p%dx%d_%s.jpg" % (w, h, sub)
        make_jpeg(name, w, h, progressive=True, subsampling=sub)
        eq(sof(name)[0], 0xC2, name + ": is progressive (SOF2)")
        coef = coef_bytes(name)
        g = decode_graph("dec_" + name + ".json", name)
        code, err, nodes = stats(g)
        eq((code, err), (0, ""), name + ": exit code, stderr")
        src = nodes.get("src", {})
        peak = src.get("peak", 0)
        print("%s: coefficient buffer %d bytes, jpeg.load peak %d, %d allocations"
              % (name, coef, peak, src.get("allocations", 0)))
        check(peak >= coef, "%s: jpeg.load peak %d < coefficient buffer %d" % (name, peak, coef))
        check(peak <= coef + MiB, "%s: jpeg.load peak %d > coefficient buffer %d + 1 MiB"
              % (name, peak, coef))
        eq(src.get("leaked"), 0, name + ": jpeg.load leaked")
        peaks[(w, h, sub)] = (peak, coef)
for sub in ("444", "420"):
    (p1, c1), (p2, c2) = peaks[small + (sub,)], peaks[big + (sub,)]
    check(p2 - p1 >= c2 - c1, "%s: the peak grows by %d from %dx%d to %dx%d, the buffer by %d"
          % (sub, p2 - p1, small[0], small[1], big[0], big[1], c2 - c1))

# The same image, baseline: a few MCU rows, not the image.
bw, bh = big
make_jpeg("base.jpg", bw, bh, subsampling="444")
eq(sof("base.jpg")[0], 0xC0, "base.jpg: is baseline (SOF0)")
code, err, nodes = stats(decode_graph("dec_base.json", "base.jpg"))
eq((code, err), (0, ""), "baseline decode: exit code, stderr")
bpeak = nodes.get("src", {}).get("peak", -1)
print("base.jpg: jpeg.load peak %d" % bpeak)
check(0 < bpeak < MiB, "baseline %dx%d decode: jpeg.load peak %d, not in (0, 1 MiB)"
      % (bw, bh, bpeak))

# -- a progressive encode counts it too --------------------------------------

coef = coef_bytes("p%dx%d_444.jpg" % big)
g = graph("enc.json", {
    "src": {"type": "checker", "params": {"width": bw, "height": bh, "channels": 3}},
    "out": {"type": "jpeg.save", "params": {"path": path("out/enc.jpg"), "progressive": True,
                                            "subsampling": "444"},
            "inputs": {"image": "src"}}})
code, err, nodes = stats(g)
eq((code, err), (0, ""), "progressive encode: exit code, stderr")
speak = nodes.get("out", {}).get("peak", 0)
print("enc.jpg: coefficient buffer %d bytes, jpeg.save peak %d" % (coef, speak))
check(speak >= coef, "progressive encode: jpeg.save peak %d < coefficient buffer %d" % (speak, coef))
eq(nodes.get("out", {}).get("leaked"), 0, "progressive encode: jpeg.save leaked")

# -- the budget ----------------------------------------------------------------

BUDGET = re.compile(r"^uberhost: (\S+): /nodes/(\w+) \((jpeg\.\w+), [^)]*\): memory budget "
                    r"exceeded: asked (\d+) bytes with (\d+) in use of (\d+) "
                    r"\(raise --memory-limit\)\n$")


def budget_failure(what, g, node, type_, limit, output):
    if os.path.exists(output):
        os.remove(output)
    code, out, err = run("run", g, "--memory-limit", str(limit))
    eq(code, 4, what + ": exit code (%s)" % err.strip())
    eq(out, "", what + ": stdout")
    m = BUDGET.match(err)
    if check(m is not None, what + ": stderr is one budget line: %r" % err):
        eq((m.group(2), m.group(3), int(m.group(6))), (node, type_, limit),
           what + ": node, type, limit in the message")
        check(int(m.group(4)) + int(m.group(5)) > limit,
              what + ": asked + in use passes the limit (%s)" % err.strip())
    check(not os.path.exists(output), what + ": no output file")
    od = os.path.dirname(output)
    left = os.listdir(od) if os.path.isdir(od) else []
    check(not [f for f in left if os.path.basename(output) in f],
          what + ": no temporary file left: %r" % left)


name = "p%dx%d_444.jpg" % big
coef = coef_bytes(name)
limit = (coef // 2) // MiB * MiB
budget_failure("progressive decode under --memory-limit %d" % limit,
               path("dec_" + name + ".json"), "src", "jpeg.load", limit,
               path("out/" + name + ".png"))
# The same limit is plenty for the baseline file.
code, _, err = run("run", path("dec_base.json"), "--memory-limit", str(limit))
eq((code, err), (0, ""), "baseline decode under --memory-limit %d" % limit)
budget_failure("progressive encode under --memory-limit %d" % limit,
               path("enc.json"), "out", "jpeg.save", limit, path("out/enc.jpg"))

# -- max_memory_mib: libjpeg's own check ---------------------------------------

# 1024x512 grey: 128 x 64 blocks of 128 bytes = exactly 1 MiB of
# coefficients, which the plugin's check (buffer > cap) lets through; the
# buffer plus libjpeg's other memory is over 1 MiB, which libjpeg refuses.
make_jpeg("grey.jpg", 1024, 512, channels=1, progressive=True)
eq(coef_bytes("grey.jpg"), MiB, "grey.jpg: coefficient buffer")
g = decode_graph("dec_grey.json", "grey.jpg", max_memory_mib=1)
code, out, err = run("run", g)
eq(code, 4, "max_memory_mib 1: exit code")
check(err.endswith("): grey.jpg: libjpeg needs more working memory than max_memory_mib "
                   "allows\n".replace("grey.jpg", path("grey.jpg"))) and "/nodes/src" in err,
      "max_memory_mib 1: message %r" % err)
check(not os.path.exists(path("out/grey.jpg.png")), "max_memory_mib 1: no output")
code, _, err = run("run", decode_graph("dec_grey2.json", "grey.jpg", max_memory_mib=2))
eq((code, err), (0, ""), "max_memory_mib 2: exit code, stderr")

# -- every allocation may fail -------------------------------------------------

make_jpeg("sweep_in.jpg", 96, 64, progressive=True, subsampling="420")
out_jpg = path("out/sweep.jpg")
g = graph("sweep.json", {
    "src": {"type": "jpeg.load", "params": {"path": path("sweep_in.jpg")}},
    "out": {"type": "jpeg.save", "params": {"path": out_jpg, "progressive": True,
                                            "optimize": True},
            "inputs": {"image": "src"}}})
code, out, err = run("run", g, "--stats=json", "--threads", "1")
eq((code, err), (0, ""), "sweep graph: clean run")
attempts = json.loads(out)["attempts"] if code == 0 else 0
good = open(out_jpg, "rb").read() if code == 0 else b""
check(attempts > 20, "sweep graph: %d allocation attempts" % attempts)
for n in range(1, attempts + 2):
    if os.path.exists(out_jpg):
        os.remove(out_jpg)
    code, _, err = run("run", g, "--threads", "1", "--fail-alloc", str(n))
    what = "--fail-alloc %d of %d" % (n, attempts)
    check("leaked" not in err, what + ": no leak (%s)" % err.strip())
    if n > attempts:
        eq((code, err), (0, ""), what + ": succeeds")
    if code == 0:  # past the end, or a failure the host absorbed
        check(os.path.exists(out_jpg) and open(out_jpg, "rb").read() == good,
              what + ": the clean run's bytes")
        continue
    eq(code, 4, what + ": exit code (%s)" % err.strip())
    check(("injected failure (allocation %d)" % n) in err and err.count("\n") == 1,
          what + ": one line naming the injected failure (%r)" % err)
    check(not os.path.exists(out_jpg), what + ": no output")

done()
