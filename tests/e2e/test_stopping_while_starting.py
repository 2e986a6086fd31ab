"""SIGTERM and Ctrl-C stop `diptych serve` and `diptych worker projector` while they are still
starting (here: held at connecting to a broker that accepts and never answers), with status 0
and one line saying so; before, start-up ignored them until it finished or failed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.server import free_port


@pytest.mark.parametrize(("command", "signum"), [
    (("serve",), signal.SIGTERM),
    (("serve",), signal.SIGINT),
    (("worker", "projector"), signal.SIGTERM),
])
def test_a_signal_while_starting_stops_the_process(
    tmp_path: Path, command: tuple[str, ...], signum: signal.Signals
) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # a "broker" that never says a word
    silent.settimeout(30)
    port = silent.getsockname()[1]
    env = {**os.environ, "DIPTYCH_DATA_DIR": str(tmp_path), "DIPTYCH_PORT": str(free_port()),
           "DIPTYCH_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/"}
    process = subprocess.Popen([sys.executable, "-m", "diptych", *command], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        try:
            connection, _ = silent.accept()  # it is starting: connecting to the broker
        except TimeoutError:
            raise AssertionError(process.communicate(timeout=5)[1]) from None
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=15)
    finally:
        process.kill()
        silent.close()
    assert process.returncode == 0, stderr
    assert f"stopped by {signum.name}" in stderr
    connection.close()
