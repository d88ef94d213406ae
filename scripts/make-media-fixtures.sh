#!/bin/sh
# Regenerates the media fixtures in test/fixtures/media/ (documents, a scan, a photo, a voice note).
#
# The fixtures are committed, so tests and CI never need these tools: run this only to change them,
# then commit the results (each file stays < 200 KB). Needs Debian's packages, installed below when
# missing (as root; `apt-get update` first):
#   imagemagick (IM 6: text → image, noise, rotation, the photo), fonts-dejavu-core (the scan's font),
#   ghostscript (PostScript → a real text PDF, with URW's Helvetica clone embedded), img2pdf (JPEG → a
#   scanned PDF without re-encoding), qpdf (an encrypted PDF), espeak-ng (text to speech) and ffmpeg
#   (WAV → Ogg/Opus), zip (the .docx-like file).
#
# What each file is (and what the tests assert on it):
#   invoice.pdf      one A4 page of real PDF text (Helvetica): "Invoice INV-2041", "Total 59.90 EUR", …
#   encrypted.pdf    invoice.pdf encrypted with qpdf (user password "parley"): cannot be opened
#   corrupt.pdf      the first 300 bytes of invoice.pdf: a header and no page
#   scan-letter.jpg  a "scanned" printed page: text rendered with DejaVu Sans at ~150 dpi, rotated
#                    1.2°, Gaussian noise, a grey cast, JPEG q70; known words: parcel, delivered,
#                    warehouse, refund, support, 1042
#   scanned.pdf      scan-letter.jpg embedded as is in a PDF page (no text layer): needs OCR
#   id-card.png      a made-up ID card ("IDENTITY CARD / CARTE D'IDENTITE", surname, date of birth…),
#                    slightly rotated, light noise, 16-colour PNG: must be flagged sensitive
#   photo.jpg        a photo-like picture (fractal plasma background, soft shapes, blur): for vision
#                    tests; no text in it
#   voice-note.ogg   espeak-ng saying "Hello, I would like to return my order one zero four two",
#                    encoded as WhatsApp sends voice notes: Ogg/Opus mono 48 kHz (audio/ogg; codecs=opus)
#   unsupported.docx a minimal Word (OOXML zip) document: a type Parley does not read
set -eu
cd "$(dirname "$0")/.."
OUT=test/fixtures/media
mkdir -p "$OUT"

need() {
  missing=""
  for pair in "$@"; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  # /usr/local/bin/convert may be a stand-in: we call Debian's IM 6 by its full name.
  [ -x /usr/bin/convert-im6.q16 ] || missing="$missing imagemagick"
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
  if [ -n "$missing" ]; then
    echo "make-media-fixtures: installing$missing" >&2
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
}
need gs:ghostscript img2pdf:img2pdf qpdf:qpdf espeak-ng:espeak-ng ffmpeg:ffmpeg zip:zip

IM=/usr/bin/convert-im6.q16
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Reproducible timestamps where the tools honour it.
export SOURCE_DATE_EPOCH=1710374400

# ── invoice.pdf: PostScript with real text → PDF ────────────────────────────────────────────────
cat >"$TMP/invoice.ps" <<'EOF'
%!PS-Adobe-3.0
%%BoundingBox: 0 0 595 842
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 20 scalefont setfont
60 770 moveto (Invoice INV-2041) show
/Helvetica findfont 11 scalefont setfont
60 740 moveto (Parley Home, 12 Rue des Lilas, 75011 Paris) show
60 725 moveto (Date: 14 March 2024) show
60 710 moveto (Customer: Jane Doe, order 1042) show
60 670 moveto (2 x Linen cushion cover: 49.90 EUR) show
60 655 moveto (Shipping: 10.00 EUR) show
/Helvetica-Bold findfont 12 scalefont setfont
60 625 moveto (Total 59.90 EUR) show
/Helvetica findfont 11 scalefont setfont
60 595 moveto (Payment received by card on 14 March 2024.) show
60 580 moveto (Thank you for shopping with Parley Home.) show
showpage
EOF
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -dCompatibilityLevel=1.5 \
  -sOutputFile="$OUT/invoice.pdf" "$TMP/invoice.ps"

