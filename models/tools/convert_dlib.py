#!/usr/bin/env python3
"""Convert dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat) to ONNX.

Plain numpy + onnx: no dlib needed. The .dat file is dlib's own serialisation of the network in
dlib/examples/dnn_face_recognition_ex.cpp (`anet_type`). It is not self-describing (tag and skip
layers store only a version number), so the architecture is written out below and every version
string, kernel size, stride, padding and tensor shape in the file is checked against it; the
parse must also end exactly at the end of the file.

Graph input:  "input"      float32 [N, 3, 150, 150], RGB, already normalised:
                           value = (pixel - mean[c]) / 256 with pixel 0..255 and mean = the
                           per-channel mean stored in the .dat (printed by --print-input-spec).
Graph output: "descriptor" float32 [N, 128] (not L2-normalised; compare with Euclidean distance).

The normalisation is kept out of the graph so that the manifest's mean/std describe exactly what
the caller feeds, the same way as for every other model.

Usage: convert_dlib.py SRC.dat OUT.onnx [--print-input-spec]
"""
import argparse
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHIP = 150
OPSET = 13  # Pad takes its pads as an input from opset 11; 13 is old enough for any runtime.
IR_VERSION = 8


# --- dlib's serialisation primitives (dlib/serialize.h, dlib/cuda/tensor.h) -----------------
class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def fail(self, what):
        raise ValueError(f"{what} at byte {self.pos} of {len(self.data)}")

    def take(self, n):
        if self.pos + n > len(self.data):
            self.fail(f"unexpected end of file reading {n} bytes")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self):
        # Control byte: low 4 bits = byte count, 0x80 = negative; then little-endian magnitude.
        ctl = self.take(1)[0]
        size = ctl & 0x0F
        if size == 0 or size > 8 or ctl & 0x70:
            self.fail(f"bad integer control byte {ctl:#x}")
        v = int.from_bytes(self.take(size), "little")
        return -v if ctl & 0x80 else v

    def float(self):
        # float_details: int64 mantissa and int16 exponent, value = mantissa * 2**exponent.
        if self.data[self.pos] & 0x70:
            self.fail("old ASCII float format is not supported")
        mantissa, exponent = self.int(), self.int()
        if exponent >= 32000:  # dlib's codes for inf, -inf and nan
            return {32000: math.inf, 32001: -math.inf}.get(exponent, math.nan)
        return math.ldexp(mantissa, exponent)

    def bool(self):
        ch = self.take(1)
        if ch not in (b"0", b"1"):
            self.fail(f"bad bool {ch!r}")
        return ch == b"1"

    def string(self):
        return self.take(self.int()).decode("latin-1")

    def expect_string(self, allowed):
        s = self.string()
        if s not in allowed:
            self.fail(f"expected one of {allowed}, found {s!r}")
        return s

    def tensor(self):
        if (v := self.int()) != 2:
            self.fail(f"tensor version {v}, expected 2")
        shape = tuple(self.int() for _ in range(4))
        n = int(np.prod(shape))
        return np.frombuffer(self.take(4 * n), dtype="<f4").reshape(shape).astype(np.float32)

    def alias_shape(self):
        if (v := self.int()) != 1:
            self.fail(f"alias_tensor version {v}, expected 1")
        return tuple(self.int() for _ in range(4))


# --- the architecture: anet_type from dnn_face_recognition_ex.cpp, outermost layer first -----
def anet_layers():
    def block(n, stride):  # BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>
        return [("affine",), ("con", n, 3, 1), ("relu",), ("affine",), ("con", n, 3, stride)]

    def ares(n):  # relu<add_prev1<block<N,affine,1,tag1<SUBNET>>>>
        return [("relu",), ("add_prev", 1)] + block(n, 1) + [("tag", 1)]

    def ares_down(n):  # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUBNET>>>>>>>
        return ([("relu",), ("add_prev", 2), ("avg_pool", 2, 2), ("skip", 1), ("tag", 2)]
                + block(n, 2) + [("tag", 1)])

    layers = [("fc", 128), ("avg_pool", 0, 1)]        # fc_no_bias<128, avg_pool_everything<
    layers += ares_down(256)                          # alevel0
    layers += ares(256) + ares(256) + ares_down(256)  # alevel1
    layers += ares(128) + ares(128) + ares_down(128)  # alevel2
    layers += ares(64) * 3 + ares_down(64)            # alevel3
    layers += ares(32) * 3                            # alevel4
    layers += [("max_pool", 3, 2), ("relu",), ("affine",), ("con", 32, 7, 2)]
    return layers


