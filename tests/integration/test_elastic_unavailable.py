"""An Elasticsearch cluster that cannot be reached fails `open()` at once, in one clear line.

This needs no cluster: it connects, for real, to a local port nobody listens on.
"""

from __future__ import annotations

import socket

import pytest

from read.elastic.elastic_index import ElasticIndex, IndexUnavailable
from read.projection.product_documents import PRODUCT


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_cluster_fails_open_with_one_line_naming_it_without_its_password(
) -> None:
    port = closed_port()
    index = ElasticIndex(f"http://elastic:s3cret@127.0.0.1:{port}", prefix="diptych-test")
    with pytest.raises(IndexUnavailable) as caught:
        await index.open()
    message = str(caught.value)
    where = f"http://elastic:***@127.0.0.1:{port}"
    assert message.startswith(f"Elasticsearch at {where} is unreachable: "), message
    assert "\n" not in message and "s3cret" not in message
    with pytest.raises(RuntimeError, match="not open"):
        await index.get(PRODUCT, "p1")
    await index.close()
