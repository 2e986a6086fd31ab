"""The README's GraphQL examples, for the benchmark that validates them and the test that pastes
them into a server. No third-party imports: tests import it without the harness's own
dependencies (matplotlib, tqdm)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def examples() -> list[str]:
    """The GraphQL blocks of the README's first section, `PASTE-...` placeholders and all
    (tests/e2e/test_readme_examples.py pastes real values into them)."""
    text = README.read_text()
    section = text[text.index("## A first mutation and query"):text.index("## What it is")]
    return re.findall(r"```graphql\n(.*?)```", section, flags=re.DOTALL)