def default_padding(k, stride):
    # dlib's con_/pooling default: no padding when strided, "same" padding otherwise.
    return 0 if stride != 1 else k // 2


def read_details(r, spec):
    kind = spec[0]
    if kind == "con":
        _, n, k, stride = spec
        version = r.expect_string(("con_4", "con_5", "con_6"))
        params = r.tensor()
        num_filters, nr, nc, sy, sx, py, px = (r.int() for _ in range(7))
        fshape, bshape = r.alias_shape(), r.alias_shape()
        [r.float() for _ in range(4)]  # learning-rate and weight-decay multipliers
        use_bias = r.bool() if version in ("con_5", "con_6") else True
        if version == "con_6" and r.bool():
            r.fail("con_ with fused relu is not expected in this model")
        pad = default_padding(k, stride)
        if (num_filters, nr, nc, sy, sx, py, px) != (n, k, k, stride, stride, pad, pad):
            r.fail(f"con_ hyper-parameters {(num_filters, nr, nc, sy, sx, py, px)} != {spec}")
        nf = int(np.prod(fshape))
        if fshape[0] != n or params.size != nf + (int(np.prod(bshape)) if use_bias else 0):
            r.fail(f"con_ tensor shapes {fshape} {bshape} {params.shape} do not fit {spec}")
        w = params.reshape(-1)[:nf].reshape(fshape)
        b = params.reshape(-1)[nf:nf + n] if use_bias else np.zeros(n, np.float32)
        return {"w": w, "b": b, "stride": stride, "pad": pad}
    if kind == "affine":
        version = r.expect_string(("affine_", "affine_2"))
        params = r.tensor()
        gshape, bshape = r.alias_shape(), r.alias_shape()
        mode = r.int()
        disabled = r.bool() if version == "affine_2" else False
        if mode != 0 or gshape[2:] != (1, 1) or gshape != bshape:
            r.fail(f"affine_ expected per-channel (CONV_MODE) parameters, found mode {mode} {gshape}")
        c = gshape[1]
        flat = params.reshape(-1)
        return {"gamma": flat[:c].copy(), "beta": flat[c:2 * c].copy(), "disabled": disabled}
    if kind == "relu":
        version = r.expect_string(("relu_", "relu_2"))
        return {"disabled": r.bool() if version == "relu_2" else False}
    if kind in ("max_pool", "avg_pool"):
        _, k, stride = spec
        r.expect_string((kind + "_2",))
        got = tuple(r.int() for _ in range(6))
        pad = default_padding(k, stride)
        if got != (k, k, stride, stride, pad, pad):
            r.fail(f"{kind} hyper-parameters {got} != {spec}")
        return {}
    if kind == "add_prev":
        r.expect_string(("add_prev_",))
        return {}
    if kind == "fc":
        version = r.expect_string(("fc_2", "fc_3"))
        n_out, n_in = r.int(), r.int()
        params = r.tensor()
        wshape, _ = r.alias_shape(), r.alias_shape()
        if r.int() != 1:
            r.fail("fc_ expected FC_NO_BIAS")
        [r.float() for _ in range(4)]
        if version == "fc_3":
            r.bool()
        if n_out != spec[1] or wshape[:2] != (n_in, n_out) or params.size < n_in * n_out:
            r.fail(f"fc_ shapes {n_in}x{n_out} {wshape} do not fit {spec}")
        return {"w": params.reshape(-1)[:n_in * n_out].reshape(n_in, n_out)}
    raise AssertionError(kind)


def parse(data):
    """Returns (mean_rgb, [(spec, details)] innermost first)."""
    r = Reader(data)
    if r.int() != 1:
        r.fail("add_loss_layer version")
    if r.expect_string(("loss_metric_", "loss_metric_2")) == "loss_metric_2":
        r.float(), r.float()
    layers = anet_layers()
    versions = []
    for i, spec in enumerate(layers):  # each layer writes its version, then its subnetwork
        v = r.int()
        innermost = i == len(layers) - 1
        ok = {"tag": (1,), "skip": (1,)}.get(spec[0], (2, 3) if innermost else (1, 2))
        if v not in ok:
            r.fail(f"layer {i} {spec}: version {v}, expected {ok}")
        versions.append(v)
    r.expect_string(("input_rgb_image_sized",))
    mean = [r.float() for _ in range(3)]
    if (r.int(), r.int()) != (CHIP, CHIP):
        r.fail(f"input is not {CHIP}x{CHIP}")
    out = []
    for i in reversed(range(len(layers))):  # ...and its own details after the subnetwork's
        spec, v = layers[i], versions[i]
        if spec[0] in ("tag", "skip"):
            out.append((spec, {}))
            continue
        details = read_details(r, spec)
        r.bool(), r.bool(), r.bool()  # setup called, gradient stale, output disabled
        r.tensor(), r.tensor()  # x_grad, cached_output
        if i == len(layers) - 1:
            r.tensor()  # grad_final
            if v == 3:
                r.int()  # sample_expansion_factor
        elif v == 2:
            r.tensor()  # params_grad
        out.append((spec, details))
    if r.pos != len(data):
        r.fail("trailing bytes after the network")
    return mean, out


