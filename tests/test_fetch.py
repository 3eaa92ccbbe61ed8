"""http:// inputs, against a real HTTP server on the loopback address: success, 404, too large, too slow.

The server (``http.server``, one thread per request) runs in this process; the command line is run as a real
process that downloads from it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kpalette
from kpalette import KPaletteError
from kpalette.fetch import fetch


def frame_png() -> bytes:
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    img[:12] = [30, 60, 120]
    buffer = io.BytesIO()
    Image.fromarray(img).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = frame_png()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        if self.path == "/frames/shot.png":
            self.answer(PNG)
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/frames/shot.png")
            self.end_headers()
        elif self.path == "/huge.png":   # claims 10 GiB: refused from the header, nothing downloaded
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 2**30))
            self.end_headers()
        elif self.path == "/endless.png":   # no length given: the client must stop reading by itself
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                pass
        elif self.path == "/slow.png":   # answers only after 5 s
            time.sleep(5)
            self.answer(PNG)
        elif self.path == "/trickle.png":   # one byte every 0.2 s: each read is quick, the whole is not
            self.send_response(200)
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            try:
                for byte in PNG[:40]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        else:
            self.send_error(404, "Not Found")

    def answer(self, data: bytes) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:   # the client gave up waiting (the time-limit test)
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "error", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    return subprocess.run([sys.executable, "-m", "kpalette", *map(str, args)], capture_output=True, env=env,
                          timeout=120)


def one_error(result: subprocess.CompletedProcess[bytes]) -> str:
    err = result.stderr.decode()
    assert result.returncode == 1 and result.stdout == b"" and err.count("\n") == 1, err
    assert err.startswith("kpalette: error: ")
    return err


def test_an_image_from_a_url_is_read_like_the_file(server: str, tmp_path: Path) -> None:
    (tmp_path / "shot.png").write_bytes(PNG)
    url = f"{server}/frames/shot.png"
    assert np.array_equal(kpalette.load_image(url), kpalette.load_image(tmp_path / "shot.png"))
    assert kpalette.extract_palette(url, 4) == kpalette.extract_palette(tmp_path / "shot.png", 4)
    assert np.array_equal(kpalette.load_image(f"{server}/moved"), kpalette.load_image(tmp_path / "shot.png"))
    by_url, by_file = run(url, "--format", "json"), run(tmp_path / "shot.png", "--format", "json")
    assert by_url.returncode == 0 and by_url.stderr == b""
    doc = json.loads(by_url.stdout)
    assert doc["image"] == url and doc["colors"] == json.loads(by_file.stdout)["colors"]


def test_url_outputs_are_named_after_the_file_in_the_address(server: str, tmp_path: Path) -> None:
    result = run(f"{server}/frames/shot.png", tmp_path / "missing.png", "--out-dir", tmp_path / "out",
                 "--format", "css")
    assert result.returncode == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["shot.css"]


def test_404_is_one_line(server: str) -> None:
    err = one_error(run(f"{server}/no-such-frame.png"))
    assert "no-such-frame.png: the server answered 404 Not Found" in err
    with pytest.raises(KPaletteError, match="404"):
        kpalette.load_image(f"{server}/no-such-frame.png")


def test_a_file_larger_than_the_limit_is_refused_from_its_header(server: str) -> None:
    start = time.monotonic()
    err = one_error(run(f"{server}/huge.png"))
    assert "the file is 10240 MiB, more than the 100 MiB kpalette downloads" in err
    assert time.monotonic() - start < 60


def test_a_download_without_a_length_stops_at_the_limit(server: str) -> None:
    with pytest.raises(KPaletteError, match="larger than the 1 MiB kpalette accepts"):
        fetch(f"{server}/endless.png", max_bytes=2**20)


def test_a_slow_server_runs_into_the_time_limit(server: str) -> None:
    start = time.monotonic()
    err = one_error(run(f"{server}/slow.png", "--timeout", "1"))
    assert "slow.png: no complete answer within 1 s" in err
    assert time.monotonic() - start < 4.5   # gave up before the server answered


def test_the_time_limit_covers_the_whole_download(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(KPaletteError, match="no complete answer within 1 s"):
        fetch(f"{server}/trickle.png", timeout=1.0)
    assert time.monotonic() - start < 2.5   # not 40 x 0.2 s


def test_no_server_at_all(tmp_path: Path) -> None:
    err = one_error(run("http://127.0.0.1:9/frame.png"))   # the discard port: nobody listens
    assert "http://127.0.0.1:9/frame.png: cannot download" in err
