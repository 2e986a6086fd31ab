"""GET /metrics: the projection status and the live subscriptions, for Prometheus.

Each scrape asks for the status afresh (a few indexed queries), so the figures are as current as
the scrape, and the throughput and stall detection sample at the scraper's pace.

While the write store cannot be reached the status cannot be computed: the scrape answers 503
(Prometheus records it as failed, `up == 0`, rather than as figures it would take for true), with
the reason in a comment line and the figures that do not need the store.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from read.freshness.projection_status import DIRECT, SILENT
from read.index import IndexUnavailable
from schema.context import Services
from write.command_errors import StoreUnavailable

# A counter here is built afresh at each scrape, from the process's own totals: its `_created`
# series would tell the scrape's time, not when counting began.
disable_created_metrics()  # type: ignore[no-untyped-call]


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
        if self._services.answers is not None:
            answers = self._services.answers.stats
            for name, help_, value in (
                ("answer_cache_hits", "Queries answered from the answer cache", answers.hits),
                ("answer_cache_misses", "Keepable queries that had to run", answers.misses),
                ("answer_cache_evictions", "Answers dropped to stay within the bytes bound",
                 answers.evicted),
            ):
                Counter(f"diptych_{name}", help_, registry=registry).inc(value)
            gauge("answer_cache_entries", "Answers kept", answers.entries)
            gauge("answer_cache_bytes", "Bytes of the answers kept", answers.bytes)
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
            gauge("projection_direct_sync",
                  "1 while the projector reads the event log itself (the broker is out of reach)",
                  float(s.mode == DIRECT))
            gauge("parked_events", "Events parked and waiting for `diptych parked retry`",
                  s.parked.count)
            gauge("parked_aggregates", "Aggregates held back by parked events",
                  s.parked.aggregates)
            gauge("parked_oldest_age_seconds", "Age of the oldest parked event; 0 when none",
                  (s.checked_at - s.parked.oldest).total_seconds() if s.parked.oldest else 0.0)
            per_source = (  # (metric, help, the figure of one source)
                ("diptych_projection_source_position",
                 "The log position each source of events is projected to",
                 lambda source: source.position),
                ("diptych_projection_source_lag_seconds",
                 "Age of the oldest event a source holds; 0 when none",
                 lambda source: source.lag_seconds),
                ("diptych_projection_source_stalled",
                 "1 when a source holds events and does not move",
                 lambda source: float(source.stalled)),
                ("diptych_projection_source_silent",
                 "1 when a source's process has not reported for a while",
                 lambda source: float(source.state == SILENT)),
            )
            for name, help_, figure in per_source:
                metric = Gauge(name, help_, ["source"], registry=registry)
                for source in s.sources:
                    metric.labels(source=source.source).set(figure(source))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
