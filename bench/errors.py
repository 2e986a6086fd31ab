"""The errors the harness reports as a line instead of a traceback."""


class BenchError(Exception):
    """A run cannot go on: a process did not start, an answer was wrong, a backend refused."""


class NotRun(Exception):
    """A scenario cannot run with this run's backends (say, it needs PostgreSQL): the run goes on
    without it, and the report says why."""
