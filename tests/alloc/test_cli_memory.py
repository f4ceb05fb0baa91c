"""End-to-end checks of the allocator through the CLI: spilling images over
--memory-limit (bytes identical to an unspilled run), the tmpfs refusal,
--no-spill, --spill-limit, and an allocation-failure sweep (--fail-alloc N
for N = 1, 2, ... until the run succeeds).

Usage: test_cli_memory.py CASE   (spill, tmpfs, nospill, spill_limit, sweep)
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402
from uhtest import check, eq, expect, run  # noqa: E402

W = H = 2048            # 2048 x 2048 RGBA u8 = 16 MiB per image
IMG = W * H * 4
LIMIT = 8 << 20         # --memory-limit 8M: every image passes it


def graph(d, w=W, h=H, out="out/r.png"):
    g = {"uberhost": 1, "nodes": {
        "src": {"type": "checker", "params": {"width": w, "height": h, "channels": 4,
                                              "frequency": 13}},
        "f": {"type": "rotate", "params": {"angle": 90}, "inputs": {"image": "src"}},
        "out": {"type": "png.save", "params": {"path": out}, "inputs": {"image": "f"}}}}
    p = os.path.join(d, "g.json")
    with open(p, "w") as f:
        json.dump(g, f)
    return "g.json"


def need_types():
    c, out, _ = run("list")
    have = {line.split()[0] for line in out.splitlines() if line.strip()}
    missing = {"checker", "rotate", "png.save"} - have
    if c != 0 or missing:
        print("skip: node types missing: %s" % sorted(missing))
        sys.exit(77)


def ihdr(path):
    with open(path, "rb") as f:
        head = f.read(26)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def stats(err_or_out):
    """The JSON object printed by --stats=json (on stdout or stderr)."""
    for line in err_or_out.splitlines():
        line = line.strip()
        if line.startswith("{") and '"nodes"' in line:
            return json.loads(line)
    return None


def case_spill(d):
    g = graph(d)
    spill_dir = os.path.join(d, "spill")
    os.makedirs(spill_dir)
    c, out, err = run("run", g, "--threads", "2", "--memory-limit", "1G", "--stats=json",
                      cwd=d)
    eq(c, 0, "unspilled run (stderr: %s)" % err.strip())
    s = stats(out) or stats(err)
    if check(s is not None, "stats JSON printed"):
        eq(s["spilled"], 0, "nothing spills under 1G")
    os.rename(os.path.join(d, "out", "r.png"), os.path.join(d, "plain.png"))

    c, out, err = run("run", g, "--threads", "2", "--memory-limit", "8M",
                      "--spill-dir", spill_dir, "--stats=json", cwd=d)
    eq(c, 0, "spilled run (stderr: %s)" % err.strip())
    s = stats(out) or stats(err)
    if check(s is not None, "stats JSON printed"):
        nodes = {n["id"]: n for n in s["nodes"]}
        eq(nodes["src"]["spilled"], IMG, "src's output image spilled")
        eq(nodes["f"]["spilled"], IMG, "rotate's output image spilled")
        eq(s["spilled"], 2 * IMG, "run spilled bytes")
        check(s["mapped_peak"] <= LIMIT, "mapped peak %d within the budget" % s["mapped_peak"])
        eq(s["limit"], LIMIT, "limit reported")
    eq(os.listdir(spill_dir), [], "spill directory left empty")
    out_png = os.path.join(d, "out", "r.png")
    eq(ihdr(out_png), (H, W), "rotated size")
    with open(out_png, "rb") as a, open(os.path.join(d, "plain.png"), "rb") as b:
        check(a.read() == b.read(), "spilled run writes the same bytes as the unspilled one")


def case_tmpfs(d):
    if not os.path.isdir("/dev/shm"):
        sys.exit(77)
    with open("/proc/mounts") as f:
        on_tmpfs = any(l.split()[1] == "/dev/shm" and l.split()[2] == "tmpfs" for l in f)
    if not on_tmpfs:
        print("skip: /dev/shm is not tmpfs")
        sys.exit(77)
    g = graph(d)
    c, _, err = run("run", g, "--memory-limit", "8M", "--spill-dir", "/dev/shm", cwd=d)
    eq(c, 4, "exit code (stderr: %s)" % err.strip())
    check(err.startswith("uberhost: g.json: /nodes/src (checker, "), "node named: %r" % err)
    check(err.endswith("): cannot allocate output 'image' (%d bytes): "
                       "spill directory /dev/shm is on tmpfs (RAM)\n" % IMG),
          "reason given: %r" % err)
    check(not os.path.exists(os.path.join(d, "out", "r.png")), "no output after the failure")


def case_nospill(d):
    g = graph(d)
    c, _, err = expect(["run", g, "--memory-limit", "8M", "--no-spill"], 4, cwd=d,
                       contains="memory budget exceeded by output 'image' (2048x2048): "
                                "asked %d bytes with " % IMG)
    check(("of %d (raise --memory-limit)\n" % LIMIT) in err, "budget named: %r" % err)
    check(not os.path.exists(os.path.join(d, "out", "r.png")), "no output after the failure")


def case_spill_limit(d):
    g = graph(d)
    spill_dir = os.path.join(d, "spill")
    os.makedirs(spill_dir)
    # src's 16 MiB image is spilled and still live when rotate's is asked for.
    c, _, err = run("run", g, "--memory-limit", "8M", "--spill-dir", spill_dir,
                    "--spill-limit", "20M", cwd=d)
    eq(c, 4, "exit code (stderr: %s)" % err.strip())
    check(err.startswith("uberhost: g.json: /nodes/f (rotate, "), "node named: %r" % err)
    check(err.endswith("): spill space exceeded by output 'image' (2048x2048): asked %d "
                       "bytes with %d in use of %d\n" % (IMG, IMG, 20 << 20)),
          "spill limit named: %r" % err)
    expect(["run", g, "--memory-limit", "8M", "--spill-dir", spill_dir,
            "--spill-limit", "32M"], 0, cwd=d)
    eq(os.listdir(spill_dir), [], "spill directory left empty")


def case_sweep(d):
    g = graph(d, 96, 64)
    out_png = os.path.join(d, "out", "r.png")
    expect(["run", g, "--threads", "1"], 0, cwd=d)
    with open(out_png, "rb") as f:
        want = f.read()
    os.remove(out_png)
    n = 1
    while n < 500:
        c, _, err = run("run", g, "--threads", "1", "--fail-alloc", str(n), cwd=d)
        if c == 0:
            break
        eq(c, 4, "exit code with allocation %d failing (stderr: %s)" % (n, err.strip()))
        check("injected failure (allocation %d)" % n in err,
              "allocation %d named in %r" % (n, err))
        check(not os.path.exists(out_png), "no output when allocation %d fails" % n)
        n += 1
    check(n > 3, "the run makes several allocations (%d)" % n)
    check(n < 500, "the sweep ends")
    with open(out_png, "rb") as f:
        eq(f.read() == want, True, "output after the sweep equals the reference")
    # Persistent: every allocation from N on fails; still exit 4, still clean.
    for k in (1, n // 2, n - 1):
        os.path.exists(out_png) and os.remove(out_png)
        expect(["run", g, "--threads", "1", "--fail-alloc", str(k),
                "--fail-alloc-persistent"], 4, cwd=d,
               contains="injected failure (allocation %d)" % k)
        check(not os.path.exists(out_png), "no output with persistent failure from %d" % k)


CASES = {"spill": case_spill, "tmpfs": case_tmpfs, "nospill": case_nospill,
         "spill_limit": case_spill_limit, "sweep": case_sweep}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_cli_memory.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    need_types()
    d = uhtest.scratch("alloc_cli_" + sys.argv[1])
    CASES[sys.argv[1]](d)
    uhtest.done()
