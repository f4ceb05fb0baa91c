"""Allocation failures: a graph using every node type of the plugin is run
with the Nth allocation failing, for every N until the run succeeds; each
failing run exits 4 (out of memory) with a message naming a node, never
crashes, leaks nothing the host reports, and leaves no output file."""
import os
import sys

import miptest as mt
import uhtest

mt.scratch()
rows = [[(x * 31 + y * 17 + c * 50) % 256 for x in range(17) for c in range(4)] for y in range(9)]
uhtest.write_png(mt.path("t.png"), 17, 9, 4, rows)
# Two halves (argv[1] = a or b), so the two ctest cases run side by side.
half = sys.argv[1] if len(sys.argv) > 1 else "a"
if half == "a":
    nodes = {
        "mip": {"type": "mipmap", "params": {"alpha_ref": 0.5}, "inputs": {"image": "src"}},
        "box": {"type": "mipmap", "params": {"filter": "box", "from_base": True}, "inputs": {"image": "src"}},
        "p": {"type": "mip.save_png", "params": {"dir": "out/p"}, "inputs": {"levels": "mip"}},
        "p1": {"type": "mip.save_png", "params": {"dir": "out/p1", "compression": 1},
               "inputs": {"levels": "box"}},
        "k": {"type": "ktx2.save", "params": {"path": "out/t.ktx2"}, "inputs": {"levels": "box"}},
        "d": {"type": "dds.save", "params": {"path": "out/t.dds"}, "inputs": {"levels": "mip"}},
        "sk": {"type": "mip.stream_ktx2", "params": {"path": "out/s.ktx2"}, "inputs": {"image": "src"}},
    }
    last = "t.ktx2"
else:
    nodes = {
        "rip": {"type": "ripmap", "inputs": {"image": "src"}},
        "a": {"type": "mip.atlas", "params": {"manifest": "out/a.json"}, "inputs": {"levels": "rip"}},
        "as": {"type": "png.save", "params": {"path": "out/a.png"}, "inputs": {"image": "a"}},
        "s": {"type": "mip.stream_png", "params": {"dir": "out/s", "compression": 2},
              "inputs": {"image": "src"}},
        "sd": {"type": "mip.stream_dds", "params": {"path": "out/s.dds", "filter": "lanczos3"},
               "inputs": {"image": "src"}},
    }
    last = "a.json"
nodes["src"] = mt.load("../t.png")
g = mt.graph(nodes)
n = 1
while True:
    d = mt.path("run%d" % n)
    os.makedirs(d)
    c, _, err = uhtest.run("run", g, "--threads", 2, "--fail-alloc", n, cwd=d)
    if c == 0:
        break
    if not uhtest.eq(c, 4, "fail-alloc %d: exit code (%s)" % (n, err.strip())):
        break
    uhtest.check("uberhost:" in err and "leaked" not in err, "fail-alloc %d: message %r" % (n, err))
    uhtest.check(not os.path.exists(os.path.join(d, "out")) or not any(
        files for _, _, files in os.walk(os.path.join(d, "out"))), "fail-alloc %d left output files" % n)
    n += 1
    if n > 2000:
        uhtest.check(False, "still failing after 2000 allocations")
        break
print("succeeded at allocation %d" % n)
uhtest.check(n > 20, "only %d allocations: --fail-alloc is not reaching the plugin" % n)
uhtest.check(os.path.exists(os.path.join(d, "out", last)), "the successful run wrote out/" + last)
uhtest.done()