# ── encrypted.pdf / corrupt.pdf ─────────────────────────────────────────────────────────────────
qpdf --encrypt parley parley-owner 256 -- "$OUT/invoice.pdf" "$OUT/encrypted.pdf"
head -c 300 "$OUT/invoice.pdf" >"$OUT/corrupt.pdf"

# ── scan-letter.png: a printed letter, "scanned" ────────────────────────────────────────────────
cat >"$TMP/letter.txt" <<'EOF'
Customer Service Department
Parley Home Logistics

Dear customer,

Your parcel for order 1042 was delivered
to our warehouse on 12 March.

The item arrived damaged, so we will issue
a full refund within five working days.

For any question, please contact support.
EOF
$IM -size 1100x900 xc:white -font "$FONT" -pointsize 30 -fill '#222222' \
  -annotate +70+90 "$(cat "$TMP/letter.txt")" \
  -background white -rotate 1.2 -gravity center -extent 1100x900 \
  -attenuate 0.6 +noise Gaussian -colorspace Gray -fill '#f3f1ea' -colorize 4% \
  -quality 70 -strip "$OUT/scan-letter.jpg"

# ── scanned.pdf: the same JPEG inside a PDF page (no text layer), at 150 dpi ────────────────────
img2pdf --imgsize 150dpi -o "$OUT/scanned.pdf" "$OUT/scan-letter.jpg"

# ── id-card.jpg: a made-up identity card, photographed ──────────────────────────────────────────
cat >"$TMP/id.txt" <<'EOF'
REPUBLIQUE FRANCAISE
CARTE D'IDENTITE / IDENTITY CARD

Nom / Surname: MARTIN
Prenoms / Given names: Claire Sophie
Ne(e) le / Date of birth: 03.07.1988
Document No: X4RTBPFW4
EOF
$IM -size 900x560 xc:'#e8eef5' -fill '#c9d6e6' -draw 'roundrectangle 20,20 880,540 30,30' \
  -fill '#9aaac0' -draw 'rectangle 640,150 840,420' \
  -font "$FONT" -pointsize 26 -fill '#1b1b1b' -annotate +50+70 "$(cat "$TMP/id.txt")" \
  -background '#777777' -rotate -1.5 -attenuate 0.2 +noise Gaussian \
  -colors 16 -depth 8 -strip "$OUT/id-card.png"

# ── photo.jpg: photo-like, no text ──────────────────────────────────────────────────────────────
$IM -seed 4242 -size 640x480 plasma:'#5a7d9a'-'#d9c8a9' -blur 0x3 \
  -fill '#b0413e' -draw 'circle 320,260 320,150' \
  -fill '#2f4f4f' -draw 'rectangle 80,330 260,450' \
  -fill '#f2e3bc' -draw 'ellipse 500,120 70,40 0,360' \
  -blur 0x1.5 -attenuate 0.3 +noise Gaussian -quality 80 -strip "$OUT/photo.jpg"

# ── voice-note.ogg: Ogg/Opus mono 48 kHz, as WhatsApp records them ──────────────────────────────
espeak-ng -v en-us -s 150 -w "$TMP/voice.wav" \
  "Hello, I would like to return my order one zero four two."
ffmpeg -hide_banner -loglevel error -y -i "$TMP/voice.wav" -ac 1 -ar 48000 \
  -c:a libopus -b:a 24k -application voip -map_metadata -1 -fflags +bitexact \
  "$OUT/voice-note.ogg"

# ── unsupported.docx: a minimal OOXML Word document ─────────────────────────────────────────────
mkdir -p "$TMP/docx/_rels" "$TMP/docx/word"
cat >"$TMP/docx/[Content_Types].xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
EOF
cat >"$TMP/docx/_rels/.rels" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
EOF
cat >"$TMP/docx/word/document.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Return request for order 1042.</w:t></w:r></w:p></w:body></w:document>
EOF
find "$TMP/docx" -exec touch -d '2024-03-14 00:00:00' {} +
rm -f "$OUT/unsupported.docx"
(cd "$TMP/docx" && zip -q -X -D "$OLDPWD/$OUT/unsupported.docx" '[Content_Types].xml' _rels/.rels word/document.xml)

ls -l "$OUT"
for f in "$OUT"/*; do
  size=$(wc -c <"$f")
  if [ "$size" -ge 204800 ]; then
    echo "make-media-fixtures: $f is $size bytes (limit 200 KB)" >&2
    exit 1
  fi
done
