"""Memory through the CLI: allocation-failure sweeps over three graphs, the
20000x15000 spill case, and threads lowered under a tight budget.

Usage: test_memory.py CASE
  sweep_default  the embedded default graph (uberhost run, no file)
  sweep_resize   png.load -> resize -> png.save
  sweep_mipmap   png.load -> mipmap -> mip.save_png
  spill_big      20000x15000 RGB through a whole node under --memory-limit 256M
  threads        a tight budget lowers the worker threads before spilling

A sweep runs the graph once cleanly at --threads 1 to count its allocation
attempts A, then with --fail-alloc N for N = 1 .. A+1 (every N up to 300,
then about 100 more points with a stride; the same under sanitizers, where
CI runs it under ASan). Each run must either fail with exit
code 4, the message "injected failure (allocation N)", no output file, no
temporary file and no leak warning, or succeed with outputs identical to the
clean run (a few failures are absorbed by a fallback: a row buffer retried
at its exact size). N = A+1 must succeed. A few runs at --threads 4 check
the failure paths with workers racing (their allocation order varies, so
only cleanliness is checked there).
"""

import json
import os
import re
import resource
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402
from uhtest import check, eq, run  # noqa: E402

SANITIZED = uhtest.SANITIZED

# A message the host prints for a failed stream buffer without the
# allocator's reason (host/stream.c, stream_run_sink). Reported, not failed,
# until the host passes the reason on.
KNOWN_GAPS = ("cannot allocate the stream's strip buffers",)


def need_types(*types):
    c, out, _ = run("list")
    have = {line.split()[0] for line in out.splitlines() if line.strip()}
    missing = set(types) - have
    if c != 0 or missing:
        print("skip: node types missing: %s" % sorted(missing))
        sys.exit(77)


