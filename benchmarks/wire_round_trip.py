"""The host's wire: a ping round trip and a 200-job listing, through a real listener.

Run as ``python -m benchmarks.wire_round_trip``: client and listener in one process, over a
Unix socket in a temporary directory, medians of many requests.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from jobtui.host.listener import Listener, Request
from jobtui.host.wire import Client

JOBS = [
    {
        "Id": i,
        "Name": f"Job{i}",
        "State": "Running",
        "HasMoreData": True,
        "Location": "localhost",
        "Command": f"python train.py --fold {i} --epochs 50",
        "PSBeginTime": 1796150000.0 + i,
        "PSEndTime": None,
        "InstanceId": f"7f9c6e1a-0000-4000-8000-{i:012d}",
        "ChildJobs": [i + 1000],
    }
    for i in range(200)
]


def list_jobs(request: Request) -> object:
    return JOBS


def median_ms(client: Client, op: str, runs: int) -> float:
    """Median milliseconds of ``runs`` requests of one kind."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.request(op)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as temporary:
        listener = Listener(Path(temporary) / "jobtui", {"list": list_jobs})
        listener.start()
        thread = threading.Thread(target=listener.serve_forever, daemon=True)
        thread.start()
        try:
            start = time.perf_counter()
            client = Client.connect(listener.socket_path)
            connect = (time.perf_counter() - start) * 1000
            with client:
                ping = median_ms(client, "ping", 2000)
                listing = median_ms(client, "list", 200)
        finally:
            listener.close()
            thread.join()
    print(f"connect + hello {connect:.2f} ms; ping {ping * 1000:.0f} us; 200 jobs {listing:.2f} ms")


if __name__ == "__main__":
    main()
