"""Allocation-failure sweep through the minihost: for each case, the run is
repeated with allocation 1, 2, 3, ... failing (and every later one), and
each run must leak nothing, say why it failed, and exit 4 (out of memory)
or as the unfailed run did. Covers the decoder (every colour type, and
broken files), the streaming encoder (libpng's and, at compression 1-3,
the plugin's own), and the palette/interlace encoder.

Usage: test_oom.py CORPUS HARNESS"""

import os

import pngtest
from pngtest import uhtest

tmp = uhtest.scratch("png_oom")
dst = os.path.join(tmp, "o.png")
cases = [
    ("ct0_d1_37x23.png", ()), ("ct0_d16_trns_i_37x23.png", ()), ("ct2_d8_trns_37x23.png", ()),
    ("ct3_d4_trns_i_37x23.png", ()), ("ct4_d16_37x23.png", ()), ("ct6_d8_i_37x23.png", ()),
    ("space_iccp.png", ()), ("crc_ancillary.png", ()), ("trunc_idat.png", ()),
    ("crc_ihdr.png", ()), ("short_idat.png", ()), ("huge_60000x60000.png", ()),
    ("ct3_d8_trns_37x23.png", ("save.palette=true",)),
    ("ct6_d16_37x23.png", ("save.interlace=true", "save.depth=8")),
    ("ct3_d2_37x23.png", ("save.palette=true", "save.interlace=true")),
    # The own reader and writer: every allocation of both failing in turn.
    ("ct2_d16_37x23.png", ("save.compression=1",)),
    ("after_idat_chunks.png", ("save.compression=3",)),
    ("zlib_bad_header.png", ()), ("trunc_idat_crc.png", ()),
]
for name, opts in cases:
    args = ["oom", pngtest.corpus_file(name), dst, "--band", 4]
    for o in opts:
        args += ["--set", o]
    code, out, err = pngtest.harness(*args, timeout=600)
    uhtest.eq(code, 0, "%s %s: %s%s" % (name, opts, out.strip(), err.strip()))
    uhtest.check(out.startswith("ok: ") and int(out.split()[1]) >= 2,
                 "%s: swept %r" % (name, out.strip()))
    uhtest.check(not os.path.exists(dst + ".tmp"), "%s: temp file left" % name)
uhtest.done()
