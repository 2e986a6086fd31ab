"""The in-memory fake of the search index honours the write part of the port's contract, which is
what the unit tests lean on it for. It does not search (it refuses to: tests/unit/memory_index.py),
so the search and paging contracts run against the real adapters only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from read.index import SearchIndex
from tests.contracts.index_writes_contract import IndexWritesContract
from tests.unit.memory_index import MemoryIndex


class TestMemoryIndex(IndexWritesContract):
    @pytest.fixture
    def new_index(self) -> Callable[[], SearchIndex]:
        shared = MemoryIndex()  # the fake's storage is itself: every "reopening" sees it

        def the_same_index() -> SearchIndex:
            return shared

        return the_same_index
