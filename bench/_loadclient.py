"""A cheap HTTP/1.1 keep-alive load client for the benches: one event loop per process.

The benches run their clients on the same two cores as the server they measure, so the
client's own CPU is taken from the server. ``http.client`` in one thread per connection costs
about as much per request as a small part of the server (docs/performance.md, issue 19,
twelfth session); pgbench, the baseline, has a client written in C. This one sends requests
built once as bytes and reads answers with ``Content-Length`` (what Django and gunicorn send)
from non-blocking reads in one ``selectors`` loop, so a request costs the client a few tens of
microseconds.

A *flow* is a generator that yields the request bytes of each step and is sent
``(status, body)`` of each answer; it returns the status that ends it (``201`` = success)::

    def flow(token):
        status, body = yield b"POST /x HTTP/1.1\\r\\n..."
        if status != 201:
            return status
        status, body = yield b"POST /y HTTP/1.1\\r\\n..."
        return status

``run(port, flows, start_at, measure_from, stop_at)`` runs one connection per flow factory
until ``stop_at`` and returns ``(samples, errors, cpu_seconds)``: one tuple of step durations
per complete flow that began after ``measure_from`` and ended by ``stop_at``, the errors (a
status other than 201, or what broke a connection), and the process's CPU.
"""

from __future__ import annotations

import resource
import selectors
import socket
import time
from collections.abc import Callable, Generator

Flow = Generator[bytes, tuple[int, bytes], int]


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """An HTTP/1.1 request as bytes (keep-alive, ``Content-Length`` always given)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Connection:
    __slots__ = ("sock", "factory", "flow", "buffer", "began", "step_began", "steps")

    def __init__(self, sock: socket.socket, factory: Callable[[], Flow]) -> None:
        self.sock = sock
        self.factory = factory
        self.flow: Flow | None = None
        self.buffer = b""
        self.began = 0.0
        self.step_began = 0.0
        self.steps: list[float] = []


def _answer(buffer: bytes) -> tuple[int, bytes, bytes] | None:
    """(status, body, rest) once the buffer holds a whole answer, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].decode("latin-1")
    status = int(head[9:12])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            raise ValueError("chunked answers are not read by this client")
    start = end + 4
    if len(buffer) < start + length:
        return None
    return status, buffer[start : start + length], buffer[start + length :]


def run(
    port: int,
    factories: list[Callable[[], Flow]],
    start_at: float,
    measure_from: float,
    stop_at: float,
    host: str = "127.0.0.1",
) -> tuple[list[tuple[float, ...]], list[str], float]:
    selector = selectors.DefaultSelector()
    samples: list[tuple[float, ...]] = []
    errors: list[str] = []
    cpu0 = _cpu()

    def connect(factory: Callable[[], Flow]) -> _Connection:
        sock = socket.create_connection((host, port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(sock, factory)
        selector.register(sock, selectors.EVENT_READ, conn)
        return conn

    def begin(conn: _Connection) -> bool:
        """Start the next flow on the connection; False once the run is over."""
        now = time.time()
        if now >= stop_at:
            return False
        conn.flow = conn.factory()
        conn.began = now
        conn.steps = []
        conn.step_began = time.perf_counter()
        conn.sock.sendall(next(conn.flow))
        return True

    def broken(conn: _Connection, reason: str) -> None:
        errors.append(reason)
        selector.unregister(conn.sock)
        conn.sock.close()
        if time.time() < stop_at:
            try:
                fresh = connect(conn.factory)
            except OSError as exc:
                errors.append(type(exc).__name__)
                return
            begin(fresh)

    connections = [connect(factory) for factory in factories]
    while time.time() < start_at:
        time.sleep(0.001)
    for conn in connections:
        begin(conn)
    deadline = stop_at + 60
    while selector.get_map() and time.time() < deadline:
        for key, _mask in selector.select(timeout=1.0):
            conn = key.data
            try:
                data = conn.sock.recv(65536)
            except OSError as exc:
                broken(conn, type(exc).__name__)
                continue
            if not data:
                broken(conn, "closed by the server")
                continue
            conn.buffer += data
            try:
                answer = _answer(conn.buffer)
            except ValueError as exc:
                broken(conn, str(exc))
                continue
            if answer is None:
                continue
            status, body, conn.buffer = answer
            now = time.perf_counter()
            conn.steps.append(now - conn.step_began)
            conn.step_began = now
            assert conn.flow is not None
            try:
                conn.sock.sendall(conn.flow.send((status, body)))
                continue
            except StopIteration as stop:
                final = stop.value
            except OSError as exc:
                broken(conn, type(exc).__name__)
                continue
            ended = time.time()
            if final != 201:
                errors.append(str(final))
            elif conn.began >= measure_from and ended <= stop_at:
                samples.append(tuple(conn.steps))
            if not begin(conn):
                selector.unregister(conn.sock)
                conn.sock.close()
    for key in list(selector.get_map().values()):
        errors.append("no answer within 60 s of the end")
        key.fileobj.close()
    return samples, errors, _cpu() - cpu0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
