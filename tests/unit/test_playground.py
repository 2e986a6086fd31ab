"""The playground page and its assets, served by a tiny app in process (no browser here; see
tests/e2e/test_playground_browser.py for the page really rendering)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from schema.http.playground import (
    ASSETS_DIR,
    ASSETS_PATH,
    CONTENT_SECURITY_POLICY,
    playground_page,
    playground_routes,
)

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_DIR = ASSETS_DIR.parent
CONTENT_TYPES = {".js": {"text/javascript", "application/javascript"}, ".css": {"text/css"}}


class PageParser(HTMLParser):
    """Every URL the page names, every inline script or style, every on* handler."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action", "formaction", "poster", "srcset", "data"}:
                self.urls.append(value or "")
            if name.startswith("on") or name == "style":
                self.inline.append(f"<{tag} {name}=...>")
        self._open = tag if tag in {"script", "style"} else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(f"<{self._open}>{data.strip()[:80]}")

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def page_html() -> str:
    return bytes(playground_page().body).decode()


def is_same_origin(url: str) -> bool:
    """A path on this origin (not //host/...), or a data: URL, which loads nothing."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    return not parts.scheme and not parts.netloc and url.startswith("/")


def asset_urls() -> list[str]:
    return [url for url in parse(page_html()).urls if url.startswith(f"{ASSETS_PATH}/")]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The page at GET /graphql and the assets, as Diptych serves them."""

    async def page(request: Request) -> Response:
        return playground_page()

    app = Starlette(routes=[Route("/graphql", page), *playground_routes()])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://diptych.test") as client:
        yield client


def test_the_playground_page_loads_nothing_from_another_host() -> None:
    urls = parse(page_html()).urls
    assert urls, "the parser found no URL at all"
    assert [url for url in urls if not is_same_origin(url)] == []


def test_the_playground_script_names_no_url_on_another_host() -> None:
    script = (ASSETS_DIR / "playground.js").read_text()
    # Any absolute URL (scheme://... or protocol-relative //host) in a string literal.
    absolute = re.findall(r"""["'`]((?:[a-z][a-z0-9+.-]*:)?//[^"'`]*)""", script, re.IGNORECASE)
    assert absolute == []
    # What it does name: paths, resolved against the page's own location.
    named = re.findall(r"""new URL\(\s*["'`]([^"'`]*)""", script)
    assert named == ["/graphql"]


def test_the_playground_page_has_no_inline_script_or_style_for_a_strict_policy() -> None:
    assert parse(page_html()).inline == []


def test_the_playground_page_carries_a_strict_content_security_policy() -> None:
    policy = playground_page().headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(
        (name, values) for name, _, values in (d.strip().partition(" ") for d in policy.split(";"))
    )
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"


async def test_the_page_is_served_as_html_with_its_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_every_asset_the_page_references_is_served_with_its_content_type(
    client: httpx.AsyncClient,
) -> None:
    urls = asset_urls()
    assert len(urls) == 8  # 3 stylesheets, 5 scripts
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type in CONTENT_TYPES[Path(urlsplit(url).path).suffix], url
        assert response.content == (ASSETS_DIR / Path(urlsplit(url).path).name).read_bytes()


async def test_assets_may_be_cached_for_a_year_because_their_urls_are_versioned(
    client: httpx.AsyncClient,
) -> None:
    for url in asset_urls():
        response = await client.get(url)
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", url
        # Vendored files carry their version in the name, ours a content hash in the query.
        assert re.search(r"-\d+\.\d+\.\d+\.|\?v=[0-9a-f]{16}$", url), url


async def test_an_asset_that_does_not_exist_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ASSETS_PATH}/graphiql-0.0.0.min.js")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


def test_every_vendored_package_ships_its_licence() -> None:
    licences = {path.name for path in (PLAYGROUND_DIR / "licenses").iterdir()}
    for asset in ASSETS_DIR.iterdir():
        if asset.name.startswith("playground."):
            continue  # ours, under the project's licence
        package_and_version = re.match(r"(.+?-\d+\.\d+\.\d+)\.", asset.name)
        assert package_and_version, asset.name
        assert f"{package_and_version[1]}.LICENSE" in licences, asset.name


def test_the_wheel_ships_every_playground_file() -> None:
    """setuptools takes only the files [tool.setuptools.package-data] names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert any(
        re.fullmatch(pattern.replace(".", r"\.").replace("*", ".*"), "schema.http.playground")
        for pattern in config["packages"]["find"]["include"]
    )
    globs = config["package-data"]["schema.http.playground"]
    files = [
        path.relative_to(PLAYGROUND_DIR)
        for path in PLAYGROUND_DIR.rglob("*")
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
    ]
    assert files
    assert [str(path) for path in files if not any(path.match(g) for g in globs)] == []
