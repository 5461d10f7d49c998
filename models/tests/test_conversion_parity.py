#!/usr/bin/env python3
"""The converted dlib ResNet (ONNX, run by onnxruntime) must give dlib's own descriptors.

For each labelled photo in ../shared/faces/face_recognition: YuNet box -> dlib 5-point shape ->
dlib.get_face_chip(size=150, padding=0.25) -> dlib's compute_face_descriptor and the ONNX model
on the same chip, fed exactly as models/manifest.toml says ((pixel - mean) / std, RGB, NCHW).
Every component must agree within 1e-4 (in practice ~3e-7).

Run after scripts/setup-models.sh (scripts/test-models.sh does both):
    .cache/venv/bin/python models/tests/test_conversion_parity.py
"""
import hashlib
import re
import sys
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.dont_write_bytecode = True  # no __pycache__ inside the source tree
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import convert_dlib  # noqa: E402
import dlib_reference as ref  # noqa: E402

MODEL_ID = "dlib-resnet-v1"
DATASET = "face_recognition"
TOLERANCE = 1e-4
FACES = ref.SHARED / "faces" / DATASET
MISSING_SHARED = (f"labelled photos not found at {FACES} (../shared/faces from the repository root; "
                  f"set ATTEND_SHARED to the shared folder)")
IMAGES = ref.labelled_images(DATASET) if (FACES / "identities.csv").is_file() else []


def relative(path):
    return str(Path(path).relative_to(FACES))


class DlibConversionParity(unittest.TestCase):
    """One test per labelled photo, plus checks of the manifest, the pairs and the converter."""

    @classmethod
    def setUpClass(cls):
        if not IMAGES:
            raise RuntimeError(MISSING_SHARED)
        cls.spec = ref.manifest()[MODEL_ID]
        cls.model_file = ref.model_path(MODEL_ID)
        if not cls.model_file.is_file():
            raise RuntimeError(f"{cls.model_file} missing: run `bash scripts/setup-models.sh`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the time per chip is quoted for one thread
        cls.session = ort.InferenceSession(str(cls.model_file), options,
                                           providers=["CPUExecutionProvider"])
        inp = cls.spec["input"]
        cls.mean = np.array(inp["mean"], np.float32)
        cls.std = np.array(inp["std"], np.float32)
        yunet, dlib_pipeline = ref.YuNet(), ref.DlibPipeline()
        cls.results, cls.chips = {}, []
        for path, identity in IMAGES:
            bgr = ref.read_bgr(path)
            faces = yunet.detect(bgr)
            if len(faces) == 0:
                cls.results[relative(path)] = None
                continue
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            chip = dlib_pipeline.chip(rgb, dlib_pipeline.shape(rgb, faces[0]))
            theirs = dlib_pipeline.descriptor(chip)
            ours = cls.embed(chip).astype(np.float64)
            cls.chips.append(chip)
            cls.results[relative(path)] = (identity, faces[0][2], theirs, ours)
        cls.ms_per_chip = cls.time_per_chip()

    @classmethod
    def embed(cls, chip):
        x = ((chip.astype(np.float32) - cls.mean) / cls.std).transpose(2, 0, 1)[None]
        return cls.session.run(None, {cls.spec["input"]["name"]: x})[0][0]

    @classmethod
    def time_per_chip(cls, rounds=5):
        cls.embed(cls.chips[0])  # warm-up
        start = time.perf_counter()
        for _ in range(rounds):
            for chip in cls.chips:
                cls.embed(chip)
        return (time.perf_counter() - start) * 1000 / (rounds * len(cls.chips))

    def check_photo(self, name):
        result = self.results[name]
        self.assertIsNotNone(result, f"YuNet found no face in {name}")
        _, _, theirs, ours = result
        diff = np.abs(theirs - ours).max()
        self.assertLessEqual(diff, TOLERANCE, f"{name}: ONNX differs from dlib by {diff:.3g} "
                                              f"(worst component {np.abs(theirs - ours).argmax()})")

    def test_labelled_photos_are_all_there(self):
        self.assertEqual(len(IMAGES), 20, f"expected the 20 labelled photos of {FACES}")

    def test_onnx_input_is_what_the_manifest_describes(self):
        model = onnx.load(str(self.model_file), load_external_data=False)
        (inp,) = model.graph.input
        dims = [d.dim_value or d.dim_param for d in inp.type.tensor_type.shape.dim]
        spec = self.spec["input"]
        self.assertEqual((inp.name, dims[1:]), (spec["name"], [3, spec["height"], spec["width"]]))
        props = {p.key: p.value for p in model.metadata_props}
        stored_mean = [float(v) for v in props["input_mean_rgb"].split(",")]
        self.assertEqual(stored_mean, spec["mean"], "manifest mean is not the .dat's mean")
        self.assertEqual(spec["std"], [256.0] * 3)
        self.assertEqual((spec["channels"], spec["layout"]), ("RGB", "NCHW"))

    def test_converter_reproduces_the_manifest_sha256(self):
        import face_recognition_models
        src = face_recognition_models.face_recognition_model_location()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "model.onnx"
            convert_dlib.convert(src, str(out))
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
        self.assertEqual(digest, self.spec["sha256"], "conversion is not reproducible: are the "
                                                      "pinned onnx/protobuf installed?")

    def test_converter_rejects_a_damaged_model(self):
        import face_recognition_models
        data = Path(face_recognition_models.face_recognition_model_location()).read_bytes()
        for damaged in (data[:-1000], data.replace(b"relu_", b"relx_", 1), data + b"\0"):
            with self.assertRaises(ValueError):
                convert_dlib.parse(damaged)

    def test_pairs_are_told_apart_at_the_manifest_threshold(self):
        threshold = self.spec["embedder"]["threshold"]
        wrong = []
        with open(FACES / "pairs.csv") as f:
            next(f)
            for line in f:
                a, b, same = line.strip().split(",")
                dist = np.linalg.norm(self.results[a][3] - self.results[b][3])
                if (dist < threshold) != (same == "1"):
                    wrong.append(f"{a} ~ {b}: {dist:.3f} (same={same})")
        self.assertEqual(wrong, [], f"pairs on the wrong side of {threshold}")

    def test_one_chip_takes_under_50_ms(self):
        self.assertLess(self.ms_per_chip, 50.0)


for _path, _ in IMAGES:
    _name = relative(_path)
    _test = (lambda name: lambda self: self.check_photo(name))(_name)
    _test.__doc__ = f"ONNX matches dlib on {_name}"
    # The path, not just the file name: two photos are called img1.jpg.
    setattr(DlibConversionParity, "test_photo_" + re.sub(r"\W", "_", str(Path(_name).with_suffix(""))),
            _test)


def report():
    results = getattr(DlibConversionParity, "results", {})
    rows = [(name, r) for name, r in results.items() if r is not None]
    if not rows:
        return
    print(f"\n{'photo':58} {'face px':>7} {'max |diff|':>11}")
    for name, (_, width, theirs, ours) in rows:
        print(f"{name:58} {width:7.0f} {np.abs(theirs - ours).max():11.3g}")
    worst = max(np.abs(t - o).max() for _, (_, _, t, o) in rows)
    print(f"max abs difference over {len(rows)} chips x 128: {worst:.3g} (tolerance {TOLERANCE:g}); "
          f"{DlibConversionParity.ms_per_chip:.1f} ms per chip on one thread")


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    report()
    problems = result.failures + result.errors
    failed_tests = sum(isinstance(test, unittest.TestCase) for test, _ in problems)
    passed = result.testsRun - failed_tests - len(result.skipped)
    print(f"{passed} passed, {len(problems)} failed")
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
