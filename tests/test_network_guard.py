"""The test run reaches nothing but this machine: pytest-socket guards every connect."""

from __future__ import annotations

import socket

import pytest
import pytest_socket


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_connect_off_loopback_is_refused_before_any_packet() -> None:
    """Connecting to an address off this machine raises in the test process itself."""
    # Check the guard is in place first, so a broken guard never lets the connect through.
    assert socket.socket.connect is not pytest_socket._true_connect, "pytest-socket is off"
    with socket.socket() as sock, pytest.raises(pytest_socket.SocketConnectBlockedError):
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never routed anywhere


def test_loopback_is_allowed() -> None:
    """A server on 127.0.0.1 accepts a connection from the test."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            conn, _ = server.accept()
            conn.close()
