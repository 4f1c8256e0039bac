#!/usr/bin/env python3
"""Draws the sample images in resources/images/ (plain Python, no packages needed).

The pictures are made here, by code, so they carry no one else's rights: street.png is a
640x480 RGB street scene (sky, sun, buildings with windows, a tree, a road with lane
marks, mild noise) with edges, flat areas, gradients and texture for filters and FFTs to
show; checker.png a 256x256 gray checkerboard with a disc, whose spectrum has clear peaks, inside
a black frame 32 pixels wide (so a blur with zeros beyond the edge equals a circular one,
as fft_convolution.wbp shows).
Run it again to regenerate them; the random noise is seeded, so the files are the same.
"""
import random
import struct
import sys
import zlib
from pathlib import Path


def write_png(path, width, height, channels, pixels):
    """pixels: bytes, row-major, 8 bits per channel (1: gray, 3: RGB)."""
    color_type = {1: 0, 3: 2}[channels]
    stride = width * channels
    raw = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) +
                     chunk(b"IEND", b""))


def street(width=640, height=480):
    rng = random.Random(20261201)
    image = bytearray(width * height * 3)

    def put(x, y, color):
        if 0 <= x < width and 0 <= y < height:
            i = (y * width + x) * 3
            image[i:i + 3] = bytes(color)

    def rect(x0, y0, x1, y1, color):
        for y in range(max(0, y0), min(height, y1)):
            for x in range(max(0, x0), min(width, x1)):
                put(x, y, color)

    horizon = height * 5 // 8
    for y in range(horizon):  # sky: blue to pale towards the horizon
        t = y / horizon
        color = (int(70 + 140 * t), int(130 + 90 * t), int(220 + 25 * t))
        for x in range(width):
            put(x, y, color)
    for y in range(horizon, height):  # road: dark asphalt, lighter far away
        t = (y - horizon) / (height - horizon)
        gray = int(110 - 60 * t)
        for x in range(width):
            put(x, y, (gray, gray, gray + 5))
    sun_x, sun_y, sun_r = width * 4 // 5, height // 7, 28
    for y in range(sun_y - sun_r, sun_y + sun_r + 1):
        for x in range(sun_x - sun_r, sun_x + sun_r + 1):
            if (x - sun_x) ** 2 + (y - sun_y) ** 2 <= sun_r ** 2:
                put(x, y, (255, 236, 150))
    x = 10
    while x < width - 40:  # buildings with lit and dark windows
        w = rng.randint(50, 110)
        top = rng.randint(height // 6, horizon - 60)
        base = (rng.randint(90, 180), rng.randint(70, 150), rng.randint(60, 140))
        rect(x, top, x + w, horizon, base)
        for wy in range(top + 10, horizon - 14, 22):
            for wx in range(x + 8, x + w - 14, 18):
                lit = rng.random() < 0.45
                rect(wx, wy, wx + 10, wy + 13, (250, 220, 120) if lit else (40, 50, 70))
        x += w + rng.randint(4, 20)
    tree_x, tree_y = width // 6, horizon - 70
    rect(tree_x - 6, tree_y, tree_x + 6, horizon + 10, (90, 60, 30))
    for y in range(tree_y - 60, tree_y + 30):
        for x in range(tree_x - 50, tree_x + 50):
            if ((x - tree_x) / 50) ** 2 + ((y - tree_y + 15) / 45) ** 2 <= 1 and rng.random() < 0.93:
                put(x, y, (30 + rng.randint(0, 40), 110 + rng.randint(0, 60), 30 + rng.randint(0, 30)))
    for i in range(9):  # dashed centre line, in perspective
        y0 = horizon + 8 + i * (height - horizon) // 9
        half = 1 + i
        rect(width // 2 - half, y0, width // 2 + half, y0 + 6 + i * 2, (240, 240, 235))
    for i in range(len(image)):  # mild sensor noise
        image[i] = max(0, min(255, image[i] + rng.randint(-6, 6)))
    return bytes(image)


def checker(size=256, cell=16, frame=32):
    image = bytearray(size * size)
    for y in range(frame, size - frame):
        for x in range(frame, size - frame):
            on = ((x // cell) + (y // cell)) % 2 == 0
            value = 200 if on else 55
            if (x - size / 2) ** 2 + (y - size / 2) ** 2 <= (size / 5) ** 2:
                value = 128
            image[y * size + x] = value
    return bytes(image)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "resources" / "images")
    out.mkdir(parents=True, exist_ok=True)
    write_png(out / "street.png", 640, 480, 3, street())
    write_png(out / "checker.png", 256, 256, 1, checker())


if __name__ == "__main__":
    main()