# --- ONNX graph --------------------------------------------------------------------------------
class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, prefix):
        self.n += 1
        return f"{prefix}_{self.n}"

    def const(self, prefix, array):
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def build_onnx(layers):
    g = Graph()
    x, shape = "input", (3, CHIP, CHIP)  # shape tracked as (C, H, W)
    tags = {}
    for spec, d in layers:
        kind = spec[0]
        if kind == "con":
            k, s, p = d["w"].shape[2], d["stride"], d["pad"]
            x = g.op("Conv", [x, g.const("w", d["w"]), g.const("b", d["b"])], kernel_shape=[k, k],
                     strides=[s, s], pads=[p] * 4)
            shape = (d["w"].shape[0],) + tuple((n + 2 * p - k) // s + 1 for n in shape[1:])
        elif kind == "affine" and not d["disabled"]:
            c = d["gamma"].size
            x = g.op("Mul", [x, g.const("gamma", d["gamma"].reshape(1, c, 1, 1))])
            x = g.op("Add", [x, g.const("beta", d["beta"].reshape(1, c, 1, 1))])
        elif kind == "relu" and not d["disabled"]:
            x = g.op("Relu", [x])
        elif kind in ("max_pool", "avg_pool") and spec[1] == 0:
            x = g.op("GlobalAveragePool", [x])
            shape = (shape[0], 1, 1)
        elif kind in ("max_pool", "avg_pool"):
            k, s = spec[1], spec[2]
            x = g.op("MaxPool" if kind == "max_pool" else "AveragePool", [x], kernel_shape=[k, k],
                     strides=[s, s])
            shape = (shape[0],) + tuple((n - k) // s + 1 for n in shape[1:])
        elif kind == "tag":
            tags[spec[1]] = (x, shape)
        elif kind == "skip":
            x, shape = tags[spec[1]]
        elif kind == "add_prev":
            # dlib adds tensors of different sizes by zero-padding both to the larger size at
            # the end of each dimension (channels, rows, columns).
            y, yshape = tags[spec[1]]
            big = tuple(max(a, b) for a, b in zip(shape, yshape))
            x, y = (t if ts == big else g.op("Pad", [t, g.const("pads", np.array(
                [0, 0, 0, 0, 0] + [b - a for a, b in zip(ts, big)], np.int64))], mode="constant")
                for t, ts in ((x, shape), (y, yshape)))
            x, shape = g.op("Add", [x, y]), big
        elif kind == "fc":
            x = g.op("Flatten", [x], axis=1)
            x = g.op("MatMul", [x, g.const("fc_w", d["w"])])
    g.nodes[-1].output[0] = "descriptor"
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, CHIP, CHIP])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", 128])],
        g.inits)
    model = helper.make_model(graph, producer_name="attend models/tools/convert_dlib.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def convert(src, dst):
    with open(src, "rb") as f:
        mean, layers = parse(f.read())
    model = build_onnx(layers)
    helper.set_model_props(model, {
        "input_mean_rgb": ",".join(repr(m) for m in mean),
        "input_std": "256",
        "input_note": "RGB chip 150x150 as dlib.get_face_chip(size=150, padding=0.25) makes it; "
                      "feed (pixel - mean) / 256, NCHW",
    })
    onnx.save(model, dst)
    return mean


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="dlib_face_recognition_resnet_model_v1.dat")
    ap.add_argument("out", help="output .onnx")
    ap.add_argument("--print-input-spec", action="store_true",
                    help="print the per-channel mean stored in the .dat")
    args = ap.parse_args()
    try:
        mean = convert(args.src, args.out)
    except ValueError as e:
        sys.exit(f"convert_dlib: {args.src} is not the expected dlib model: {e}")
    if args.print_input_spec:
        print(f"mean (R, G, B) = {mean!r}  std = 256")


if __name__ == "__main__":
    main()
