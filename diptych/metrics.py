"""GET /metrics: the projection status and the live subscriptions, for Prometheus.

Each scrape asks for the status afresh (a few indexed queries), so the figures are as current as
the scrape, and the throughput and stall detection sample at the scraper's pace.

While the write store cannot be reached the status cannot be computed: the scrape answers 503
(Prometheus records it as failed, `up == 0`, rather than as figures it would take for true), with
the reason in a comment line and the figures that do not need the store.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from read.index import IndexUnavailable
from schema.context import Services
from write.command_errors import StoreUnavailable


class Metrics:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def endpoint(self, request: Request) -> Response:
        registry = CollectorRegistry()

        def gauge(name: str, help_: str, value: float, **labels: str) -> None:
            metric = Gauge(f"diptych_{name}", help_, list(labels), registry=registry)
            (metric.labels(**labels) if labels else metric).set(value)

        gauge("subscribers", "Live subscriptions listening to the visibility feed",
              self._services.feed.subscribers)
        if self._services.status is not None:
            try:
                s = await self._services.status.status()
            except (StoreUnavailable, IndexUnavailable) as error:
                what = "write store" if isinstance(error, StoreUnavailable) else "index"
                reason = f"# {what} unavailable: {error}".splitlines()[0] + "\n"
                return Response(reason.encode() + generate_latest(registry), status_code=503,
                                media_type=CONTENT_TYPE_LATEST)
            positions = Gauge("diptych_log_position", "Positions in the event log", ["stage"],
                              registry=registry)
            positions.labels(stage="committed").set(s.head_position)
            positions.labels(stage="published").set(s.relay_position)
            positions.labels(stage="projected").set(s.projector_position)
            gauge("projection_lag_events", "Committed events the index does not reflect yet",
                  s.lag_events)
            gauge("projection_lag_seconds", "Age of the oldest event not projected yet",
                  s.lag_seconds)
            gauge("outbox_unpublished", "Events not yet accepted by the broker", s.unpublished)
            gauge("projection_throughput_events_per_second",
                  "Events projected per second over the last minute", s.throughput)
            gauge("projection_stalled", "1 when events wait and the projector does not move",
                  float(s.stalled))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
