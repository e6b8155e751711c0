"""Listening sockets bound before a server starts, so the caller knows the real port (``0``: a free one)
and can refuse a busy or unusable address in one line of its own instead of a server's traceback."""

from __future__ import annotations

import socket

__all__ = ["listening_socket"]


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, IPv4 or IPv6 as ``host`` resolves; ``OSError`` when the
    address cannot be had (in use, not local, not resolvable)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    return socket.create_server((host, port), family=family)
