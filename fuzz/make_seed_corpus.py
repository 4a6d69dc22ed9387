#!/usr/bin/python3
"""Writes the hand-made seeds of fuzz/corpus/ (the fuzzers' own finds are added with -merge=1; see
fuzz/README.md). FuzzedDataProvider takes integers from the END of the input and bytes from the front, so
the data fuzzer's option bytes are appended in reverse order of consumption."""
import gzip
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    (root / target).mkdir(parents=True, exist_ok=True)
    (root / target / name).write_bytes(data)


def safetensors(tensors, metadata=None):
    header, buffer = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buffer), len(buffer) + len(data)]}
        buffer += data
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + buffer


write("safetensors", "seed_f32_matrix", safetensors({"w": ("F32", [2, 3], struct.pack("<6f", *range(6)))}))
write("safetensors", "seed_mixed_metadata", safetensors(
    {"a": ("I64", [2], struct.pack("<2q", -1, 7)), "b": ("F64", [], struct.pack("<d", 0.5)),
     "c": ("F32", [0, 4], b"")}, {"format": "pt", "step": "12"}))
write("safetensors", "seed_unsupported_dtype", safetensors({"h": ("F16", [2], b"\x00\x3c\x00\x40")}))


def csv_seed(text, loader=0, header=0, delimiter=0, label=3, dtype=0):
    # consumed from the end: loader, header, delimiter index, label column (-4 + byte % 9), dtype index
    return text + bytes([dtype, label, delimiter, header, loader])


write("data", "seed_csv_dataset", csv_seed(b"1.5,2,0\n3,-4e2,1\n0.25, 7 ,2\n"))
write("data", "seed_csv_header_tensor", csv_seed(b"a;b\r\n1;2\r\n\r\n3;+4.0\r\n", loader=1, header=1, delimiter=1))
write("data", "seed_csv_gzip", csv_seed(gzip.compress(b"1,2,3\n4,5,6\n", mtime=0), label=4, dtype=1))


def escape(data):  # FuzzedDataProvider::ConsumeRandomLengthString: "\\\\" is one backslash, "\\x" ends
    return data.replace(b"\\", b"\\\\") + b"\\x"


images = struct.pack(">4I", 0x803, 2, 2, 2) + bytes([0, 64, 128, 255, 1, 2, 3, 4])
labels = struct.pack(">2I", 0x801, 2) + bytes([3, 9])
write("data", "seed_idx_images", escape(images) + bytes([2]))
write("data", "seed_mnist_pair", escape(images) + labels + bytes([3]))
write("data", "seed_mnist_gzip", escape(gzip.compress(images, mtime=0)) + gzip.compress(labels, mtime=0) + bytes([3]))

# The op fuzzer decodes a program from any bytes; a few different starting points.
for i, seed in enumerate([bytes(range(64)), bytes(range(255, 0, -3)), b"\x01" * 48, b"\x07\x00\x03" * 20]):
    write("ops", f"seed_program_{i}", seed)