def stats(out):
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{") and '"nodes"' in line:
            return json.loads(line)
    return None


def files_under(d):
    found = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            found[os.path.relpath(p, d)] = p
    return found


def snapshot(d, outputs):
    """The bytes of every output file (relative paths under d)."""
    got = {}
    for rel in outputs:
        p = os.path.join(d, rel)
        if os.path.exists(p):
            with open(p, "rb") as f:
                got[rel] = f.read()
    return got


def remove_outputs(d, out_dirs):
    for od in out_dirs:
        for _, p in files_under(os.path.join(d, od)).items():
            os.remove(p)


def sweep_points(a):
    """N values to try for a run of `a` attempts."""
    every = 300
    pts = list(range(1, min(a, every) + 1))
    if a > every:
        budget = 100
        stride = max(1, (a - every + budget - 1) // budget)
        pts += list(range(every + 1, a + 1, stride))
        if pts[-1] != a:
            pts.append(a)
    return pts + [a + 1]


def sweep(d, args, out_dirs, label):
    """args: the uberhost arguments (run ...); out_dirs: where outputs go."""
    remove_outputs(d, out_dirs)
    c, out, err = run(*(args + ["--threads", "1", "--stats=json"]), cwd=d)
    if not eq(c, 0, "%s: clean run (stderr: %s)" % (label, err.strip())):
        return
    s = stats(out)
    a = s["attempts"]
    check(a > 5, "%s: the run makes several allocations (%d)" % (label, a))
    outputs = []
    for od in out_dirs:
        outputs += [os.path.join(od, k) for k in files_under(os.path.join(d, od))]
    check(len(outputs) > 0, "%s: the clean run writes files" % label)
    want = snapshot(d, outputs)
    failed = absorbed = gaps = 0
    pts = sweep_points(a)
    for n in pts:
        remove_outputs(d, out_dirs)
        c, _, err = run(*(args + ["--threads", "1", "--fail-alloc", str(n)]), cwd=d)
        left = files_under(d)
        tmp = [k for k in left if k.endswith(".tmp")]
        check(not tmp, "%s: N=%d left temporary files %s" % (label, n, tmp))
        check("leaked" not in err, "%s: N=%d: a leak reported: %r" % (label, n, err))
        if c == 0:
            absorbed += 1
            check(n > 1, "%s: the very first allocation cannot be absorbed" % label)
            eq(snapshot(d, outputs) == want, True,
               "%s: N=%d succeeded (absorbed): outputs equal the clean run's" % (label, n))
            continue
        failed += 1
        if not eq(c, 4, "%s: exit code with allocation %d failing (stderr: %s)"
                  % (label, n, err.strip())):
            continue
        if "injected failure (allocation %d)" % n not in err:
            if any(g in err for g in KNOWN_GAPS):
                gaps += 1
                print("note: %s: N=%d: message without the reason: %s"
                      % (label, n, err.strip()))
            else:
                check(False, "%s: allocation %d named in %r" % (label, n, err))
        lines = err.splitlines()
        check(len(lines) >= 1 and lines[-1].startswith("uberhost: ") and
              all(ln.startswith("uberhost: warning: ") for ln in lines[:-1]),
              "%s: N=%d: warnings, then one line of error: %r" % (label, n, err))
        written = [k for k in outputs if os.path.exists(os.path.join(d, k))]
        check(not written, "%s: no output when allocation %d fails: %s"
              % (label, n, written))
    check(failed > 0, "%s: some injected failures fail the run" % label)
    # The last point, A+1, is past every allocation: it must succeed.
    eq(snapshot(d, outputs) == want, True, "%s: N=A+1 writes the clean outputs" % label)
    # Workers racing: several threads, failures anywhere.
    for n in (1, 2, 3, max(1, a // 3), max(1, a // 2), max(1, a - 2)):
        remove_outputs(d, out_dirs)
        c, _, err = run(*(args + ["--threads", "4", "--fail-alloc", str(n)]), cwd=d)
        check(c in (0, 4), "%s: --threads 4 --fail-alloc %d: exit %d (%s)"
              % (label, n, c, err.strip()))
        check(c == 0 or "injected failure (allocation %d)" % n in err or
              any(g in err for g in KNOWN_GAPS),
              "%s: --threads 4 N=%d: the failure named: %r" % (label, n, err))
        check(not [k for k in files_under(d) if k.endswith(".tmp")],
              "%s: --threads 4 N=%d: no temporary files" % (label, n))
        if c == 4:
            check(not [k for k in outputs if os.path.exists(os.path.join(d, k))],
                  "%s: --threads 4 N=%d: no outputs after a failure" % (label, n))
    print("%s: %d allocation attempts; %d points swept: %d failed cleanly "
          "(%d with the stream-buffer message), %d absorbed"
          % (label, a, len(pts), failed, gaps, absorbed))


def gradient_png(path, w, h, ch):
    rows = [[(x * 7 + y * 3 + c * 40) & 255 for x in range(w) for c in range(ch)]
            for y in range(h)]
    uhtest.write_png(path, w, h, ch, rows)


def write_graph(d, name, nodes):
    with open(os.path.join(d, name), "w") as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f)
    return name


def case_sweep_default(d):
    need_types("noise", "colorize", "normal_from_height", "resize", "png.save")
    # The embedded default graph, made smaller through its exported param
    # and a node param so the sweep stays fast.
    sweep(d, ["run", "--set", "size=48", "--set", "field.height=40"],
          ["uberhost-out"], "default graph")


def case_sweep_resize(d):
    need_types("png.load", "resize", "png.save")
    gradient_png(os.path.join(d, "in.png"), 150, 97, 3)
    g = write_graph(d, "resize.json", {
        "l": {"type": "png.load", "params": {"path": "in.png"}},
        "r": {"type": "resize", "params": {"width": 61, "kernel": "lanczos3"},
              "inputs": {"image": "l"}},
        "s": {"type": "png.save", "params": {"path": "out/r.png"}, "inputs": {"image": "r"}}})
    sweep(d, ["run", g], ["out"], "decode-resize-encode")


def case_sweep_mipmap(d):
    need_types("png.load", "mipmap", "mip.save_png")
    gradient_png(os.path.join(d, "in.png"), 45, 30, 4)
    g = write_graph(d, "mip.json", {
        "l": {"type": "png.load", "params": {"path": "in.png"}},
        "m": {"type": "mipmap", "params": {"filter": "kaiser"}, "inputs": {"image": "l"}},
        "s": {"type": "mip.save_png", "params": {"dir": "out/mip"},
              "inputs": {"levels": "m"}}})
    sweep(d, ["run", g], ["out"], "mipmap")


def run_child(args, cwd):
    """Runs uberhost; returns (code, stderr, the child's peak RSS in bytes)."""
    env = dict(os.environ)
    if uhtest.PLUGINS:
        env["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
    p = subprocess.Popen([uhtest.BIN] + args, cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=170)
    # communicate() reaped the child; its rusage is in RUSAGE_CHILDREN,
    # which only this child has touched in this process so far.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return p.returncode, out.decode(), err.decode(), peak


def case_spill_big(d):
    if SANITIZED:
        print("skip: 1.7 GB of images is too slow under sanitizers")
        sys.exit(77)
    need_types("checker", "rotate", "resize", "png.save")
    spill = os.path.join(d, "spill")
    os.makedirs(spill)
    # 20000x15000 RGB = 900,000,000 bytes per image; rotate is a whole node,
    # so both its input (the checker's output, stored because rotate reads
    # it whole) and its output are held at once: 1.8 GB under a 256 MiB
    # budget. 180 degrees reads its input in row order.
    g = write_graph(d, "big.json", {
        "src": {"type": "checker", "params": {"width": 20000, "height": 15000,
                                              "channels": 3, "frequency": 150}},
        "rot": {"type": "rotate", "params": {"angle": 180}, "inputs": {"image": "src"}},
        "small": {"type": "resize", "params": {"width": 400}, "inputs": {"image": "rot"}},
        "out": {"type": "png.save", "params": {"path": "out/big.png"},
                "inputs": {"image": "small"}}})
    c, out, err, peak = run_child(["run", g, "--memory-limit", "256M", "--spill-dir", spill,
                                   "--threads", "2", "--stats=json"], d)
    eq(c, 0, "spilled run (stderr: %s)" % err.strip())
    s = stats(out)
    if check(s is not None, "stats printed"):
        nodes = {n["id"]: n for n in s["nodes"]}
        eq(nodes["src"]["spilled"], 900000000, "the checker's image spilled")
        eq(nodes["rot"]["spilled"], 900000000, "rotate's image spilled")
        check(s["mapped_peak"] <= 256 << 20,
              "mapped peak %d within the budget" % s["mapped_peak"])
        eq(s["limit"], 256 << 20, "limit")
    check(peak < 320 << 20, "peak RSS %.1f MiB < 320 MiB" % (peak / 1048576.0))
    print("spilled run: peak RSS %.1f MiB" % (peak / 1048576.0))
    p = os.path.join(d, "out", "big.png")
    if check(os.path.exists(p), "output written"):
        with open(p, "rb") as f:
            head = f.read(24)
        eq((int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")),
           (400, 300), "output size")
    eq(os.listdir(spill), [], "spill directory empty afterwards")
    os.remove(p)
    c, out, err, _ = run_child(["run", g, "--memory-limit", "256M", "--no-spill"], d)
    eq(c, 4, "--no-spill exit code (stderr: %s)" % err.strip())
    check(re.fullmatch(r"uberhost: big\.json: /nodes/src \(checker, [^)]*\): memory budget "
                       r"exceeded by output 'image' \(20000x15000\): asked 900000000 bytes "
                       r"with \d+ in use of 268435456 \(raise --memory-limit\)\n", err)
          is not None, "the budget message: %r" % err)
    check(not os.path.exists(p), "no output after the failure")


def case_threads(d):
    need_types("checker", "rotate", "blur", "png.save")
    # rotate (whole) holds its input and output, 2 x 1536x1024x4 = 12 MiB;
    # the strip nodes around it need row buffers per worker thread. With 16
    # threads asked and a budget that fits the images and the buffers of
    # only a few workers, the run lowers its threads rather than spill.
    g = write_graph(d, "t.json", {
        "src": {"type": "checker", "params": {"width": 1536, "height": 1024,
                                              "channels": 4}},
        "rot": {"type": "rotate", "params": {"angle": 180}, "inputs": {"image": "src"}},
        "soft": {"type": "blur", "params": {"sigma": 2}, "inputs": {"image": "rot"}},
        "out": {"type": "png.save", "params": {"path": "out/t.png", "compression": 1},
                "inputs": {"image": "soft"}}})
    # With all 16 workers the run holds more than 16 MiB.
    c, out, err = run("run", g, "--threads", "16", "--memory-limit", "1G", "--stats=json",
                      cwd=d)
    eq(c, 0, "run, roomy budget (stderr: %s)" % err)
    s = stats(out)
    if check(s is not None, "stats printed"):
        eq((s["threads"], s["threads_asked"]), (16, 16), "threads with a roomy budget")
        check(s["peak"] > 16 << 20, "16 workers need more than 16 MiB: %d" % s["peak"])
    c, out, err = run("plan", g, "--threads", "16", "--memory-limit", "1G", cwd=d)
    eq(c, 0, "plan, roomy budget (stderr: %s)" % err)
    check("(16 threads, budget 1024.0 MiB)" in out, "16 threads kept: %r" % out)
    c, out, err = run("plan", g, "--threads", "16", "--memory-limit", "16M", cwd=d)
    eq(c, 0, "plan, tight budget (stderr: %s)" % err)
    first = out.splitlines()[0] if out else ""
    check("lowered from 16 to fit the budget" in first, "threads lowered in the plan: %r" % first)
    c, out, err = run("run", g, "--threads", "16", "--memory-limit", "16M", "--stats=json",
                      cwd=d)
    eq(c, 0, "run, tight budget (stderr: %s)" % err)
    s = stats(out)
    if check(s is not None, "stats printed"):
        check(1 <= s["threads"] < 16, "threads used: %d" % s["threads"])
        eq(s.get("threads_asked"), 16, "threads asked")
        check(s["peak"] <= 16 << 20, "peak %d within the budget" % s["peak"])
        eq(s["spilled"], 0, "nothing spilled")
        check(s["mapped_peak"] <= 16 << 20, "mapped peak %d" % s["mapped_peak"])


CASES = {"sweep_default": case_sweep_default, "sweep_resize": case_sweep_resize,
         "sweep_mipmap": case_sweep_mipmap, "spill_big": case_spill_big,
         "threads": case_threads}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_memory.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    d = uhtest.scratch("memory_" + sys.argv[1])
    CASES[sys.argv[1]](d)
    uhtest.done()
