"""Compares KetaMap's TOML reader with Python's tomllib on the same document.

Usage: toml_compare.py DOCUMENT.toml < swift.json
swift.json is the Swift reader's result, each value tagged with its TOML type
({"int": 3}, {"float": "2.5"}, {"str": "x"}, {"bool": true}, [..],
{"table": [[key, value], ..]} in document order).
Exits 0 when both readers give the same keys, types and values; else prints the first difference.
"""
import json
import math
import sys
import tomllib


def tag(value):
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if isinstance(value, dict):
        return {"table": {k: tag(v) for k, v in value.items()}}
    raise TypeError(f"unsupported TOML value {value!r}")


def same(a, b, path):
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            if (d := same(x, y, f"{path}[{i}]")):
                return d
        return None
    if isinstance(a, dict) and isinstance(b, dict) and "table" in a and "table" in b:
        ta, tb = a["table"], b["table"]
        if list(ta) != list(tb):
            return f"{path}: keys {list(ta)} vs {list(tb)}"
        for k in ta:
            if (d := same(ta[k], tb[k], f"{path}.{k}" if path else k)):
                return d
        return None
    if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b) == ["float"]:
        x, y = float(a["float"]), float(b["float"])
        return None if (x == y or (math.isnan(x) and math.isnan(y))) else f"{path}: {x!r} vs {y!r}"
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def ordered(value):
    """The Swift side lists each table's pairs in document order; make them a dict (which keeps it)."""
    if isinstance(value, list):
        return [ordered(v) for v in value]
    if isinstance(value, dict) and "table" in value:
        return {"table": {k: ordered(v) for k, v in value["table"]}}
    return value


swift = ordered(json.load(sys.stdin))
with open(sys.argv[1], "rb") as f:
    python = tag(tomllib.load(f))
difference = same(swift, python, "")
if difference:
    print("Swift reader vs tomllib differ at " + difference)
    sys.exit(1)
