from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.server import Server, start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(
        tmp_path_factory.mktemp("diptych"), env={"DIPTYCH_CONSISTENCY_TIMEOUT": "3"}
    )
    yield running
    assert running.stop() == 0, running.log.read_text()
