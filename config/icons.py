"""The app's icons, drawn here with the standard library only (zlib and struct), so that the PNGs in
static/icons/ are made from this file and nothing else: a white clock on the theme colour.

    python -m config.icons          writes static/icons/*.png and static/icons/favicon.ico

The drawing is deterministic (tests/config/test_pwa.py checks the committed files are what this
draws). Sizes are the ones phones ask for (docs/pwa.md): 192 and 512 ("any": rounded corners,
transparent outside them), maskable 192 and 512 (full bleed; the clock stays inside the central
80 % circle that launchers may cut to), apple-touch 180 (opaque, iOS rounds it), and a favicon
of 16, 32 and 48 pixels.
"""

import math
import struct
import zlib
from pathlib import Path

THEME = (0x0B, 0x6B, 0xCB)  # --primary in static/css/app.css; the manifest's theme_color
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"

# name -> (size, corner radius as a share of the size, clock scale)
ICONS = {
    "icon-192.png": (192, 0.18, 1.0),
    "icon-512.png": (512, 0.18, 1.0),
    "maskable-192.png": (192, 0.0, 0.8),
    "maskable-512.png": (512, 0.0, 0.8),
    "apple-touch-icon.png": (180, 0.0, 0.9),
}
FAVICON_SIZES = (16, 32, 48)


def _coverage(distance: float) -> float:
    """How much of a pixel a shape covers, from the signed distance of its centre to the edge."""
    return min(1.0, max(0.0, 0.5 - distance))


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw(size: int, corner: float, scale: float) -> bytes:
    """RGBA rows (no filter bytes) of one icon."""
    c = size / 2
    radius = 0.34 * size * scale  # the clock face's ring, middle of the stroke
    stroke = max(1.0, 0.065 * size * scale)
    hand = max(1.0, 0.06 * size * scale)
    long_tip = (c, c - 0.22 * size * scale)  # 12 o'clock
    short_tip = (c + 0.15 * size * scale, c)  # 3 o'clock
    r = corner * size
    pixels = bytearray()
    for y in range(size):
        py = y + 0.5
        for x in range(size):
            px = x + 0.5
            # The background: a square with rounded corners (or full bleed).
            if r:
                qx = max(abs(px - c) - (c - r), 0.0)
                qy = max(abs(py - c) - (c - r), 0.0)
                alpha = _coverage(math.hypot(qx, qy) - r)
            else:
                alpha = 1.0
            ring = abs(math.hypot(px - c, py - c) - radius) - stroke / 2
            hands = min(
                _segment_distance(px, py, c, c, *long_tip),
                _segment_distance(px, py, c, c, *short_tip),
            ) - hand / 2
            white = max(_coverage(ring), _coverage(hands))
            colour = [round(t + (w - t) * white) for t, w in zip(THEME, WHITE, strict=True)]
            pixels += bytes((*colour, round(255 * alpha)))
    return bytes(pixels)


def png(size: int, rgba: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    stride = size * 4
    raw = b"".join(b"\x00" + rgba[row * stride:(row + 1) * stride] for row in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding PNG images (supported by every browser that asks for /favicon.ico)."""
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return head + entries + blobs


def build() -> dict[str, bytes]:
    files = {name: png(size, draw(size, corner, scale)) for name, (size, corner, scale) in ICONS.items()}
    files["favicon.ico"] = ico([(size, png(size, draw(size, 0.18, 1.0))) for size in FAVICON_SIZES])
    return files


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (OUT / name).write_bytes(data)
        print(f"{OUT.name}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
