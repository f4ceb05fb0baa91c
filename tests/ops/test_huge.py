"""Runs graphs/huge.json (a 20000x15000 procedural checker, resize by 0.1,
blur, png.save) under --memory-limit 128M and checks --stats reports a peak
under 128 MiB and that the output is 2000x1500. Slow: skipped (77) under
sanitizers, and when the host's --stats output has no run peak."""

import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import uhtest  # noqa: E402

UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def main():
    if uhtest.SANITIZED:
        print("skipped under sanitizers (slow)")
        sys.exit(77)
    d = uhtest.scratch("ops_huge")
    out = os.path.join(d, "huge.png")
    c, so, err = uhtest.run("run", os.path.join(uhtest.SRC, "graphs", "huge.json"), "--set", "output=" + out,
                            "--memory-limit", "128M", "--stats", "--threads", "2")
    uhtest.eq(c, 0, "huge.json under --memory-limit 128M (%s)" % err.strip()[-2000:])
    m = re.search(r"run: peak ([0-9.]+) (B|KiB|MiB|GiB)", so + err)
    if c == 0 and not m:
        print("no run peak in --stats output: skipped", file=sys.stderr)
        sys.exit(77)
    if m:
        peak = float(m.group(1)) * UNITS[m.group(2)]
        uhtest.check(peak < 128 * (1 << 20), "peak %s %s is not under 128 MiB" % (m.group(1), m.group(2)))
        print("peak %s %s" % (m.group(1), m.group(2)))
    if c == 0:
        with open(out, "rb") as f:
            head = f.read(26)
        uhtest.eq(struct.unpack(">II", head[16:24]), (2000, 1500), "output size")
        uhtest.eq(head[24:26], b"\x08\x02", "8-bit RGB output")
    uhtest.done()


if __name__ == "__main__":
    main()
