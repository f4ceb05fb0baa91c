"""jpeg.load pixels, through the stand-in host (driver.c): every good file
of the corpus decodes to exactly what djpeg gives for the same file (same
libjpeg-turbo, same defaults: islow IDCT, fancy upsampling), at every
shrink factor and band height; EXIF orientations 1-8 give djpeg's pixels
rotated/mirrored in Python; CMYK matches ImageMagick's conversion."""

import os

import jpegcorpus as jc
from drive import MKSCANS, load
from uhtest import check, done, eq, scratch

d = scratch("jpeg_decode")
c = jc.build(d, MKSCANS)


def same(name, *params, ref=None, what=None):
    img, code, err = load(c[name], *params)
    what = what or "%s %s" % (name, " ".join(map(str, params)))
    if not eq(code, 0, "%s: exit code (stderr %s)" % (what, err.strip())):
        return None, err
    ref = ref or jc.djpeg(c[name])
    eq(img[:3], ref[:3], what + ": geometry")
    check(img[3] == ref[3], "%s: pixels differ from djpeg (max diff %d)" %
          (what, jc.maxdiff(img[3], ref[3])))
    return img, err


# Exact match with djpeg, several band heights (band=N: the driver asks for
# bands of N, N+3, ... rows).
for name in ("base.jpg", "prog.jpg", "grey.jpg", "greyprog.jpg", "s444.jpg",
             "s422.jpg", "arith.jpg", "restart.jpg", "big.jpg", "bigprog.jpg"):
    for band in (1, 7, 64):
        same(name, "band=%d" % band)

# Channels: grey is 1 channel, colour 3.
eq(load(c["grey.jpg"])[0][2], 1, "grey.jpg channels")
eq(load(c["base.jpg"])[0][2], 3, "base.jpg channels")

# Shrink by DCT scaling: djpeg -scale 1/N.
for name in ("base.jpg", "prog.jpg", "grey.jpg", "big.jpg"):
    for n in (1, 2, 4, 8):
        same(name, "shrink=%d" % n, ref=jc.djpeg(c[name], "-scale", "1/%d" % n))

# EXIF orientation 1-8, colour (big-endian EXIF) and grey (little-endian),
# against djpeg's pixels of the same file turned in Python.
for o in range(1, 9):
    for name in ("orient%d.jpg" % o, "greyorient%d.jpg" % o):
        same(name, ref=jc.orient(jc.djpeg(c[name]), o))
        same(name, "shrink=2", ref=jc.orient(jc.djpeg(c[name], "-scale", "1/2"), o))
        same(name, "autorotate=false", ref=jc.djpeg(c[name]))
for name, o in (("orient6le.jpg", 6), ("orient6long.jpg", 6),
                ("orient6prog.jpg", 6), ("orient8xmp.jpg", 8),
                ("exifcount.jpg", 3)):
    same(name, ref=jc.orient(jc.djpeg(c[name]), o))

# The Python reference above is itself checked against jpegtran's lossless
# transforms, on an MCU-aligned 4:4:4 file (5-8 transpose the IDCT input,
# so they agree to rounding only: PSNR > 50 dB).
if jc.shutil.which("jpegtran"):
    import subprocess
    jc.write_pnm(os.path.join(d, "al.ppm"), 64, 48, 3, jc.pattern(64, 48, 3))
    al = jc.cjpeg(os.path.join(d, "al.ppm"), os.path.join(d, "al.jpg"),
                  "-sample", "1x1", "-quality", "95")
    ops = {2: ["-flip", "horizontal"], 3: ["-rotate", "180"],
           4: ["-flip", "vertical"], 5: ["-transpose"], 6: ["-rotate", "90"],
           7: ["-transverse"], 8: ["-rotate", "270"]}
    with open(al, "rb") as f:
        aldata = f.read()
    for o, args in ops.items():
        t = os.path.join(d, "al%d.jpg" % o)
        subprocess.run(["jpegtran"] + args + ["-outfile", t, al], check=True)
        ref = jc.djpeg(t)
        p = os.path.join(d, "alexif%d.jpg" % o)
        with open(p, "wb") as f:
            f.write(jc.with_app1(aldata, jc.exif_app1(o)))
        img, code, err = load(p)
        if eq(code, 0, "alexif%d.jpg exit code" % o):
            eq(img[:3], ref[:3], "orientation %d geometry vs jpegtran" % o)
            check(jc.psnr(img[3], ref[3]) > 50, "orientation %d vs jpegtran %s: PSNR %.1f"
                  % (o, " ".join(args), jc.psnr(img[3], ref[3])))

