"""Services the tests run on this machine's loopback: a free port for them, and waiting until something is so."""
import socket
import time


def free_port() -> int:
    """A port nothing listens on now (for a server the test starts, or to find nothing there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds, what):
    """Poll `condition` until it holds; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
