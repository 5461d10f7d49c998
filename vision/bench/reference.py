#!/usr/bin/env python3
"""Reference implementations for `attend-vision bench`, timed on the same images.

Tooling only: the product never runs Python. Prints one JSON object on stdout.

  reference.py e2e IMAGE...                  face_recognition (dlib: HOG detector, 5-point
                                             landmarks, ResNet descriptor) per image
  reference.py yunet MODEL WIDTH HEIGHT IMAGE...  OpenCV FaceDetectorYN on frames resized to WxH
"""
import json
import sys
import time

REPEATS = 3


def best_of(fn, repeats=REPEATS):
    """Fastest of a few runs: the least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def e2e(images):
    try:
        import face_recognition  # the package people would otherwise pick
    except ImportError as e:  # pragma: no cover - reported, not hidden
        sys.exit(f"reference needs face_recognition (pip install --no-deps face_recognition): {e}")
    import dlib

    dlib.DLIB_USE_CUDA = False
    loaded = [face_recognition.load_image_file(p) for p in images]
    faces = []

    def run():
        faces.clear()
        for img in loaded:
            boxes = face_recognition.face_locations(img)  # default: HOG, one upsample
            faces.append(len(face_recognition.face_encodings(img, boxes, model="small")))

    seconds = best_of(run)
    return {"impl": "face_recognition " + face_recognition.__version__, "images": len(images),
            "ms_per_image": 1000 * seconds / len(images), "faces": sum(faces)}


def yunet(model, width, height, images):
    import cv2

    cv2.setNumThreads(1)
    detector = cv2.FaceDetectorYN.create(model, "", (width, height), 0.9, 0.3, 5000)
    frames = [cv2.resize(cv2.imread(p), (width, height), interpolation=cv2.INTER_AREA) for p in images]
    found = []

    def run():
        found.clear()
        for f in frames:
            _, faces = detector.detect(f)
            found.append(0 if faces is None else len(faces))

    run()  # warm-up: OpenCV builds its network on first use
    seconds = best_of(run)
    return {"impl": "opencv " + cv2.__version__, "frames": len(frames), "width": width, "height": height,
            "ms_per_frame": 1000 * seconds / len(frames), "faces": sum(found)}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    if argv[1] == "e2e":
        out = e2e(argv[2:])
    elif argv[1] == "yunet":
        out = yunet(argv[2], int(argv[3]), int(argv[4]), argv[5:])
    else:
        sys.exit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
