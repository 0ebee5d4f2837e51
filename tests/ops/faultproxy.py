"""A small HTTP proxy on 127.0.0.1 in front of the moto server that injects the faults a real
incident brings: throttling, expired credentials, dropped connections and stalled answers.

Faults are armed per API action (the query protocol's ``Action=``), optionally only once another
action has gone through (``after``: "during the wait that follows RestoreDBClusterToPointInTime"),
and each fires a bounded number of times. A stall sleeps at most MAX_STALL seconds, then drops the
connection without forwarding. Only loopback is ever listened on or forwarded to.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_STALL = 5.0
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}

ERROR_XML = (
    '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">'
    "<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    "<RequestId>fault-{n}</RequestId></ErrorResponse>"
)
ERRORS = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "expired": (400, "ExpiredToken", "The security token included in the request is expired"),
}


@dataclass
class Fault:
    kind: str  # throttle | expired | drop | stall
    action: str | None = None  # None: any action
    count: int = 1
    after: str | None = None  # armed only once this action has been forwarded
    seconds: float = 0.0  # for stall


@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # actions forwarded to moto
    fired: list[tuple[str, str]] = field(default_factory=list)  # (kind, action) injected

    def __post_init__(self) -> None:
        host = urlsplit(self.upstream).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the fault proxy only forwards to loopback, not {host}")
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:  # quiet: pytest shows failures
                return

            def do_POST(self) -> None:
                proxy._handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, kind: str, action: str | None = None, count: int = 1, after: str | None = None,
            seconds: float = 0.0) -> None:
        if kind not in (*ERRORS, "drop", "stall"):
            raise ValueError(kind)
        self.faults.append(Fault(kind, action, count, after, min(seconds, MAX_STALL)))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                armed = fault.after is None or fault.after in self.seen
                if fault.count > 0 and armed and fault.action in (None, action):
                    fault.count -= 1
                    self.fired.append((fault.kind, action))
                    return fault
        return None

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        fault = self._take(action)
        if fault is not None and fault.kind in ERRORS:
            status, code, message = ERRORS[fault.kind]
            payload = ERROR_XML.format(code=code, message=message, n=len(self.fired)).encode()
            request.send_response(status)
            request.send_header("Content-Type", "text/xml")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
            return
        if fault is not None:
            if fault.kind == "stall":
                time.sleep(fault.seconds)
            request.close_connection = True
            request.connection.close()  # no answer at all: the client sees the connection end
            return
        upstream = urllib.request.Request(
            self.upstream + request.path,
            data=body if request.command != "GET" else None,
            method=request.command,
            headers={k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS},
        )
        try:
            with urllib.request.urlopen(upstream, timeout=30) as answer:
                status, headers, payload = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, payload = error.code, error.headers, error.read()
        with self._lock:
            self.seen.append(action)
        request.send_response(status)
        for key, value in headers.items():
            if key.lower() not in HOP_HEADERS:
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
