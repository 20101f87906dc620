#!/usr/bin/env python3
"""Cut the embedded MNIST sample (data/sample/mnist) from the full IDX files: the first 2,000
training and 1,000 test digits, in the original order, gzip'd without name or timestamp so the
bytes are reproducible. Usage: scripts/make_mnist_sample.py SRC_DIR DST_DIR"""
import gzip
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
for prefix, count in (("train", 2000), ("t10k", 1000)):
    for kind, item in (("images-idx3", 28 * 28), ("labels-idx1", 1)):
        name = f"{prefix}-{kind}-ubyte"
        with gzip.open(f"{src}/{name}.gz", "rb") as f:
            data = f.read()
        ndim = data[3]
        header = bytearray(data[: 4 + 4 * ndim])
        assert struct.unpack(">I", header[4:8])[0] >= count
        header[4:8] = struct.pack(">I", count)
        body = data[4 + 4 * ndim : 4 + 4 * ndim + count * item]
        with open(f"{dst}/{name}.gz", "wb") as out:
            out.write(gzip.compress(bytes(header) + body, compresslevel=9, mtime=0))
