"""jpeg.save through the stand-in host (driver.c). With the same settings
the plugin writes the same bytes as cjpeg (both are libjpeg-turbo with its
defaults), so most checks are byte comparisons with cjpeg's output; the
headers are also checked directly (SOF sampling factors, DQT scaling for
the quality) and the decoded pixels against the source by PSNR."""

import math
import os

import jpegcorpus as jc
from drive import drive
from uhtest import check, done, eq, scratch

jc.need("cjpeg", "djpeg")
d = scratch("jpeg_save")
W, H = jc.W, jc.H
rgb = jc.pattern(W, H, 3)
grey = jc.pattern(W, H, 1, seed=5)
pam = os.path.join(d, "rgb.pam")
jc.write_pam(pam, W, H, 3, rgb)
ppm = os.path.join(d, "rgb.ppm")
jc.write_pnm(ppm, W, H, 3, rgb)
gpam = os.path.join(d, "grey.pam")
jc.write_pam(gpam, W, H, 1, grey)
pgm = os.path.join(d, "grey.pgm")
jc.write_pnm(pgm, W, H, 1, grey)
count = [0]


def save(src, *params):
    """Bytes written by jpeg.save, or None (with a failed check)."""
    count[0] += 1
    out = os.path.join(d, "out%d.jpg" % count[0])
    code, err, _ = drive("save", src, out, *params)
    if not eq(code, 0, "save %s %s: exit code (stderr %s)" % (src, params, err.strip())):
        return None
    with open(out, "rb") as f:
        return f.read()


def cj(src, *args):
    out = os.path.join(d, "cjpeg.jpg")
    jc.cjpeg(src, out, *args)
    with open(out, "rb") as f:
        return f.read()


def strip_app0(data):
    for m, off, p in jc.segments(data):
        if m == 0xE0:
            return data[:off] + data[off + 4 + len(p):]
    return data


SAMPLE = {"444": "1x1", "422": "2x1", "420": "2x2"}

# Byte-identical to cjpeg (strip=false adds the JFIF APP0 cjpeg writes).
# (Quality 25 and up: below, cjpeg leaves baseline tables off and writes
# 16-bit quantisers; jpeg.save always keeps them 8-bit, baseline.)
for q in (25, 50, 85, 90, 100):
    for sub in ("auto", "444", "422", "420"):
        eff = sub if sub != "auto" else ("420" if q < 90 else "444")
        got = save(pam, "strip=false", "quality=%d" % q, "subsampling=" + sub)
        check(got == cj(ppm, "-quality", str(q), "-sample", SAMPLE[eff]),
              "quality %d subsampling %s: not the bytes of cjpeg -sample %s" % (q, sub, SAMPLE[eff]))
for extra, args in ((["progressive=true"], ["-progressive"]),
                    (["optimize=true"], ["-optimize"]),
                    (["progressive=true", "optimize=true"], ["-progressive", "-optimize"])):
    got = save(pam, "strip=false", *extra)
    check(got == cj(ppm, "-quality", "85", *args), "%s: not the bytes of cjpeg %s" % (extra, args))
check(save(gpam, "strip=false", "quality=70") == cj(pgm, "-quality", "70"),
      "grey: not the bytes of cjpeg of the PGM")

# strip=true (the default): no APPn segment at all, otherwise the same.
got = save(pam)
check(got == strip_app0(cj(ppm, "-quality", "85")), "strip=true: not cjpeg's bytes minus APP0")
if got:
    check(all(not (0xE0 <= m <= 0xEF) and m != 0xFE for m, _, _ in jc.segments(got)),
          "strip=true: an APPn or COM segment was written")

# The headers say what was asked, read directly.
for q, sub, want in ((85, "auto", (2, 2)), (90, "auto", (1, 1)), (50, "422", (2, 1)),
                     (95, "420", (2, 2)), (30, "444", (1, 1))):
    got = save(pam, "quality=%d" % q, "subsampling=" + sub)
    if got:
        f = jc.sof(got)
        eq(f["marker"], 0xC0, "q%d %s: baseline SOF0" % (q, sub))
        eq([(h, v) for _, h, v, _ in f["comps"]], [want, (1, 1), (1, 1)],
           "q%d %s: SOF sampling factors" % (q, sub))
        eq(jc.dqt(got)[0][0], jc.libjpeg_dqt0(q), "q%d: luminance DC quantiser" % q)
got = save(pam, "quality=100")
if got:
    eq(set(jc.dqt(got)[0]), {1}, "quality 100: all quantisers 1")
