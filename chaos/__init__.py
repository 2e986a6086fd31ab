"""The chaos harness (`make chaos`, `python -m chaos [SCENARIO...]`), a development tool of the
checkout, like bench/: neither the wheel nor the image ships it.

Each scenario runs Diptych as in production on real parts (PostgreSQL, RabbitMQ, tantivy), breaks
one of them under a stream of writes, and checks afterwards that the index holds exactly what the
write store says: events lost, documents duplicated, events still stale, and how long the read
side took to converge. Scenarios live one per module in chaos/scenarios/.
"""
