"""A headless Chromium for the browser tests, driven over its DevTools protocol."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TIMEOUT = 30.0
# Chromium's connections to Google's hosts are refused on this machine's closed network.
QUIET = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


@contextlib.contextmanager
def devtools(chromium: Path, name: str, *flags: str) -> Iterator[str]:
    """Chromium with these flags on a fresh profile; yields its DevTools WebSocket URL."""
    profile = Path(tempfile.mkdtemp(prefix=f"{name}-chromium-"))
    log = profile / "chromium.log"  # read back into the error if Chromium will not start
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(chromium), *QUIET, f"--user-data-dir={profile}", *flags,
             "--remote-debugging-port=0",  # a free port, which Chromium writes to a file
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    try:
        active_port = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (active_port.exists() and len(active_port.read_text().splitlines()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chromium did not open its DevTools port (exit {process.poll()}):\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.05)
        port, path = active_port.read_text().splitlines()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
