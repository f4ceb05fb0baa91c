"""Replays the corpus through the fuzz target (fuzz_png.c): every file,
with the band height and a failing allocation picked from its bytes, must
run without a crash, leak or sanitizer report.

Usage: test_fuzz.py CORPUS FUZZ_BINARY"""

import os
import subprocess
import sys

import pngtest
from pngtest import uhtest

files = sorted(os.path.join(pngtest.CORPUS, f) for f in os.listdir(pngtest.CORPUS)
               if f.endswith(".png") and not f.startswith("bomb"))
env = dict(os.environ, PNG_PLUGIN=pngtest.PLUGIN)
p = subprocess.run([sys.argv[2]] + files, env=env, capture_output=True, timeout=600)
err = p.stderr.decode("utf-8", "replace")
uhtest.eq(p.returncode, 0, "fuzz_png over %d files (stderr: %s)" % (len(files), err[-2000:]))
uhtest.check(len(files) > 100, "corpus has %d files" % len(files))
uhtest.done()
