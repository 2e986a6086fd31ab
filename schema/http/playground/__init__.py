"""The GraphiQL playground, served by Diptych itself: no file comes from a CDN.

strawberry's built-in page loads React and GraphiQL from unpkg, so offline or behind a firewall
it never gets past "Loading...". Here the same pinned builds are package data (see README.md in
this directory and scripts/update-playground-assets) and the page is written for a strict
Content-Security-Policy: every script and stylesheet is a same-origin file.

Wiring: answer a browser's GET /graphql with `playground_page()` and add `playground_routes()`
to the app's routes.
"""

from __future__ import annotations

import hashlib
import os
from html import escape
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["ASSETS_PATH", "CONTENT_SECURITY_POLICY", "playground_page", "playground_routes"]

ASSETS_PATH = "/graphql/assets"
ASSETS_DIR = Path(__file__).parent / "assets"  # a real directory in a checkout and in a wheel

# style-src 'unsafe-inline': GraphiQL's dialogs (settings, short keys) insert a <style> element
# to lock page scrolling; without it Chromium blocks that and reports a violation. connect-src:
# ws:/wss: for browsers older than CSP 3, where 'self' does not match the same origin's
# WebSocket. data: fonts and images: graphiql.min.css inlines its fonts and icons, and the
# favicon is an empty data: URL so the browser asks for no /favicon.ico.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

# A year, and immutable: every URL below changes whenever its content does (the vendored files
# carry their version in their name, our own files a hash of their content in the query).
_CACHE_FOREVER = "public, max-age=31536000, immutable"


def _vendored(pattern: str) -> str:
    """The one vendored file matching `pattern`; the update script replaces them by version."""
    found = sorted(path.name for path in ASSETS_DIR.glob(pattern))
    if len(found) != 1:
        raise RuntimeError(
            f"expected one {pattern} in {ASSETS_DIR}, found {found or 'none'}: "
            "run scripts/update-playground-assets"
        )
    return found[0]


def _ours(name: str) -> str:
    """Our own asset, with its content hash in the URL so an edited file is never served stale."""
    digest = hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:16]
    return f"{name}?v={digest}"


def _url(name: str) -> str:
    return escape(f"{ASSETS_PATH}/{name}")


# In load order: the explorer plugin reads window.React and window.GraphiQL; playground.js uses
# all of them.
_STYLES = [
    _vendored("graphiql-[0-9]*.min.css"),
    _vendored("graphiql-plugin-explorer-[0-9]*.css"),
    _ours("playground.css"),
]
_SCRIPTS = [
    _vendored("react-[0-9]*.production.min.js"),
    _vendored("react-dom-[0-9]*.production.min.js"),
    _vendored("graphiql-[0-9]*.min.js"),
    _vendored("graphiql-plugin-explorer-[0-9]*.umd.js"),
    _ours("playground.js"),
]

_PAGE = "\n".join(
    [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Diptych GraphQL playground</title>",
        '<link rel="icon" href="data:,">',
        *(f'<link rel="stylesheet" href="{_url(name)}">' for name in _STYLES),
        "</head>",
        "<body>",
        # No graphiql-container class here: that class appears only once GraphiQL has rendered.
        '<div id="graphiql">Loading the playground...</div>',
        *(f'<script src="{_url(name)}"></script>' for name in _SCRIPTS),
        "</body>",
        "</html>",
        "",
    ]
)


def playground_page() -> Response:
    """The GraphiQL page; its API is the same origin's /graphql, over HTTP and WebSocket."""
    return HTMLResponse(
        _PAGE,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            # Revalidate the page itself: it names the asset URLs, which change on upgrade.
            "Cache-Control": "no-cache",
        },
    )


class _VersionedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = _CACHE_FOREVER
        return response


def playground_routes() -> list[BaseRoute]:
    """The page's scripts and stylesheets at /graphql/assets/{name}."""
    return [
        Mount(
            ASSETS_PATH,
            # graphiql's build is 3.5 MB unminified; 0.7 MB gzipped. Only the assets are
            # compressed: GraphQL answers stay off that CPU cost.
            app=GZipMiddleware(_VersionedStaticFiles(directory=ASSETS_DIR)),
            name="playground-assets",
        )
    ]
