"""Helpers of the png_cli_* tests: graph files for the real uberhost."""

import json
import os

import pngtest
from pngtest import uhtest


def graph(dirname, name, src, dst, load=None, save=None):
    """Writes a png.load -> png.save graph; returns its path."""
    g = {"uberhost": 1, "nodes": {
        "src": {"type": "png.load", "params": dict({"path": src}, **(load or {}))},
        "out": {"type": "png.save", "params": dict({"path": dst}, **(save or {})),
                "inputs": {"image": "src"}}}}
    path = os.path.join(dirname, name)
    with open(path, "w") as f:
        json.dump(g, f)
    return path


def need_host():
    if not os.path.exists(uhtest.BIN):
        print("skipped: no uberhost binary at %s" % uhtest.BIN)
        raise SystemExit(77)


__all__ = ["graph", "need_host", "pngtest", "uhtest"]
