#!/usr/bin/env python3
"""Check a screenshot of a kmemreplay --svg picture, and the SVG itself.

    png_check.py SHOT.png PICTURE.svg LABEL...

The PNG is decoded with the standard library only (zlib): it must be the
size asked for, not blank (enough non-white pixels, many colours) and show
the heatmap (several of its palette colours over a fair number of pixels).
The SVG must parse as XML and its text must hold every LABEL.
"""
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

HEAT = ["#fed976", "#feb24c", "#fd9f3e", "#fd8d3c", "#fc6c2f", "#f24a24",
        "#e31a1c", "#c70824", "#a8002a", "#82002b", "#5c0030", "#3b0033"]


def decode_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG: depth {depth} colour type {ctype} interlace {interlace}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    png, svg, labels = sys.argv[1], sys.argv[2], sys.argv[3:]
    problems = []
    width, height, bpp, rows = decode_png(png)
    if (width, height) != (1400, 1000):
        problems.append(f"screenshot is {width}x{height}, not 1400x1000")
    colours, nonwhite = {}, 0
    for row in rows:
        for x in range(0, width * bpp, bpp):
            rgb = row[x:x + 3]
            colours[rgb] = colours.get(rgb, 0) + 1
            if rgb != b"\xff\xff\xff":
                nonwhite += 1
    frac = nonwhite / (width * height)
    heat = {h: colours.get(bytes.fromhex(h[1:]), 0) for h in HEAT}
    shown = [h for h, n in heat.items() if n >= 20]
    print(f"{png}: {width}x{height}, {len(colours)} colours, {frac:.1%} not white, "
          f"heat colours shown: {len(shown)} of {len(HEAT)} ({sum(heat.values())} pixels)")
    if frac < 0.15:
        problems.append(f"mostly blank: only {frac:.1%} of the pixels are not white")
    if len(colours) < 50:
        problems.append(f"only {len(colours)} distinct colours")
    if len(shown) < 3 or sum(heat.values()) < 2000:
        problems.append("the heatmap's colours are (nearly) absent: cells were not drawn")

    root = ET.parse(svg).getroot()
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for label in labels:
        if label not in text:
            problems.append(f"label {label!r} missing from the SVG text")
    for p in problems:
        print(f"FAIL: {png}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
