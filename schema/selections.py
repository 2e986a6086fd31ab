"""What a request's selection asks of a field: so that work no client asked for (facets, price
ranges) is not done. Fragments count: `... on ProductConnection { facets { ... } }` asks too."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info


def asks_for(info: Info, name: str) -> bool:
    """Whether the field being resolved selects the subfield `name` (its GraphQL name)."""
    return any(_selects(field.selections, name) for field in info.selected_fields)


def _selects(selections: Iterable[Selection], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif isinstance(selection, (FragmentSpread, InlineFragment)) and _selects(
            selection.selections, name
        ):
            return True
    return False
