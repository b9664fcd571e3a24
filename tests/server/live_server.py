"""Run a real `cars_server` app under uvicorn on a loopback port, in a background thread.

Shared by the server tests and the desktop's end-to-end sync tests, so both talk real HTTP to a
real server instead of a mock.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 10.0


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve `app` until the block ends and yield its base URL (`http://127.0.0.1:PORT`).

    The listening socket is bound here and handed to uvicorn, so no other process can take the
    port between choosing and using it. Shutdown runs the app's lifespan exit (engine disposal)
    and joins the thread; a server that will not stop fails the test.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server stopped during start-up (see captured log)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the test server did not start in {STARTUP_TIMEOUT_S} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT_S)
        listener.close()
    if thread.is_alive():
        raise RuntimeError(f"the test server did not stop within {SHUTDOWN_TIMEOUT_S} s")
