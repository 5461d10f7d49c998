#!/usr/bin/env python3
"""Derive where YuNet's five landmarks fall in dlib's 150x150 face chip (the dlib template).

dlib aligns with its own 5-point shape predictor (eye corners and the bottom of the nose), which
the Rust pipeline does not have. The Rust side instead fits a similarity transform from YuNet's
five landmarks to a template; this finds the template that reproduces dlib's chips.

For every labelled single-face photo in ../shared/faces (face_recognition/ and deepface-dev/):
  1. YuNet (cv2.FaceDetectorYN, the 2023mar model) finds the face and its landmarks;
  2. dlib's 5-point predictor on the YuNet box, then dlib.get_face_chip_details(shape, 150, 0.25);
  3. the chip's image->chip affine map is rebuilt from chip_details (rect, angle) the way dlib's
     get_mapping_to_chip does, and checked: warping the photo with it must reproduce
     dlib.get_face_chip's pixels;
  4. YuNet's landmarks are mapped into the chip. The template is their mean.
Then, to see what the template costs: each photo is aligned with a similarity fit of its YuNet
landmarks to the template, and compared with dlib's chip (corner displacement in chip pixels,
and the dlib descriptor distance between the two chips, next to the distance that resampling
alone causes).

  derive_template.py            print the report
  derive_template.py --write    also write the template into models/manifest.toml and
                                the report into models/TEMPLATE.md
"""
import argparse
import csv
import re
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ inside the source tree
import dlib_reference as ref  # noqa: E402

DATASETS = ("face_recognition", "deepface-dev")
NAMES = ("right eye", "left eye", "nose tip", "right mouth corner", "left mouth corner")
# How closely (chip pixels) warping with the rebuilt map must match dlib's chip. Tighter when
# dlib samples the photo directly; when the chip is under half the face's size dlib first goes
# down its image pyramid, whose approximate coordinate mapping shifts its chips by up to ~0.4 px.
MAX_SHIFT_DIRECT, MAX_SHIFT_PYRAMID = 0.15, 0.5
BEGIN, END = "# derived-template: begin", "# derived-template: end"


