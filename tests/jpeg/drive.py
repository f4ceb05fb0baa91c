"""Runs jpeg.so's nodes through tests/jpeg/driver.c (a stand-in host)."""

import os
import subprocess
import sys
import time

import jpegcorpus

DRIVER = sys.argv[1] if len(sys.argv) > 1 else "jpeg_driver"
MKSCANS = sys.argv[2] if len(sys.argv) > 2 else None
PLUGIN = os.path.join(os.environ.get("UH_PLUGINS", "."), "jpeg.so")


def drive(mode, src, dst, *params):
    """(exit code, stderr, seconds) of one driver run."""
    t = time.monotonic()
    p = subprocess.run([DRIVER, PLUGIN, mode, src, dst] + [str(x) for x in params],
                       capture_output=True, timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace"), time.monotonic() - t


def load(src, *params, out=None):
    """Decodes src; returns ((w, h, ch, px) or None, exit code, stderr)."""
    out = out or os.path.join(os.path.dirname(src), "decoded.pnm")
    if os.path.exists(out):
        os.remove(out)
    code, err, _ = drive("load", src, out, *params)
    img = jpegcorpus.read_pnm(out) if code == 0 else None
    return img, code, err
