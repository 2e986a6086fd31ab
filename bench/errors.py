"""The one error the harness reports as a line instead of a traceback."""


class BenchError(Exception):
    """A run cannot go on: a process did not start, an answer was wrong, a backend refused."""
