"""Running the API under uvicorn, with one listening socket per worker process.

uvicorn's workers share one listening socket, and whichever worker wakes first accepts every
connection that is waiting: a burst of keep-alive connections (a load balancer's pool, a
client's connection pool) lands on one worker while the others idle. Here each worker opens
its own socket on the same address with ``SO_REUSEPORT``, and the Linux kernel spreads new
connections over them. Elsewhere (the BSDs and macOS accept the option but do not balance
with it), and with one worker, uvicorn runs as it does by itself.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve the application factory ``app`` ("module:function") on ``host``:``port``."""
    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers, **options)
    if workers == 1 or not sys.platform.startswith("linux"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    placeholder = _placeholder(host, port)
    bound_host, bound_port = placeholder.getsockname()[:2]
    log.info("Uvicorn running on http://%s:%d (one socket per worker)", bound_host, bound_port)
    Multiprocess(config, sockets=[placeholder]).run()


class _WorkerSocket(socket.socket):
    """A bound socket that is never listened on here: sent to a worker process, it arrives
    as a new socket of the worker's own on the same address (``SO_REUSEPORT``), which the
    worker listens on. The parent's copy keeps the address claimed meanwhile; not
    listening, it is never handed a connection."""

    def __reduce__(self) -> tuple[Any, ...]:
        address = self.getsockname()
        return (_reuse_port_socket, (self.family, address))


def _reuse_port_socket(family: int, address: Any) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    _reuse_port(sock)
    sock.bind(address)
    return sock


def _placeholder(host: str, port: int) -> _WorkerSocket:
    family, _type, _proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = _WorkerSocket(family, socket.SOCK_STREAM)
    _reuse_port(sock)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        log.error("cannot listen on %s:%d: %s", host, port, exc.strerror)
        raise SystemExit(1) from None
    return sock


def _reuse_port(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
