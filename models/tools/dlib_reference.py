"""dlib's own face pipeline, with YuNet boxes, for the parity test and the template derivation.

YuNet (OpenCV's FaceDetectorYN) finds the face; dlib's 5-point shape predictor (from PyPI
face_recognition_models; never the 68-point one, which is non-commercial) places the landmarks;
dlib.get_face_chip cuts the 150x150 chip; dlib's ResNet computes the reference descriptor.
Tooling only (needs dlib-bin and opencv-python-headless from models/requirements.txt).
"""
import csv
import math
import os
import tomllib
from pathlib import Path

import cv2
import dlib
import face_recognition_models
import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ATTEND_SHARED", REPO.parent / "shared"))
MODELS = Path(os.environ.get("ATTEND_MODELS", REPO / ".cache/models"))
CHIP_SIZE, CHIP_PADDING = 150, 0.25  # what dlib's compute_face_descriptor uses
YUNET_MAX_SIDE = 640  # YuNet finds faces up to ~300 px: detect on a downscaled copy


def manifest():
    """The manifest's models by id."""
    with open(REPO / "models/manifest.toml", "rb") as f:
        return {m["id"]: m for m in tomllib.load(f)["model"]}


def model_path(model_id):
    return MODELS / manifest()[model_id]["file"]


def labelled_images(dataset):
    """Paths of the images listed in ../shared/faces/<dataset>/identities.csv, with identities."""
    root = SHARED / "faces" / dataset
    with open(root / "identities.csv", newline="") as f:
        return [(root / row["image"], row["identity"]) for row in csv.DictReader(f)]


def read_bgr(path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise RuntimeError(f"cannot read image {path}")
    return img


class YuNet:
    def __init__(self, path=None, score_threshold=0.9, nms_iou=0.3):
        path = path or model_path("yunet-2023mar")
        self.det = cv2.FaceDetectorYN.create(str(path), "", (320, 320), score_threshold, nms_iou)

    def detect(self, bgr):
        """Faces as rows [x, y, w, h, 5 x (lx, ly), score] in full-image pixels, best first."""
        h, w = bgr.shape[:2]
        scale = min(1.0, YUNET_MAX_SIDE / max(h, w))
        small = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
            if scale < 1 else bgr
        self.det.setInputSize((small.shape[1], small.shape[0]))
        _, faces = self.det.detect(small)
        if faces is None:
            return np.zeros((0, 15), np.float32)
        faces = faces.astype(np.float64)
        # Back to full-image pixels; cv2.resize aligns pixel centres, hence the half-pixel terms.
        faces[:, [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]] += 0.5
        faces[:, :14] /= scale
        faces[:, [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]] -= 0.5
        return faces[np.argsort(-faces[:, 14])]


class DlibPipeline:
    def __init__(self):
        self.predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self.net = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())

    def shape(self, rgb, face):
        """dlib's 5 landmarks for a YuNet face row (its box, as an inclusive dlib rectangle)."""
        x, y, w, h = face[:4]
        box = dlib.rectangle(round(x), round(y), round(x + w) - 1, round(y + h) - 1)
        return self.predictor(rgb, box)

    @staticmethod
    def chip(rgb, shape):
        return dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)

    def descriptor(self, chip):
        return np.array(self.net.compute_face_descriptor(chip), dtype=np.float64)


def image_to_chip(shape):
    """2x3 affine matrix mapping image points to dlib's chip for this shape.

    As dlib's get_mapping_to_chip: the chip's corners (0,0), (cols-1,0), (cols-1,rows-1) are the
    chip rectangle's tl, tr, br corners rotated by `angle` about its centre.
    """
    d = dlib.get_face_chip_details(shape, CHIP_SIZE, CHIP_PADDING)
    r = d.rect
    cx, cy = (r.left() + r.right()) / 2, (r.top() + r.bottom()) / 2
    c, s = math.cos(d.angle), math.sin(d.angle)

    def rotated(x, y):
        return cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy)

    src = [rotated(r.left(), r.top()), rotated(r.right(), r.top()), rotated(r.right(), r.bottom())]
    dst = [(0, 0), (d.cols - 1, 0), (d.cols - 1, d.rows - 1)]
    return cv2.getAffineTransform(np.float32(src), np.float32(dst)).astype(np.float64)


def apply(m, points):
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return points @ m[:, :2].T + m[:, 2]


def warp_chip(rgb, m, size):
    """Bilinear warp of an image into a chip with the image->chip affine m.

    When the chip is much smaller than the face, shrink the image first (INTER_AREA) so bilinear
    sampling does not alias, as dlib does with its image pyramid.
    """
    scale = math.sqrt(abs(np.linalg.det(m[:, :2])))
    if scale < 1.0:
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        fx, fy = small.shape[1] / w, small.shape[0] / h
        # small pixel p -> full pixel (p + 0.5) / f - 0.5 -> chip
        pre = np.array([[1 / fx, 0, 0.5 / fx - 0.5], [0, 1 / fy, 0.5 / fy - 0.5], [0, 0, 1]])
        rgb, m = small, m @ pre
    return cv2.warpAffine(rgb, m, tuple(size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def similarity(src, dst):
    """Least-squares similarity transform (rotation, uniform scale, shift) src -> dst, as 2x3.

    Umeyama's method without reflection: what the Rust side does with the template.
    """
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    a, b = src - ms, dst - md
    cov = b.T @ a / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = np.trace(np.diag(sig) @ d) / a.var(0).sum()
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = md - scale * rot @ ms
    return m
