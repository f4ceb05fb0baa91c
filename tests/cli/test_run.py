"""Running graphs: the embedded default, --stats truth against a node with
known allocations, leak reports, failure exit codes with no output left
behind, determinism across thread counts, budgets, deadlines and signals."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["UH_SRC"], "tests", "support"))
import uhtest as t

d = t.scratch()
tn = os.path.join(t.BUILD, "tests", "plugins", "hostnodes")
tn_so = os.path.join(tn, "hostnodes.so")
pp = ["--plugin-path", tn]


def graph(name, nodes, params=None):
    g = {"uberhost": 1, "nodes": nodes}
    if params:
        g["params"] = params
    path = os.path.join(d, name)
    with open(path, "w") as f:
        json.dump(g, f, indent=1)
    return path


def listing(dirpath):
    return sorted(os.listdir(dirpath)) if os.path.isdir(dirpath) else []


# The embedded default graph writes a 512x512 texture, decodable by an
# independent decoder, into ./uberhost-out.
c, out, err = t.run("run", cwd=d)
t.eq(c, 0, "default graph exit (%s)" % err)
png = t.read_png(os.path.join(d, "uberhost-out", "texture.png"))
t.eq((png.width, png.height), (512, 512), "default texture size")
vals = [v for row in png.pixels for v in row]
t.check(max(vals) - min(vals) > 100, "texture has contrast")

# Same bytes at 1 and 4 threads.
outs = []
for n in (1, 4):
    wd = os.path.join(d, "t%d" % n)
    os.makedirs(wd)
    c, out, err = t.run("run", "--threads", n, cwd=wd)
    t.eq(c, 0, "threads %d" % n)
    outs.append(open(os.path.join(wd, "uberhost-out", "texture.png"), "rb").read())
t.check(outs[0] == outs[1], "default graph identical at --threads 1 and 4")

# --stats=json reports exactly what test.alloc allocated: 3 blocks of
# 100000 bytes held at once, then freed.
out_png = os.path.join(d, "alloc.png")
g = graph("alloc.json", {
    "src": {"type": "test.solid", "params": {"width": 64, "height": 32, "value": 9}},
    "a": {"type": "test.alloc", "params": {"bytes": 100000, "blocks": 3}, "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": out_png}, "inputs": {"image": "a"}},
})
c, out, err = t.run("run", g, "--stats=json", *pp)
t.eq(c, 0, "alloc graph (%s)" % err)
st = json.loads(out)
node = {n["id"]: n for n in st["nodes"]}
t.eq(node["a"]["peak"], 300000, "test.alloc peak")
t.eq(node["a"]["total"], 300000, "test.alloc total")
t.eq(node["a"]["allocations"], 3, "test.alloc allocations")
t.eq(node["a"]["current"], 0, "test.alloc current at the end")
t.eq(node["a"]["leaked"], 0, "no leak")
t.eq(node["src"]["output_bytes"], 64 * 32, "solid output bytes")
t.check(st["peak"] >= 300000, "run peak covers the node's peak")
t.eq(t.read_png(out_png).at(5, 5), 9, "pixel went through")

# uh.image-pass/1: test.pass's output is its input, no copy (0 output
# bytes), read by two sinks while the source also feeds a third; the input
# lives as long as the passed-on output (ASan builds check the lifetime).
pa, pb, pc = (os.path.join(d, n) for n in ("pa.png", "pb.png", "pc.png"))
gp = graph("pass.json", {
    "src": {"type": "test.solid", "params": {"width": 64, "height": 32, "value": 9}},
    "p": {"type": "test.pass", "inputs": {"image": "src"}},
    "a": {"type": "png.save", "params": {"path": pa}, "inputs": {"image": "p"}},
    "b": {"type": "png.save", "params": {"path": pb}, "inputs": {"image": "p"}},
    "c": {"type": "png.save", "params": {"path": pc}, "inputs": {"image": "src"}},
})
for threads in (1, 4):
    c, out, err = t.run("run", gp, "--stats=json", "--threads", threads, *pp)
    t.eq(c, 0, "pass graph, %d threads (%s)" % (threads, err))
    node = {n["id"]: n for n in json.loads(out)["nodes"]}
    t.eq(node["p"]["output_bytes"], 0, "test.pass output bytes")
    t.eq(node["src"]["output_bytes"], 64 * 32, "test.pass source output bytes")
    for f in (pa, pb, pc):
        t.eq(t.read_png(f).at(7, 3), 9, "%s: pixel passed on" % os.path.basename(f))
for opt, msg in (("p.wider=true", "pass_input(): output 0 of port 0 is not shaped like "
                  "input 0 of port 0"),
                 ("p.twice=true", "pass_input(): output 0 of port 0 already has pixels")):
    for f in (pa, pb, pc):
        if os.path.exists(f):
            os.remove(f)
    c, out, err = t.run("run", gp, "--set", opt, *pp)
    t.eq(c, 5, "pass graph with %s: exit" % opt)
    t.check("/nodes/p (test.pass, " in err and msg in err, "pass graph %s: %r" % (opt, err))
    t.check(not any(os.path.exists(f) for f in (pa, pb, pc)), "%s: no output" % opt)

# Text stats name every node.
c, out, err = t.run("run", g, "--stats", *pp)
t.eq(c, 0, "text stats run")
for name in ("src", "a", "out", "run: peak", "process: RSS"):
    t.check(name in err, "text stats mention %r" % name)

# A leak is reported by node, type and plugin, counted, and freed.
g = graph("leak.json", {
    "src": {"type": "test.solid"},
    "a": {"type": "test.alloc", "params": {"bytes": 5000, "blocks": 4, "leak": 2}, "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": os.path.join(d, "leak.png")}, "inputs": {"image": "a"}},
})
c, out, err = t.run("run", g, "--stats=json", *pp)
t.eq(c, 0, "leaking graph still succeeds")
t.eq(err, "uberhost: warning: %s: /nodes/a (test.alloc, %s) leaked 10000 bytes in 2 blocks; freed at the end of the run\n"
     % (g, tn_so), "leak warning")
t.eq({n["id"]: n for n in json.loads(out)["nodes"]}["a"]["leaked"], 10000, "leak in stats")

# Failures: exit code by status, message with file, pointer, type and
# plugin, and no output left, not even from a branch that succeeded.
existing = os.path.join(d, "keep.png")
open(existing, "wb").write(b"old content")
for status, code, text in (("corrupt", 3, "failing on purpose (corrupt)"),
                           ("limit", 4, "failing on purpose (limit)"),
                           ("write", 6, "failing on purpose (write)"),
                           ("internal", 5, "failing on purpose (internal)"),
                           ("silent", 5, "internal error")):
    for where in ("prepare", "process"):
        okpath = os.path.join(d, "branch-%s-%s.png" % (status, where))
        g = graph("fail.json", {
            "src": {"type": "test.solid"},
            "good": {"type": "png.save", "params": {"path": okpath}, "inputs": {"image": "src"}},
            "over": {"type": "png.save", "params": {"path": existing}, "inputs": {"image": "src"}},
            "f": {"type": "test.fail", "params": {"status": status, "in": where}, "inputs": {"image": "src"}},
            "sink": {"type": "png.save", "params": {"path": os.path.join(d, "never.png")}, "inputs": {"image": "f"}},
        })
        t.expect(["run", g] + pp, code,
                 stderr="uberhost: %s: /nodes/f (test.fail, %s): %s\n" % (g, tn_so, text))
        t.check(not os.path.exists(okpath), "no output from the good branch (%s, %s)" % (status, where))
        t.eq(open(existing, "rb").read(), b"old content", "existing output untouched")
        t.eq([f for f in listing(d) if f.endswith(".tmp")], [], "no temporary files left")

# A strip source's blob output (set in prepare) reaches consumers inside
# its own pipeline (the sink) and outside it, with no deadlock; the image
# still streams.
g = graph("blob.json", {
    "src": {"type": "test.solid", "params": {"width": 300, "height": 2000, "value": 5}},
    "inv": {"type": "example.invert", "inputs": {"image": "src"}},
    "sink": {"type": "test.sink", "params": {"want": "solid 5"}, "inputs": {"image": "inv", "note": "src.note"}},
})
for n in (1, 4):
    c, out, err = t.run("run", g, "--threads", n, "--stats=json", *pp)
    t.eq(c, 0, "blob into the pipeline's own sink, %d threads (%s)" % (n, err))
    if c == 0:
        modes = {x["id"]: x["mode"] for x in json.loads(out)["nodes"]}
        t.eq(modes, {"src": "stream", "inv": "stream", "sink": "stream"}, "blob graph still streams")
g = graph("blob2.json", {
    "src": {"type": "test.solid", "params": {"value": 6}},
    "sink": {"type": "test.sink", "params": {"want": "solid 5"}, "inputs": {"image": "src", "note": "src.note"}},
})
t.expect(["run", g] + pp, 5, stderr="uberhost: %s: /nodes/sink (test.sink, %s): note 'solid 6', want 'solid 5'\n" % (g, tn_so))

# Output paths are checked before any node runs: here the failing node
# would say exit 3, but the unwritable output is found first.
plainfile = os.path.join(d, "plainfile")
open(plainfile, "w").write("x")
g = graph("unwritable.json", {
    "src": {"type": "test.solid"},
    "f": {"type": "test.fail", "params": {"status": "corrupt"}, "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": os.path.join(plainfile, "x.png")}, "inputs": {"image": "f"}},
})
t.expect(["run", g] + pp, 6,
         stderr="uberhost: %s: /nodes/out/params/path: cannot write %s/x.png: %s is not a directory\n"
         % (g, plainfile, plainfile))
os.makedirs(os.path.join(d, "adir"), exist_ok=True)
g = graph("isdir.json", {
    "src": {"type": "test.solid"},
    "out": {"type": "png.save", "params": {"path": os.path.join(d, "adir")}, "inputs": {"image": "src"}},
})
t.expect(["run", g] + pp, 6,
         stderr="uberhost: %s: /nodes/out/params/path: cannot write %s: it is a directory\n"
         % (g, os.path.join(d, "adir")))

# The memory budget says no before allocating, naming node and sizes.
g = graph("budget.json", {
    "src": {"type": "test.solid"},
    "a": {"type": "test.alloc", "params": {"bytes": 3000000, "blocks": 1}, "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": os.path.join(d, "budget.png")}, "inputs": {"image": "a"}},
})
c, out, err = t.run("run", g, "--memory-limit", "2M", *pp)
t.eq(c, 4, "budget exit code")
t.check(err.startswith("uberhost: %s: /nodes/a (test.alloc, %s): memory budget exceeded: asked 3000000 bytes with "
                       % (g, tn_so)), "budget message: %r" % err)
t.check(err.rstrip().endswith("of 2097152 (raise --memory-limit)"), "budget message names the limit: %r" % err)
t.check(not os.path.exists(os.path.join(d, "budget.png")), "no output after a budget failure")

# plan: predicted memory per node before any pixel; refuses up front what
# cannot fit even by spilling.
g = graph("plan.json", {
    "src": {"type": "test.solid", "params": {"width": 4000, "height": 4000}},
    "copy": {"type": "test.alloc", "params": {"bytes": 16, "blocks": 1}, "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": os.path.join(d, "plan.png")}, "inputs": {"image": "copy"}},
})
c, out, err = t.run("plan", g, "--memory-limit", "10M", "--threads", 1, *pp)
t.eq(c, 0, "plan with spilling (%s)" % err)
# The source feeds a whole node, so its output is stored too.
t.check("  src              test.solid       4000x4000 x1 u8           15.3 MiB  spill file\n"
        "  copy             test.alloc       4000x4000 x1 u8           15.3 MiB  spill file\n" in out,
        "plan lines: %r" % out)
t.check("  predicted peak of image buffers: 30.5 MiB of 10.0 MiB\n" in out, "plan peak: %r" % out)
t.check(not os.path.exists(os.path.join(d, "plan.png")), "plan writes nothing")
c, out, err = t.run("plan", g, "--memory-limit", "10M", "--no-spill", "--threads", 1, *pp)
t.eq(c, 4, "plan refuses without spill")
t.eq(err, "uberhost: %s: /nodes/src (test.solid, %s): its output needs 15.3 MiB with 0 B held before it: "
     "over the memory budget of 10.0 MiB, and spilling is off (--no-spill)\n" % (g, tn_so), "plan refusal message")

# --repeat and several graphs run in one process; --stats=json prints one
# line per run with the RSS beside the idle baseline.
c, out, err = t.run("run", g, g, "--repeat", 2, "--stats=json", "--memory-limit", "64M", *pp)
t.eq(c, 0, "repeat runs")
lines = [json.loads(x) for x in out.splitlines()]
t.eq([x["run"] for x in lines], [1, 2, 1, 2], "four runs reported")
t.check(all(x["rss_idle"] > 0 and x["rss"] > 0 for x in lines), "rss fields present")

# A deadline cancels a long run: exit 7, nothing written.
slow_out = os.path.join(d, "slow.png")
g = graph("slow.json", {
    "src": {"type": "test.solid", "params": {"width": 12000, "height": 12000}},
    "inv": {"type": "example.invert", "inputs": {"image": "src"}},
    "out": {"type": "png.save", "params": {"path": slow_out, "compression": 9}, "inputs": {"image": "inv"}},
})
c, out, err = t.run("run", g, "--timeout", "0.2", *pp)
t.eq(c, 7, "deadline exit code (%s)" % err)
t.eq(err, "uberhost: %s: run cancelled: past the deadline (--timeout)\n" % g, "deadline message")
t.check(not os.path.exists(slow_out), "no output after the deadline")

# A node that ignores cancellation is given up on 2 s after the deadline:
# exit 7, the node named, no output or temporary file left. One that
# honours it stops at once.
hang_out = os.path.join(d, "hang-branch.png")
for honour in (False, True):
    g = graph("hang.json", {
        "src": {"type": "test.solid", "params": {"width": 64, "height": 64}},
        "good": {"type": "png.save", "params": {"path": hang_out}, "inputs": {"image": "src"}},
        "h": {"type": "test.hang", "params": {"honour": honour}, "inputs": {"image": "src"}},
        "hs": {"type": "png.save", "params": {"path": os.path.join(d, "never.png")}, "inputs": {"image": "h"}},
    })
    t0 = time.time()
    c, out, err = t.run("run", g, "--timeout", "0.3", *pp)
    took = time.time() - t0
    t.eq(c, 7, "hang (honour=%s) exit code" % honour)
    want = "uberhost: %s: run cancelled: past the deadline (--timeout)\n" % g
    if not honour:
        want = ("uberhost: warning: %s: /nodes/h (test.hang, %s) did not stop within 2 s of the "
                "cancellation; giving up on it\n" % (g, tn_so)) + want
    t.eq(err, want, "hang (honour=%s) message" % honour)
    t.check(took < (60 if t.SANITIZED else 20), "hang (honour=%s) ended in %.1f s" % (honour, took))
    t.check(not os.path.exists(hang_out), "no output after giving up")
    t.eq([f for f in listing(d) if f.endswith(".tmp")], [], "no temporary files after giving up")

# SIGINT cancels cleanly too.
env = dict(os.environ, UBERHOST_PLUGIN_PATH=t.PLUGINS)
p = subprocess.Popen([t.BIN, "run", g] + pp, env=env, stderr=subprocess.PIPE)
time.sleep(0.3)
p.send_signal(signal.SIGINT)
_, err = p.communicate(timeout=60)
t.eq(p.returncode, 7, "SIGINT exit code")
t.check(b"run cancelled: interrupted" in err, "SIGINT message: %r" % err)
t.check(not os.path.exists(slow_out), "no output after SIGINT")
t.eq([f for f in listing(d) if f.endswith(".tmp")], [], "no temporary files after SIGINT")
t.done()
