"""Greyscale pictures without extra packages: block-character drawing and PNG files.

PNG is written with zlib and struct (the format is a signature plus three chunks), so
pictures need neither matplotlib nor Pillow. Images are 2-D arrays with values in 0..1,
0 drawn white (paper) and 1 black (ink), as digits are usually shown.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SHADES = " ░▒▓█"  # light to dark, one character per level

# A 3x5 pixel font for labels under pictures: each glyph is five rows of three bits.
_FONT = {
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    ">": ("100", "010", "001", "010", "100"), " ": ("000",) * 5,
}


def to_blocks(image: np.ndarray) -> list[str]:
    """Lines of shade characters for a 2-D image in 0..1; two pixel rows per line (cells are tall)."""
    image = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    if len(image) % 2:
        image = np.vstack([image, np.zeros((1, image.shape[1]))])
    pairs = (image[0::2] + image[1::2]) / 2
    levels = np.rint(pairs * (len(SHADES) - 1)).astype(int)
    return ["".join(SHADES[v] for v in row) for row in levels]


def draw_blocks(images: Sequence[np.ndarray], titles: Sequence[str], width: int = 80) -> str:
    """Several images side by side under their titles, wrapped to `width` columns."""
    drawn = [to_blocks(im) for im in images]
    cell = max(len(d[0]) for d in drawn) + 2
    per_row = max(1, width // cell)
    out: list[str] = []
    for start in range(0, len(drawn), per_row):
        group = range(start, min(start + per_row, len(drawn)))
        out.append("".join(titles[i][: cell - 1].ljust(cell) for i in group).rstrip())
        for line in range(max(len(drawn[i]) for i in group)):
            out.append("".join(drawn[i][line].ljust(cell) for i in group).rstrip())
    return "\n".join(out)


def grid(images: Sequence[np.ndarray], titles: Sequence[str] = (), columns: int = 10,
         scale: int = 4) -> np.ndarray:
    """One picture of images in 0..1 laid out in a grid, each enlarged `scale` times with its title below."""
    if not len(images):
        raise ValueError("grid needs at least one image")
    h, w = np.asarray(images[0]).shape
    text_h = (5 + 2) if titles else 0
    cell_h, cell_w = h * scale + text_h * 2 + 4, w * scale + 4
    rows = -(-len(images) // columns)
    canvas = np.zeros((rows * cell_h, min(columns, len(images)) * cell_w))
    for k, image in enumerate(images):
        top, left = (k // columns) * cell_h + 2, (k % columns) * cell_w + 2
        big = np.kron(np.clip(np.asarray(image, dtype=np.float64), 0, 1), np.ones((scale, scale)))
        canvas[top:top + h * scale, left:left + w * scale] = big
        if titles:
            _write_text(canvas, str(titles[k]), top + h * scale + 2, left, size=2)
    return canvas


def _write_text(canvas: np.ndarray, text: str, top: int, left: int, size: int) -> None:
    """Stamp `text` with the 3x5 font into canvas (ink = 1); characters outside the font are skipped."""
    for char in text:
        glyph = _FONT.get(char)
        if glyph is None:
            continue
        bits = np.array([[int(b) for b in row] for row in glyph], dtype=np.float64)
        block = np.kron(bits, np.ones((size, size)))
        bottom, right = top + block.shape[0], left + block.shape[1]
        if bottom <= canvas.shape[0] and right <= canvas.shape[1]:
            canvas[top:bottom, left:right] = np.maximum(canvas[top:bottom, left:right], block)
        left += 4 * size


def write_png(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Save a 2-D image in 0..1 as an 8-bit greyscale PNG, ink (1) black on white (0)."""
    pixels = np.rint((1.0 - np.clip(np.asarray(image, dtype=np.float64), 0, 1)) * 255).astype(np.uint8)
    height, width = pixels.shape
    rows = np.hstack([np.zeros((height, 1), np.uint8), pixels])  # filter byte 0 (none) per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale, no interlace
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b""))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Read back an 8-bit greyscale PNG written by `write_png` (filter 0 only), as uint8 (h, w)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    return rows[:, 1:].copy()