got = save(pam, "progressive=true")
if got:
    eq(jc.sof(got)["marker"], 0xC2, "progressive: SOF2")
    check(jc.count_scans(got) > 1, "progressive: more than one scan")
got = save(gpam)
if got:
    eq(len(jc.sof(got)["comps"]), 1, "grey: one component")

# Decoded pixels against the source (a smooth image: the test pattern's
# saturated checkerboard is a worst case for chroma subsampling).
smooth = bytes((x * 3 + y) & 255 if c == 0 else (y * 5) & 255 if c == 1 else 128
               for y in range(H) for x in range(W) for c in range(3))
spam = os.path.join(d, "smooth.pam")
jc.write_pam(spam, W, H, 3, smooth)
for q, sub, floor in ((85, "auto", 40.0), (85, "444", 42.0), (100, "444", 50.0)):
    out = os.path.join(d, "psnr.jpg")
    code, err, _ = drive("save", spam, out, "quality=%d" % q, "subsampling=" + sub)
    if eq(code, 0, "psnr save"):
        img = jc.djpeg(out)
        eq(img[:3], (W, H, 3), "decoded geometry")
        p = jc.psnr(img[3], smooth)
        print("quality %d %s: PSNR %.1f dB" % (q, sub, p))
        check(p > floor, "quality %d %s: PSNR %.1f dB, want > %.0f" % (q, sub, p, floor))

# Alpha is dropped; 16-bit and float input round to the same 8-bit values;
# the band heights the host picks do not change the bytes.
want = save(pam, "band=1")
check(save(pam, "band=13") == want, "band heights 1 and 13: bytes differ")
rgba = bytearray()
for i in range(W * H):
    rgba += rgb[3 * i:3 * i + 3] + bytes([i & 255])
p4 = os.path.join(d, "rgba.pam")
jc.write_pam(p4, W, H, 4, rgba)
check(save(p4) == want, "RGBA: not the bytes of RGB")
ga = bytearray()
for i in range(W * H):
    ga += bytes([grey[i], 255 - (i & 255)])
p2 = os.path.join(d, "ga.pam")
jc.write_pam(p2, W, H, 2, ga)
check(save(p2) == save(gpam), "grey+alpha: not the bytes of grey")
p16 = os.path.join(d, "rgb16.pam")
jc.write_pam(p16, W, H, 3, [v * 257 for v in rgb], maxval=65535)
check(save(p16) == want, "u16 input (v * 257): not the bytes of u8")
check(save(pam, "sample=f32") == want, "f32 input (v / 255): not the bytes of u8")
check(save(p16, "sample=f32") == want, "f32 from u16: not the bytes of u8")

# Linear input is encoded with the sRGB curve: flat linear 0.5 -> 188.
flat = os.path.join(d, "flat.pam")
jc.write_pam(flat, 16, 16, 1, bytes([128]) * 256)
out = os.path.join(d, "linear.jpg")
code, err, _ = drive("save", flat, out, "space=linear", "quality=95")
if eq(code, 0, "linear save"):
    v = 128 / 255
    s = 1.055 * math.pow(v, 1 / 2.4) - 0.055
    img = jc.djpeg(out)
    check(all(abs(x - round(s * 255)) <= 1 for x in img[3]),
          "linear 0.5: got %s, want %d" % (sorted(set(img[3])), round(s * 255)))

# Tiny images.
for w, h in ((1, 1), (1, 17), (17, 1)):
    p = os.path.join(d, "tiny.pam")
    jc.write_pam(p, w, h, 3, jc.pattern(w, h, 3))
    got = save(p)
    if got:
        eq((jc.sof(got)["width"], jc.sof(got)["height"]), (w, h), "%dx%d: SOF size" % (w, h))

# Wider than a JPEG can hold: refused in prepare, exit 4.
wide = os.path.join(d, "wide.pam")
jc.write_pam(wide, 65536, 1, 1, bytes(65536))
code, err, _ = drive("save", wide, os.path.join(d, "wide.jpg"))
eq(code, 4, "65536 wide: exit code")
check("the image is 65536x1; a JPEG holds at most 65535 pixels per side" in err,
      "65536 wide: message %r" % err)
check(not os.path.exists(os.path.join(d, "wide.jpg")), "65536 wide: file written")

# An output that cannot be opened: exit 6, path named, nothing written.
bad = os.path.join(d, "no", "such", "dir", "x.jpg")
code, err, _ = drive("save", pam, bad)
eq(code, 6, "unwritable output: exit code")
check(bad in err, "unwritable output: path not in %r" % err)

done()
