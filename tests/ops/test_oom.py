"""Out-of-memory loop over every ops node type (libuv's test-loop-oom
style): a small load -> node -> save graph is run with --fail-alloc N for
N = 1, 2, ... until it succeeds. Every failing run must exit 4 with one
"cannot allocate" / "out of memory" message, report no leak, and leave no
output file; the first run that gets all its allocations must write the
same bytes as a run without injection."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsref as R  # noqa: E402
from opsref import U8  # noqa: E402
import uhtest  # noqa: E402

CASES = [
    ("resize", {"width": 9, "height": 14}), ("thumbnail", {"width": 8, "crop": "centre"}),
    ("crop", {"left": 1, "top": 2, "width": 5, "height": 4}),
    ("embed", {"x": 2, "y": -1, "width": 15, "height": 9, "extend": "mirror"}),
    ("flip", {"direction": "vertical"}), ("rotate", {"angle": 270}),
    ("convert", {"channels": 3, "sample": "u16", "space": "linear"}),
    ("blend", {"mode": "multiply", "opacity": 0.5}), ("blur", {"sigma": 1.2}),
    ("sharpen", {"amount": 1.5}), ("levels", {"gamma": 1.4}),
    ("brightness_contrast", {"brightness": 0.1}), ("curves", {"points": [0, 0.2, 1, 0.8]}),
]


def main():
    d = uhtest.scratch("ops_oom")
    img = R.random_img(12, 10, 4, U8, seed=3)
    src = os.path.join(d, "in.png")
    uhtest.write_png(src, 12, 10, 4, [img.data[y * 48:(y + 1) * 48] for y in range(10)])
    for op, params in CASES:
        nodes = {"a": {"type": "png.load", "params": {"path": src}}}
        links = {"image": "a"}
        if op == "blend":
            links = {"base": "a", "overlay": "a2"}
            nodes["a2"] = {"type": "png.load", "params": {"path": src}}
        out = os.path.join(d, op, "o.png")
        nodes["op"] = {"type": op, "params": params, "inputs": links}
        nodes["save"] = {"type": "png.save", "params": {"path": out}, "inputs": {"image": "op"}}
        g = os.path.join(d, op + ".json")
        with open(g, "w") as f:
            json.dump({"uberhost": 1, "nodes": nodes}, f)
        c, _, err = uhtest.run("run", g, "--threads", 1)
        if not uhtest.eq(c, 0, "%s without injection (%s)" % (op, err.strip())):
            continue
        want = open(out, "rb").read()
        for n in range(1, 400):
            os.remove(out) if os.path.exists(out) else None
            c, _, err = uhtest.run("run", g, "--threads", 1, "--fail-alloc", n)
            if c == 0:
                uhtest.check(open(out, "rb").read() == want, "%s: output after --fail-alloc %d differs" % (op, n))
                break
            ok = uhtest.eq(c, 4, "%s --fail-alloc %d: exit code (stderr: %s)" % (op, n, err.strip()))
            ok &= uhtest.check("leaked" not in err, "%s --fail-alloc %d leaks: %s" % (op, n, err.strip()))
            ok &= uhtest.check("cannot allocate" in err or "out of memory" in err.lower(),
                               "%s --fail-alloc %d: no allocation message: %s" % (op, n, err.strip()))
            ok &= uhtest.check(not os.path.exists(out), "%s --fail-alloc %d left %s" % (op, n, out))
            if not ok:
                break
        else:
            uhtest.check(False, "%s: still failing after 400 injected failures" % op)
    uhtest.done()


if __name__ == "__main__":
    main()
