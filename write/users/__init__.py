"""The User aggregate: its state and rules (user.py), commands, events, handlers and declaration
(user_kind.py)."""