def phase_shift(a, b):
    """Sub-pixel translation between two chips (grey, windowed phase correlation)."""
    import cv2
    grey = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).astype(np.float64) for x in (a, b)]
    window = cv2.createHanningWindow(grey[0].shape[::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(grey[0], grey[1], window)
    return float(np.hypot(dx, dy))


def collect():
    yunet, dlib_pipeline = ref.YuNet(), ref.DlibPipeline()
    faces, excluded = [], []
    for dataset in DATASETS:
        for path, identity in ref.labelled_images(dataset):
            name = f"{dataset}/{path.relative_to(ref.SHARED / 'faces' / dataset)}"
            bgr = ref.read_bgr(path)
            found = yunet.detect(bgr)
            if len(found) != 1:
                excluded.append(f"{name}: YuNet found {len(found)} faces")
                continue
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            shape = dlib_pipeline.shape(rgb, found[0])
            m = ref.image_to_chip(shape)
            chip = dlib_pipeline.chip(rgb, shape)
            landmarks = found[0][4:14].reshape(5, 2)
            scale = np.sqrt(abs(np.linalg.det(m[:, :2])))
            faces.append({
                "name": name, "pyramid": scale < 0.5, "rgb": rgb, "m": m, "chip": chip, "landmarks": landmarks,
                "in_chip": ref.apply(m, landmarks), "face_px": found[0][2],
                "warp_shift": phase_shift(ref.warp_chip(rgb, m, (ref.CHIP_SIZE,) * 2), chip),
            })
    return faces, excluded, dlib_pipeline


def evaluate(faces, template, dlib_pipeline):
    """Per face: corner displacement (chip px) and descriptor distances to dlib's own chip."""
    size = ref.CHIP_SIZE
    corners = np.array([[0, 0], [size - 1, 0], [0, size - 1], [size - 1, size - 1]], np.float64)
    rows = []
    for f in faces:  # also keeps both descriptors on the face, for pair_accuracy
        mt = ref.similarity(f["landmarks"], template)
        inverse = np.linalg.inv(np.vstack([f["m"], [0, 0, 1]]))[:2]
        moved = np.linalg.norm(ref.apply(mt, ref.apply(inverse, corners)) - corners, axis=1).max()
        reference = dlib_pipeline.descriptor(f["chip"])
        resampled = dlib_pipeline.descriptor(ref.warp_chip(f["rgb"], f["m"], (size, size)))
        templated = dlib_pipeline.descriptor(ref.warp_chip(f["rgb"], mt, (size, size)))
        f["dlib_descriptor"], f["template_descriptor"] = reference, templated
        rows.append((moved, np.linalg.norm(resampled - reference),
                     np.linalg.norm(templated - reference)))
    return np.array(rows)


def pair_accuracy(faces, threshold=0.6):
    """Labelled pairs (between included photos) on the right side of dlib's threshold, with dlib's
    chips and with template chips: {dataset: (pairs, right with dlib chips, right with template)}."""
    by_name = {f["name"]: f for f in faces}
    out = {}
    for dataset in DATASETS:
        n = right_dlib = right_template = 0
        with open(ref.SHARED / "faces" / dataset / "pairs.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                a, b = (by_name.get(f"{dataset}/{row[k]}") for k in ("img_a", "img_b"))
                if a is None or b is None:
                    continue
                same = row["same"] == "1"
                n += 1
                for key in ("dlib_descriptor", "template_descriptor"):
                    hit = (np.linalg.norm(a[key] - b[key]) < threshold) == same
                    if key == "dlib_descriptor":
                        right_dlib += hit
                    else:
                        right_template += hit
        out[dataset] = (n, right_dlib, right_template)
    return out


def fmt(v):
    return f"{v:.1f}"


def report(faces, excluded, template, spread, worst, evaluation, pairs):
    n = len(faces)
    direct = np.array([f["warp_shift"] for f in faces if not f["pyramid"]])
    pyramid = np.array([f["warp_shift"] for f in faces if f["pyramid"]])
    lines = [
        "# The dlib chip template for YuNet landmarks",
        "",
        "Written by `models/tools/derive_template.py --write`; the template is in",
        "`models/manifest.toml` (`dlib-resnet-v1`, `[model.alignment]`).",
        "",
        "## Method",
        "",
        f"{n} labelled single-face photos from `../shared/faces` ({' and '.join(DATASETS)}; "
        f"{len(excluded)} excluded: {'; '.join(excluded) or 'none'}).",
        "For each: YuNet 2023mar (OpenCV `FaceDetectorYN`, score 0.9, photo scaled to at most 640 px)",
        "gives the box and five landmarks; dlib's 5-point shape predictor (face_recognition_models)",
        "runs on that box; `dlib.get_face_chip_details(shape, 150, 0.25)` gives the chip, whose",
        "image-to-chip map is rebuilt as dlib's `get_mapping_to_chip` does (the chip rectangle's",
        "corners rotated by `angle` about its centre go to (0,0), (149,0), (149,149)). Check: warping",
        "each photo with that map reproduces `dlib.get_face_chip` (shift by phase correlation) to",
        f"within {direct.max():.2f} px on the {len(direct)} faces dlib samples directly, and",
        f"{pyramid.max():.2f} px on the {len(pyramid)} it first shrinks with its image pyramid (whose",
        "approximate coordinates shift dlib's own chips a little). YuNet's landmarks are mapped into",
        "the chip; the template is their mean. Chip pixel centres are at integer coordinates.",
        "",
        "## Template (chip pixels, 150x150)",
        "",
        "| # | landmark (YuNet order) | x | y | std x | std y | worst distance from mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, name in enumerate(NAMES):
        lines.append(f"| {i} | {name} | {template[i, 0]:.2f} | {template[i, 1]:.2f} | "
                     f"{spread[i, 0]:.2f} | {spread[i, 1]:.2f} | {worst[i]:.1f} |")
    moved, resampled, templated = evaluation.T
    lines += [
        "",
        "The spread is mostly real: dlib's landmarks (eye corners, bottom of the nose) and YuNet's",
        "(eye centres, nose tip, mouth corners) sit differently on different faces and head poses.",
        "",
        "## What aligning to the template costs",
        "",
        "Each photo aligned by a least-squares similarity fit of its YuNet landmarks to the template,",
        "compared with dlib's own chip of the same photo (median / 90th percentile / max):",
        "",
        f"- chip corner displacement: {fmt(np.median(moved))} / {fmt(np.percentile(moved, 90))} / "
        f"{fmt(moved.max())} px",
        f"- dlib descriptor distance, template chip vs dlib chip: {np.median(templated):.3f} / "
        f"{np.percentile(templated, 90):.3f} / {templated.max():.3f}",
        f"- the same for dlib's own map with OpenCV resampling (the floor): "
        f"{np.median(resampled):.3f} / {np.percentile(resampled, 90):.3f} / {resampled.max():.3f}",
        "",
        "For scale: dlib's same-person threshold is 0.6. Labelled pairs on the right side of it:",
        "",
        *(f"- {dataset}: {right_dlib}/{n} with dlib's chips, {right_template}/{n} with template chips"
          for dataset, (n, right_dlib, right_template) in pairs.items()),
        "",
        "## Re-run",
        "",
        "```",
        "bash scripts/setup-models.sh",
        ".cache/venv/bin/python models/tools/derive_template.py          # report only",
        ".cache/venv/bin/python models/tools/derive_template.py --write  # update manifest + this file",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_manifest(template, spread, n):
    path = ref.REPO / "models/manifest.toml"
    text = path.read_text()
    points = ", ".join(f"[{x:.2f}, {y:.2f}]" for x, y in template)
    spreads = ", ".join(f"({sx:.1f}, {sy:.1f})" for sx, sy in spread)
    block = (f"{BEGIN}\n"
             f"# Derived by models/tools/derive_template.py (see models/TEMPLATE.md): mean of YuNet's\n"
             f"# landmarks mapped into dlib's chip over n = {n} labelled single-face photos of\n"
             f"# ../shared/faces (face_recognition + deepface-dev). Per-point std (x, y) in chip px:\n"
             f"# {spreads}.\n"
             f"template = [{points}]\n"
             f"{END}")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        sys.exit(f"derive_template: {path} has no '{BEGIN}' ... '{END}' block to replace")
    path.write_text(pattern.sub(lambda _: block, text, count=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true",
                    help="write the template into models/manifest.toml and models/TEMPLATE.md")
    args = ap.parse_args()
    if not (ref.SHARED / "faces").is_dir():
        sys.exit(f"derive_template: labelled photos not found at {ref.SHARED / 'faces'} "
                 f"(set ATTEND_SHARED to the shared folder)")

    faces, excluded, dlib_pipeline = collect()
    bad = [f"{f['name']}: {f['warp_shift']:.2f} px" for f in faces
           if f["warp_shift"] > (MAX_SHIFT_PYRAMID if f["pyramid"] else MAX_SHIFT_DIRECT)]
    if bad:
        sys.exit("derive_template: the rebuilt chip map does not reproduce dlib's chips:\n  "
                 + "\n  ".join(bad))
    points = np.stack([f["in_chip"] for f in faces])  # faces x 5 x 2
    template = points.mean(axis=0)
    spread = points.std(axis=0)
    worst = np.linalg.norm(points - template, axis=2).max(axis=0)
    evaluation = evaluate(faces, template, dlib_pipeline)
    text = report(faces, excluded, template, spread, worst, evaluation, pair_accuracy(faces))
    print(text)
    if args.write:
        write_manifest(template, spread, len(faces))
        (ref.REPO / "models/TEMPLATE.md").write_text(text)
        print("derive_template: wrote models/manifest.toml and models/TEMPLATE.md", file=sys.stderr)


if __name__ == "__main__":
    main()
