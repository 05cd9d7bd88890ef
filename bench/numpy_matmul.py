"""GFLOP/s of numpy's float32 matmul (OpenBLAS) for the shapes given, as bench/index.ts measures ours.
Prints one JSON line: the BLAS core and thread count, and each shape's GFLOP/s (2·m·k·n per call).

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/numpy_matmul.py --shapes 200x256x128,512x512x512 --seconds 0.5
"""
import argparse
import ctypes
import json
import time

import numpy as np


def blas_info():
    """OpenBLAS's core (the kernels it runs) and threads, from the library numpy loaded."""
    paths = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {
                "core": lib.openblas_get_corename().decode(),
                "threads": lib.openblas_get_num_threads(),
                "config": lib.openblas_get_config().decode(),
            }
        except (OSError, AttributeError):
            continue
    return {"core": "unknown", "threads": None, "config": ",".join(paths) or "no openblas loaded"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", required=True, help="MxKxN,MxKxN,...")
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    out = []
    for shape in a.shapes.split(","):
        m, k, n = (int(v) for v in shape.split("x"))
        x = rng.random((m, k), dtype=np.float32) - 0.5
        w = rng.random((k, n), dtype=np.float32) - 0.5
        c = np.empty((m, n), dtype=np.float32)
        np.matmul(x, w, out=c)
        calls = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < a.seconds:
            np.matmul(x, w, out=c)
            calls += 1
        out.append({"shape": [m, k, n], "gflops": 2 * m * k * n * calls / (time.perf_counter() - t0) / 1e9})
    print(json.dumps({"blas": blas_info(), "results": out}))


if __name__ == "__main__":
    main()