# Out-of-range or unreadable EXIF: ignored with a warning, image as stored.
for name, text in (("orient9.jpg", "EXIF orientation 9 is not in 1-8; ignored"),
                   ("orient0.jpg", "EXIF orientation 0 is not in 1-8; ignored"),
                   ("exifoff.jpg", "EXIF ignored: EXIF IFD0 offset points outside the block")):
    img, err = same(name)
    check(text in err, "%s: %r not in %r" % (name, text, err))

# Thousands of APPn markers and a huge split ICC profile (100 chunks that
# claim to be 3): only the first EXIF block is used; the ICC chunks are
# kept (for the icc output) until the fourth one, numbered 4 of 3, shows
# the sequence is inconsistent, then dropped with a warning. With
# max_icc_bytes 0 nothing is stored and allocations stay under 256 KiB;
# by default the three kept chunks (3 x 65519 bytes) come on top.
def peak_of(err):
    return int(err.split("jpeg_driver: peak ")[1].split()[0]) if "jpeg_driver: peak " in err else -1


ref = jc.orient(jc.djpeg(c["manyapp.jpg"]), 3)
img, err = same("manyapp.jpg", "max_icc_bytes=0", ref=ref)
check(0 <= peak_of(err) < 256 * 1024,
      "manyapp.jpg max_icc_bytes=0: plugin allocations peaked at %d bytes" % peak_of(err))
check("ICC" not in err, "manyapp.jpg max_icc_bytes=0: no ICC warning: %r" % err)
img, err = same("manyapp.jpg", ref=ref)
check(0 <= peak_of(err) < 256 * 1024 + 3 * 65519,
      "manyapp.jpg: plugin allocations peaked at %d bytes" % peak_of(err))
check("ICC profile ignored: chunk number 4 of 3" in err,
      "manyapp.jpg: ICC warning missing: %r" % err)

# A file that only lacks its EOI marker decodes fully, with a warning.
img, err = same("noeoi.jpg")
check("no EOI marker at the end" in err, "noeoi.jpg: warning missing: %r" % err)

# CMYK (Adobe, as ImageMagick writes it): simple (1-C)(1-K) conversion,
# which is also what ImageMagick's -colorspace sRGB does without profiles.
# Tolerance 1 (rounding of the two conversions).
if "cmyk.jpg" in c:
    import subprocess
    p = subprocess.run(["convert", c["cmyk.jpg"], "-colorspace", "sRGB", "ppm:-"],
                       capture_output=True, check=True)
    ref = jc.parse_pnm(p.stdout)
    img, code, err = load(c["cmyk.jpg"])
    if eq(code, 0, "cmyk.jpg exit code (%s)" % err.strip()):
        eq(img[:3], ref[:3], "cmyk.jpg geometry")
        check(jc.maxdiff(img[3], ref[3]) <= 1,
              "cmyk.jpg: max diff %d from ImageMagick" % jc.maxdiff(img[3], ref[3]))
        src = jc.read_pnm(os.path.join(d, "big.ppm"))
        check(jc.psnr(img[3], src[3]) > 30, "cmyk.jpg: PSNR vs source %.1f" %
              jc.psnr(img[3], src[3]))

# 2090 legal scans decode when max_scans allows them.
if "scans2090.jpg" in c:
    same("scans2090.jpg", "max_scans=3000")

done()
