"""png.save's output in unwritable places: under a regular file (exit 6),
past a file size limit (ulimit -f: EFBIG), in a 0555 directory as user
nobody (exit 6, via setpriv when run as root; skipped otherwise), with no
file left behind and an existing file intact.

Usage: test_cli_output.py CORPUS"""

import os
import shutil
import subprocess

from clitest import graph, need_host, pngtest, uhtest

need_host()
tmp = uhtest.scratch("png_cli_output")
src = pngtest.corpus_file("ct2_d8_37x23.png")

# Under a regular file.
plain = os.path.join(tmp, "plain")
with open(plain, "w") as f:
    f.write("x")
g = graph(tmp, "g.json", src, os.path.join(plain, "x.png"))
uhtest.expect(["run", g], 6, contains=plain)
uhtest.eq(open(plain).read(), "x", "the regular file is untouched")

# A file size limit (ulimit -f 100 KiB, SIGXFSZ ignored so write() fails
# with EFBIG) below the 250 KB output: exit 6, nothing left, old file kept.
big = pngtest.corpus_file("big_rgba.png")
outdir = os.path.join(tmp, "fsize")
os.makedirs(outdir)
target = os.path.join(outdir, "big.png")
with open(target, "wb") as f:
    f.write(b"old")
e = dict(os.environ)
if uhtest.PLUGINS:
    e["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
# At the default level (libpng writes) and at 1 (the plugin's own writer).
for label, save in (("ulimit -f", None), ("ulimit -f, compression 1", {"compression": 1})):
    gbig = graph(tmp, "gbig.json", big, target, save=save)
    p = subprocess.run(["bash", "-c", 'trap "" XFSZ; ulimit -f 100; exec "$0" run "$1"',
                        uhtest.BIN, gbig], env=e, capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    uhtest.eq(p.returncode, 6, "%s: exit (%s)" % (label, err.strip()))
    uhtest.check("/nodes/out (png.save" in err and target in err and "File too large" in err,
                 "%s: stderr %r" % (label, err))
    uhtest.eq(os.listdir(outdir), ["big.png"], "%s: no temp file left" % label)
    uhtest.eq(open(target, "rb").read(), b"old", "%s: old file intact" % label)

# A read-only directory, as nobody.
setpriv = shutil.which("setpriv")
if os.geteuid() == 0 and setpriv:
    ro = os.path.join(tmp, "ro")
    os.makedirs(ro)
    keep = os.path.join(ro, "keep.png")
    with open(keep, "wb") as f:
        f.write(b"old")
    os.chmod(ro, 0o555)
    for p in (tmp, pngtest.CORPUS):  # nobody must read the graph and input
        os.chmod(p, 0o755)
    os.chmod(os.path.join(tmp, "g.json"), 0o644)
    gro = graph(tmp, "gro.json", src, keep)
    os.chmod(gro, 0o644)
    e = dict(os.environ)
    if uhtest.PLUGINS:
        e["UBERHOST_PLUGIN_PATH"] = uhtest.PLUGINS
    p = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        uhtest.BIN, "run", gro], env=e, capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    uhtest.eq(p.returncode, 6, "0555 directory as nobody: exit (%s)" % err.strip())
    uhtest.check(ro in err, "stderr names the directory: %r" % err)
    uhtest.eq(sorted(os.listdir(ro)), ["keep.png"], "nothing new in the 0555 directory")
    uhtest.eq(open(keep, "rb").read(), b"old", "the existing file is intact")
    os.chmod(ro, 0o755)
else:
    print("0555 case skipped: needs root and setpriv")

uhtest.done()
