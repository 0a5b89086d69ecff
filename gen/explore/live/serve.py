"""Serving the explorer: open the generator, bind the address, run uvicorn
until Ctrl-C (or SIGTERM), then return.

The socket is bound before the server starts, so that the printed address
is the one listening (with ``--port=0``, the port the system chose). Ctrl-C
lets uvicorn finish the requests under way and close; the explorer writes
nothing into the run, so stopping it loses nothing.
"""

import contextlib
import socket
import threading
import time

from gen.explore.live import explore_config

SHUTDOWN_SECONDS = 3


def bind(host, port):
    """A listening TCP socket on (host, port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        from gen.errors import UserError

        raise UserError(
            f"Cannot listen on {host}:{port} ({e.strerror or e}); the port "
            "may be in use: pass another --port (or --port=0 for any free one)."
        ) from None
    # Accepted connections inherit it. Without it uvicorn's two writes per
    # answer (head, then body) meet Nagle's algorithm and the client's
    # delayed ACK: 40 ms more per picture on Linux (measured: 44 ms -> 0.6 ms
    # for a small answer on loopback).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(128)
    return sock


def address(sock):
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(app, sock, echo=print):
    """Runs `app` on the bound `sock` until Ctrl-C or SIGTERM."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    server = uvicorn.Server(config)
    echo(f"Explorer at {address(sock)}  (Ctrl-C stops it)")
    try:
        server.run(sockets=[sock])
    finally:
        # uvicorn has finished the requests under way and closed; after
        # Ctrl-C it raises KeyboardInterrupt again, which `gen.cli.run` reports.
        echo("Explorer stopped.")


def warn_if_exposed(host, echo=print):
    if not explore_config.is_loopback(host):
        echo(
            f"warning: --host={host} lets other machines reach the explorer "
            "(and your run's pictures); it has no password."
        )


@contextlib.contextmanager
def in_thread(app, host=explore_config.LOOPBACK, port=0):
    """Serves `app` from a background thread for the `with` block; yields
    the address. For tests and benchmarks: the process keeps its own
    Ctrl-C handling (uvicorn installs none outside the main thread)."""
    import uvicorn

    sock = bind(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the explorer's server did not start")
            time.sleep(0.01)
        yield address(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
