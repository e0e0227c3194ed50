"""HTTP exchanges the suite makes, recorded so that every failure can be replayed with curl."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

import httpx

JSON_TYPE = "application/json"


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int = 0
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    text: str = ""
    error: str = ""
    resource: str | None = None  # the profile resource path this exchange addressed
    _json: Any = None
    _parsed: bool = False

    @property
    def json(self) -> Any:
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.text) if self.text else None
            except ValueError:
                self._json = None
        return self._json

    def header(self, name: str) -> str | None:
        value: str | None = self.headers.get(name)
        return value

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body is not None:
            parts += ["--data-raw", shlex.quote(self.request_body.decode("utf-8", errors="replace"))]
        return " ".join(parts)

    def summary(self, limit: int = 1500) -> str:
        if self.error:
            return f"no HTTP answer ({self.error})"
        shown = {k: v for k, v in self.headers.items() if k.lower() not in ("date", "server")}
        head = "; ".join(f"{k}: {v}" for k, v in shown.items())
        body = self.text if len(self.text) <= limit else self.text[:limit] + " …"
        return f"HTTP {self.status} [{head}] {body}"


class Client:
    """A thin recording wrapper over httpx."""

    def __init__(self, headers: dict[str, str], timeout: float = 15.0) -> None:
        self.extra_headers = headers
        self.http = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)
        self.exchanges: list[Exchange] = []
        self.last: Exchange | None = None

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | list[tuple[str, str]] | None = None,
        json_body: Any = None,
        content: str | bytes | None = None,
        content_type: str | None = None,
        resource: str | None = None,
    ) -> Exchange:
        if params:
            url = str(httpx.URL(url, params=params))
        headers: dict[str, str] = dict(self.extra_headers)
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = content_type or JSON_TYPE
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else content
            headers["Content-Type"] = content_type or JSON_TYPE
        if method in ("GET", "DELETE") and body is None:
            pass
        headers.setdefault("Accept", JSON_TYPE)
        exchange = Exchange(method, url, headers, body, resource=resource)
        try:
            response = self.http.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as error:
            exchange.error = f"{type(error).__name__}: {error}"
        else:
            exchange.status = response.status_code
            exchange.headers = response.headers
            exchange.text = response.text
        self.exchanges.append(exchange)
        self.last = exchange
        return exchange
