#!/usr/bin/env bash
# Face-pipeline benchmarks against their references, in one run: end-to-end vs Python
# face_recognition (dlib), YuNet vs OpenCV's FaceDetectorYN, and 1:N matching vs FAISS. Prints
# a table of ratios. Release build; references in .cache/venv.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup-ort.sh >/dev/null
bash scripts/setup-models.sh
# face_recognition is a thin wrapper over dlib: take dlib from dlib-bin (already installed by
# setup-models.sh) instead of building dlib from source. Installed only when not yet there.
venv_with_requirements .cache/venv vision/bench/requirements.txt --no-deps face_recognition==1.3.0

cargo build --release --locked -p attend-vision
./target/release/attend-vision bench "$@"
