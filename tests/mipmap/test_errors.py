"""Failure paths: exact exit codes and messages for a ripmap into dds.save
(3), a list with one level into the writers (fine), a missing input file
(3, from png.load), a missing required `dir` (2), an unknown filter name
(2), an output directory that cannot be created (6), and a prefix with a
'/' (5); a failed run
leaves no file behind."""
import os

import miptest as mt
import uhtest

mt.scratch()
uhtest.write_png(mt.path("t.png"), 8, 4, 3, [[x * 10 for x in range(24)] for _ in range(4)])


def run(nodes, name):
    return uhtest.run("run", mt.graph(nodes, name), cwd=mt.SCRATCH)


c, _, err = run({"l": mt.load("t.png"), "r": {"type": "ripmap", "inputs": {"image": "l"}},
                 "d": {"type": "dds.save", "params": {"path": "r.dds"}, "inputs": {"levels": "r"}}}, "e1.json")
uhtest.eq(c, 3, "ripmap into dds.save: exit code")
uhtest.check("/nodes/d (dds.save" in err and
             "dds.save needs a mip chain: image 1 is 4x4 at (1, 0), expected level 1 of 4x2" in err,
             "ripmap into dds.save: message %r" % err)
uhtest.check(not os.path.exists(mt.path("r.dds")), "a failed run left r.dds")

c, _, err = run({"l": mt.load("t.png"), "m": {"type": "mipmap", "params": {"max_levels": 1}, "inputs": {"image": "l"}},
                 "k": {"type": "ktx2.save", "params": {"path": "one.ktx2"}, "inputs": {"levels": "m"}},
                 "p": {"type": "mip.save_png", "params": {"dir": "one"}, "inputs": {"levels": "m"}}}, "e2.json")
uhtest.eq(c, 0, "single level: exit code (%s)" % err.strip())
uhtest.eq(len(mt.manifest("one")["levels"]), 1, "single level manifest")

c, _, err = run({"m": {"type": "mipmap", "params": {"filter": "bicubic"}, "inputs": {"image": "l"}},
                 "l": mt.load("t.png"),
                 "p": {"type": "mip.save_png", "params": {"dir": "x"}, "inputs": {"levels": "m"}}}, "e3.json")
uhtest.eq(c, 2, "unknown filter: exit code")
uhtest.check("/nodes/m/params/filter" in err and "bicubic" in err, "unknown filter: message %r" % err)

c, _, err = run({"l": mt.load("t.png"), "m": {"type": "mipmap", "inputs": {"image": "l"}},
                 "p": {"type": "mip.save_png", "inputs": {"levels": "m"}}}, "e4.json")
uhtest.eq(c, 2, "missing dir: exit code")
uhtest.check("/nodes/p: missing required parameter 'dir'" in err, "missing dir: message %r" % err)

open(mt.path("blocker"), "w").write("a file, not a directory")
c, _, err = run({"l": mt.load("t.png"), "m": {"type": "mipmap", "inputs": {"image": "l"}},
                 "p": {"type": "mip.save_png", "params": {"dir": "blocker/sub"}, "inputs": {"levels": "m"}}},
                "e5.json")
uhtest.eq(c, 6, "unwritable dir: exit code (%s)" % err.strip())
uhtest.check("blocker/sub/manifest.json" in err, "unwritable dir: message %r" % err)
c, _, err = run({"l": mt.load("t.png"), "m": {"type": "mipmap", "inputs": {"image": "l"}},
                 "p": {"type": "mip.save_png", "params": {"dir": "q", "prefix": "a/b"}, "inputs": {"levels": "m"}}},
                "e6.json")
uhtest.eq(c, 5, "bad prefix: exit code")
uhtest.check("/nodes/p (mip.save_png" in err and "prefix 'a/b' must be a plain file-name prefix" in err,
             "bad prefix: message %r" % err)
uhtest.done()
