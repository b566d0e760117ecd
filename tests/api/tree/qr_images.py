"""Reading the invite posters back, independently of the library that drew them.

`png_pixels` decodes a PNG with zlib alone (every filter type, greyscale or palette,
bit depths 1-8); `svg_pixels` rasterises the path segno writes (`M`/`m` moves and `h`
runs, one module high). `decode` reads the pixels with zxing-cpp, a QR reader that
shares no code with segno, and `modules` samples the pixels back into the module
matrix, to compare with the matrix segno computes for the same text.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

import zxingcpp

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Pixels = tuple[int, int, bytes]  # width, height, one byte of luminance per pixel


def png_pixels(data: bytes) -> Pixels:
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    at, chunks, header, palette = len(PNG_SIGNATURE), [], b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        crc = struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert colour in (0, 3) and depth in (1, 2, 4, 8) and interlace == 0, (colour, depth)
    raw = zlib.decompress(b"".join(chunks))
    stride = (width * depth + 7) // 8
    rows, previous, at = [], bytes(stride), 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1 : at + 1 + stride])
        at += 1 + stride
        _unfilter(kind, line, previous)
        rows.append(bytes(line))
        previous = bytes(line)
    pixels = bytearray()
    for line in rows:
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1)
            if colour == 3:
                r, g, b = palette[3 * value : 3 * value + 3]
                pixels.append((r * 299 + g * 587 + b * 114) // 1000)
            else:
                pixels.append(value * 255 // ((1 << depth) - 1))
    return width, height, bytes(pixels)


def _unfilter(kind: int, line: bytearray, above: bytes) -> None:
    for i in range(len(line)):
        left = line[i - 1] if i else 0
        up, corner = above[i], above[i - 1] if i else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + guess) & 0xFF


def svg_pixels(data: bytes, *, scale: int = 4) -> Pixels:
    """Rasterise segno's SVG: a `path` of horizontal runs drawn with a 1-unit stroke,
    in a viewBox (or width/height) of modules × the writer's scale."""
    root = ElementTree.fromstring(data)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    path = root.find("svg:path", ns)
    assert path is not None, "no path in the SVG"
    box = root.get("viewBox")
    width, height = (
        (float(v) for v in box.split()[2:])
        if box
        else (float(root.get("width", 0)), float(root.get("height", 0)))
    )
    transform = path.get("transform", "")
    unit = float(m.group(1)) if (m := re.search(r"scale\(([\d.]+)\)", transform)) else 1.0
    w, h = round(width / unit), round(height / unit)
    grid = [[255] * w for _ in range(h)]
    x = y = 0.0
    for command, number_text in re.findall(r"([MmHhVv])([-\d.\s]+)", path.get("d", "")):
        numbers = [float(n) for n in number_text.split()]
        if command in "Mm":
            dx, dy = numbers
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        elif command == "h":
            (run,) = numbers
            row = int(y)  # the stroke's centre line is at row + 0.5
            for column in range(int(x), int(x + run)):
                grid[row][column] = 0
            x += run
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    pixels = bytearray()
    for row in grid:
        line = bytearray()
        for value in row:
            line += bytes([value]) * scale
        pixels += bytes(line) * scale
    return w * scale, h * scale, bytes(pixels)


def decode(pixels: Pixels) -> str:
    """The text of the one QR code in the image (zxing-cpp)."""
    width, height, lum = pixels
    found = zxingcpp.read_barcode(memoryview(lum).cast("B", (height, width)))
    assert found is not None, "no QR code found in the image"
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return str(found.text)


def modules(pixels: Pixels, *, size: int) -> list[list[bool]]:
    """The image sampled at the centre of each of `size` × `size` modules (dark: True)."""
    width, height, lum = pixels
    assert width == height, "a QR poster is square"
    step = width / size
    return [
        [lum[int((r + 0.5) * step) * width + int((c + 0.5) * step)] < 128 for c in range(size)]
        for r in range(size)
    ]
