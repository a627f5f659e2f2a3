"""A small HTTP load client (used when wrk is not installed): N connections for T seconds.

Runs in its own process, so the server under test does not share its event loop.
Prints one JSON line: {"requests": ..., "seconds": ..., "errors": ..., "rps": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx


async def worker(client: httpx.AsyncClient, url: str, deadline: float, counts: dict[str, int]) -> None:
    while time.monotonic() < deadline:
        response = await client.get(url)
        counts["requests"] += 1
        if response.status_code != 200:
            counts["errors"] += 1


async def main(url: str, connections: int, seconds: float, cookie: str | None = None) -> dict[str, float]:
    counts = {"requests": 0, "errors": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Cookie": cookie} if cookie else {}
    async with httpx.AsyncClient(limits=limits, timeout=10, headers=headers) as client:
        await client.get(url)  # warm up
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(worker(client, url, deadline, counts) for _ in range(connections)))
        elapsed = time.monotonic() - started
    return {**counts, "seconds": round(elapsed, 2), "rps": round(counts["requests"] / elapsed, 1)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--cookie", default=None)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.url, args.connections, args.seconds, args.cookie))))
