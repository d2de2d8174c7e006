"""Checks pixels of PNG pictures (the report's SVGs rendered by rsvg-convert).

usage: check_pictures.py PROBES.json

PROBES.json: [{"png": PATH, "x": X, "y": Y, "colour": "red"|"blue"|"white"|"black"|"grey"|"yellow"|"light", "why": TEXT}, ...]
Prints one line per probe whose pixel is not of its colour; exits 1 if any.
"""
import json
import sys

from PIL import Image


def kind(r, g, b):
    if r > 200 and g < 120 and b < 120:
        return "red"
    if b > 200 and r < 120 and g < 120:
        return "blue"
    if r < 70 and g < 70 and b < 70:
        return "black"
    if r > 245 and g > 245 and b > 245:
        return "white"
    if r > 240 and g > 220 and b < 200:
        return "yellow"
    if abs(r - g) < 12 and abs(g - b) < 12 and 150 < r < 240:
        return "grey"
    return f"rgb({r},{g},{b})"


def main():
    probes = json.load(open(sys.argv[1]))
    images = {}
    failures = []
    for probe in probes:
        image = images.setdefault(probe["png"], Image.open(probe["png"]).convert("RGB"))
        r, g, b = image.getpixel((int(probe["x"]), int(probe["y"])))
        seen = kind(r, g, b)
        wanted = probe["colour"]
        ok = seen == wanted or (wanted == "light" and (r > 200 and g > 200 and b > 200))
        if not ok:
            failures.append(f"{probe['png']} ({probe['x']:.0f}, {probe['y']:.0f}): {seen}, expected {wanted}: {probe['why']}")
    for line in failures:
        print(line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
