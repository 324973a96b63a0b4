"""The editor's local web server (Starlette on uvicorn): the page and the JSON API it uses.

Security model (docs/edit.md): it binds 127.0.0.1 (another host only when asked for explicitly); every request
must carry the session's secret token (``X-Nhgeo-Token`` header or ``?token=``) or gets 403; the Host header must
name this server (127.0.0.1:PORT or localhost:PORT: a DNS-rebinding page sends its own name); an Origin header,
when present, must be this server's own, and a cross-site ``Sec-Fetch-Site`` is refused (other sites' pages);
a POST must be JSON (no form can send it); no endpoint takes a file path; every response carries a strict
Content-Security-Policy (scripts and styles only with the page's nonce, connections only to itself, no framing).
The page puts every name into the document as text (``textContent``), never as markup.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .mapdata import SearchIndex, map_json
from .session import EditSession, Refused

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                  (b"cache-control", b"no-store"), (b"x-frame-options", b"DENY"),
                  (b"cross-origin-resource-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin")]


@dataclass
class Guard:
    """Who may talk to the server: the token, and the Host names and Origins that are this server."""

    token: str
    port: int
    host: str = "127.0.0.1"
    hosts: set[str] = field(default_factory=set)
    origins: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        names = {self.host, "localhost", "127.0.0.1"} if self.host == "127.0.0.1" else {self.host}
        self.hosts = {f"{h}:{self.port}" for h in names}
        self.origins = {f"http://{h}" for h in self.hosts}

    def refuse(self, scope: Scope) -> str | None:
        """Why this request is refused (None when it may go on)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if headers.get("host", "") not in self.hosts:
            return "unexpected Host header (only this server's own address is served)"
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return "requests from other sites' pages are refused (Origin)"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "requests from other sites' pages are refused (Sec-Fetch-Site)"
        given = headers.get("x-nhgeo-token")
        if given is None:
            given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token") or [""])[0]
        if not secrets.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
            return "missing or wrong token: open the address nhgeo edit printed (it carries the token)"
        if scope.get("method") == "POST" and not headers.get("content-type", "").startswith("application/json"):
            return "a POST must send JSON (Content-Type: application/json)"
        return None


class GuardMiddleware:
    """Refuse (403, JSON) what :class:`Guard` refuses; add the security headers to every response."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        why = self.guard.refuse(scope)
        if why is not None:
            headers = {"content-security-policy": API_CSP, **{k.decode(): v.decode() for k, v in COMMON_HEADERS}}
            await JSONResponse({"error": why, "code": "forbidden"}, status_code=403, headers=headers)(
                scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in COMMON_HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", API_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _asset(name: str) -> str:
    return resources.files("nhgeo.edit").joinpath("static", name).read_text(encoding="utf-8")


def page_html(nonce: str) -> str:
    """The editor page: the stylesheet and script inline under the response's nonce (no other request but the
    API's)."""
    return (_asset("edit.html").replace("{{NONCE}}", nonce).replace("{{CSS}}", _asset("edit.css"))
            .replace("{{JS}}", _asset("edit.js")))


def make_app(session: EditSession, guard: Guard) -> Starlette:
    """The Starlette app for ``session`` behind ``guard``."""
    cache: dict[str, Any] = {}
    # the map is drawn while the browser starts (shapely releases the GIL), not when the page asks for it
    drawn = threading.Thread(target=lambda: cache.setdefault("map", map_json(session.study)), daemon=True)
    drawn.start()

    def err(exc: Refused) -> JSONResponse:
        return JSONResponse({"error": str(exc), "code": exc.code, "version": session.version},
                            status_code=exc.status)

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise Refused("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request body must be a JSON object")
        return data

    def version(data: dict[str, Any]) -> int | None:
        v = data.get("version")
        if v is not None and not isinstance(v, int):
            raise Refused('"version" must be an integer')
        return v

    def text(data: dict[str, Any], key: str) -> str:
        v = data.get(key)
        if not isinstance(v, str):
            raise Refused(f'"{key}" must be text')
        return v

    async def index(request: Request) -> Response:
        nonce = secrets.token_urlsafe(18)
        csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
               "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        return HTMLResponse(page_html(nonce), headers={"content-security-policy": csp})

    async def state(request: Request) -> Response:
        return JSONResponse(session.state())

    async def version_of(request: Request) -> Response:
        return JSONResponse({"version": session.version, "unsaved": session.unsaved})

    async def map_(request: Request) -> Response:
        await run_in_threadpool(drawn.join)
        return Response(cache["map"], media_type="application/json")

    async def search(request: Request) -> Response:
        if "search" not in cache:
            cache["search"] = SearchIndex(session.study)
        q = request.query_params.get("q", "")
        hits = cache["search"].search(q, session.assignment.names, session.assignment.labels)
        return JSONResponse({"query": q, "results": hits})

    def post(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            try:
                return JSONResponse(fn(await body(request)))
            except Refused as exc:
                return err(exc)
        return handler

    def move(d: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(d.get("lsoas"), list):
            raise Refused('"lsoas" must be a list of LSOA codes')
        return session.move(d["lsoas"], text(d, "to"), version(d))

    def add(d: dict[str, Any]) -> dict[str, Any]:
        place, nid = d.get("place"), d.get("id")
        if (place is not None and not isinstance(place, str)) or (nid is not None and not isinstance(nid, str)):
            raise Refused('"place" and "id" must be text')
        return session.add(text(d, "name"), place or None, nid, version(d))

    def lock(d: dict[str, Any]) -> dict[str, Any]:
        return session.lock(text(d, "id"), bool(d.get("locked", True)), version(d))

    routes = [
        Route("/", index), Route("/api/state", state), Route("/api/version", version_of), Route("/api/map", map_),
        Route("/api/search", search),
        Route("/api/move", post(move), methods=["POST"]),
        Route("/api/undo", post(lambda d: session.undo(version(d))), methods=["POST"]),
        Route("/api/redo", post(lambda d: session.redo(version(d))), methods=["POST"]),
        Route("/api/save", post(lambda d: session.save(version(d))), methods=["POST"]),
        Route("/api/restore", post(lambda d: session.restore()), methods=["POST"]),
        Route("/api/discard", post(lambda d: session.discard()), methods=["POST"]),
        Route("/api/check", post(lambda d: session.full_check()), methods=["POST"]),
        Route("/api/add", post(add), methods=["POST"]),
        Route("/api/rename", post(lambda d: session.rename(text(d, "id"), text(d, "name"), version(d))),
              methods=["POST"]),
        Route("/api/remove", post(lambda d: session.remove(text(d, "id"), version(d))), methods=["POST"]),
        Route("/api/lock", post(lock), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(GuardMiddleware, guard=guard)
    return app


@dataclass
class Listener:
    """A bound socket, the address to open (with the token) and the app behind it."""

    sock: socket.socket
    url: str
    app: Starlette
    guard: Guard


def listen(session: EditSession, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> Listener:
    """Bind ``host``:``port`` (0 = a free port) and build the app; nothing is served until :func:`serve`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        from ..errors import InputError

        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port or leave "
                         "it out for a free one") from None
    sock.listen(64)
    bound = int(sock.getsockname()[1])
    guard = Guard(token or secrets.token_urlsafe(24), bound, host)
    return Listener(sock, f"http://{host}:{bound}/?token={guard.token}", make_app(session, guard), guard)


def serve(listener: Listener) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn re-raises the signal once it has shut down)."""
    import uvicorn

    config = uvicorn.Config(listener.app, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[listener.sock])
