"""The raw limit beside GraphQL reads: a bare Starlette JSON route that calls the same index query
(read.query.product_queries.products) on the same index, served by uvicorn the way `diptych
serve` serves the API (same uvicorn settings, access log included).

    python -m bench.raw_read_server --index-dir DIR --port N [--read-only]

GET /products?search=WORDS&first=N answers the fields the read scenario's GraphQL query selects.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from types import FrameType
from typing import TypedDict

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from read.index import SearchIndex
from read.query import product_queries
from read.query.product_queries import ProductFilter
from read.tantivy.tantivy_index import TantivyIndex

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as diptych/cli.py logs


class State(TypedDict):
    index: SearchIndex


async def products(request: Request) -> Response:
    index: SearchIndex = request.state.index
    where = ProductFilter(search=request.query_params.get("search"))
    first = int(request.query_params.get("first", 20))
    page = await product_queries.products(index, where, first=first)
    categories = sorted(page.facets.get("category", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return JSONResponse({
        "totalCount": page.total_count,
        "edges": [
            {
                "cursor": edge.cursor,
                "node": {
                    "id": edge.node.id,
                    "sku": edge.node.sku,
                    "name": edge.node.name,
                    "price": str(edge.node.price),
                    "stock": edge.node.stock,
                    "category": edge.node.category,
                },
            }
            for edge in page.edges
        ],
        "pageInfo": {"hasNextPage": page.has_next_page, "endCursor": page.end_cursor},
        "facets": {"category": [{"value": v, "count": n} for v, n in categories]},
    })


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(index_dir: Path, read_only: bool) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        index = TantivyIndex(index_dir, read_only=read_only)
        await index.open()
        try:
            yield {"index": index}
        finally:
            await index.close()

    return Starlette(
        routes=[Route("/products", products), Route("/health", health)], lifespan=lifespan
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.raw_read_server")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    config = uvicorn.Config(create_app(args.index_dir, args.read_only), log_level="info",
                            lifespan="on", host="127.0.0.1", port=args.port)

    def stopped(signum: int, frame: FrameType | None) -> None:
        log.info("stopped by %s", signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):  # uvicorn re-raises them after its shutdown
        signal.signal(signum, stopped)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # as `diptych serve`
        runner.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
