"""The user documents: their kind, the fields the index holds, and the shape of a body."""

from __future__ import annotations

from read.documents import INTEGER, KEYWORD, TEXT, IndexSpec, fields

USER = "user"

# User: {name, email, status: "active"|"deactivated", registered_at: ISO-8601, name_key,
#   email_key, registered_ms, order_count, spent_cents, total_spent: "12.50",
#   order_ids: [...] (the orders that follow this user's name and email)}
USER_SPEC = IndexSpec(
    USER,
    fields(
        name=TEXT,
        email=TEXT,
        status=KEYWORD,
        email_key=KEYWORD,
        name_key=KEYWORD,
        registered_ms=INTEGER,
        order_count=INTEGER,
        spent_cents=INTEGER,
    ),
)
