"""jpeg.load on broken and hostile files, through the stand-in host
(driver.c): the exact exit code (3 decode, 4 limit, 5 bad parameter), the
message naming the file and the problem, no output, and fast (< 1 s)."""

import os

import jpegcorpus as jc
from drive import MKSCANS, drive
from uhtest import check, done, eq, scratch

d = scratch("jpeg_broken")
c = jc.build(d, MKSCANS)
out = os.path.join(d, "out.pnm")


def broken(name, code, text, *params, path=True):
    if os.path.exists(out):
        os.remove(out)
    got, err, secs = drive("load", c[name], out, *params)
    what = "%s %s" % (name, " ".join(params))
    eq(got, code, "%s: exit code (stderr %s)" % (what, err.strip()))
    want = "jpeg_driver: jpeg.load: " + (c[name] + ": " if path else "") + text
    check(want in err, "%s: %r not in stderr %r" % (what, want, err))
    check(not os.path.exists(out), "%s: output written" % what)
    check(secs < 1.0, "%s: took %.2f s" % (what, secs))


n = os.path.getsize(c["truncated.jpg"])
broken("truncated.jpg", 3, "truncated: the file ends after %d bytes, at row 78 of 192" % n)
broken("corrupt.jpg", 3, "corrupt data: more than 100 libjpeg warnings (max_warnings); "
       "the last: Corrupt JPEG data: premature end of data segment")
broken("corrupt.jpg", 3, "corrupt data: more than 0 libjpeg warnings (max_warnings); "
       "the last: Corrupt JPEG data: premature end of data segment", "max_warnings=0")
broken("baddht.jpg", 3, "Bogus Huffman table definition")
broken("nocomp.jpg", 3, "Empty JPEG image (DNL not supported)")
broken("huge.jpg", 4, "image is 65500x65500 = 4290250000 pixels, over max_pixels = 1000000000")
broken("big.jpg", 4, "image is 256x192, over max_dimension = 255", "max_dimension=255")
broken("big.jpg", 4, "image is 256x192 = 49152 pixels, over max_pixels = 49151",
       "max_pixels=49151")
broken("flatprog.jpg", 4, "a 1024x1024 multi-scan JPEG needs 2 MiB of coefficient memory, "
       "over max_memory_mib = 1", "max_memory_mib=1")
# Repeating the last (refinement) scan is an inconsistent progression: 63
# libjpeg warnings per repeat, so the warning cap stops it first; with the
# warnings allowed, the scan cap does.
broken("manyscans.jpg", 3, "corrupt data: more than 100 libjpeg warnings (max_warnings); "
       "the last: Inconsistent progression sequence for component 0 coefficient 37")
broken("manyscans.jpg", 4, "more than 1000 scans (max_scans)", "max_warnings=100000000")
broken("manyscans.jpg", 4, "more than 20 scans (max_scans)", "max_warnings=100000000",
       "max_scans=20")
if "scans2090.jpg" in c:
    broken("scans2090.jpg", 4, "more than 1000 scans (max_scans)")
if "twocomp.jpg" in c:
    broken("twocomp.jpg", 3, "unsupported colour space (2 components, no known transform)")
broken("twelvebit.jpg", 3, "Unsupported JPEG data precision 12")
broken("lossless.jpg", 3, "Unsupported JPEG process: SOF type 0xc3")
broken("png.jpg", 3, "not a JPEG file (starts like a PNG)")
broken("svg.jpg", 3, "not a JPEG file (starts like SVG/XML/HTML text)")
broken("empty.jpg", 3, "not a JPEG file (it is empty)")
broken("soi.jpg", 3, "truncated: the file ends after 2 bytes, in the header")
broken("base.jpg", 5, "shrink is 3; it must be 1, 2, 4 or 8", "shrink=3", path=False)

# A progressive file cut inside a scan.
with open(c["bigprog.jpg"], "rb") as f:
    data = f.read()
p = os.path.join(d, "progcut.jpg")
with open(p, "wb") as f:
    f.write(data[:len(data) * 2 // 3])
c["progcut.jpg"] = p
broken("progcut.jpg", 3, "truncated: the file ends after %d bytes, in scan" % (len(data) * 2 // 3))

# A missing file.
got, err, _ = drive("load", os.path.join(d, "nothere.jpg"), out)
eq(got, 5, "missing file: exit code")
check("nothere.jpg" in err, "missing file: path not in %r" % err)

done()
