"""The embedded index (read/tantivy/) honours the whole search-index contract, on a directory of
this test's own. Its writer thread is tested apart (tests/integration/test_tantivy_writes.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from read.index import SearchIndex
from read.tantivy.tantivy_index import TantivyIndex
from tests.contracts.index_contract import IndexContract


class TestTantivyIndex(IndexContract):
    @pytest.fixture
    def new_index(self, tmp_path: Path) -> Callable[[], SearchIndex]:
        return partial(TantivyIndex, tmp_path / "index")
