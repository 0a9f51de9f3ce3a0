"""Signed `/poc` requests over loopback HTTP: pocbot's Slack app beside a bare bolt app.

Each server runs in its own process (as in production, and so the load generator
does not share its interpreter); this process signs and sends the requests.
Run: .venv/bin/python bench/slack_http.py [--requests 3000] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
USER = "U0BENCH"
SERVERS = ("pocbot", "bare-fast", "bare-default")


# --- the servers (run as child processes) ----------------------------------------------

def serve(kind: str, port: int, db: str) -> None:
    from aiohttp import web

    async def main() -> None:
        runner = web.AppRunner(await _web_app(kind, db), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _web_app(kind: str, db: str):  # type: ignore[no-untyped-def]
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp

    from slack_sdk.web.async_client import AsyncWebClient

    api_url = await _fake_auth_test()
    if kind == "pocbot":
        return _pocbot_app(db, api_url)
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
                   process_before_response=kind == "bare-fast")

    @app.command("/poc")
    async def constant(ack) -> None:  # type: ignore[no-untyped-def]
        await ack("pong")

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", handle)
    web_app.router.add_get("/healthz", lambda _: web.json_response({"ok": True}))
    return web_app


async def _fake_auth_test() -> str:
    """Bolt calls auth.test once, on the first request; nothing else reaches Slack here."""
    from aiohttp import web

    fake = web.Application()
    fake.router.add_post("/api/auth.test", lambda _: web.json_response(
        {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0BENCH"}))
    runner = web.AppRunner(fake, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return f"http://127.0.0.1:{port}/api/"


def _pocbot_app(db: str, api_url: str):  # type: ignore[no-untyped-def]
    from bot.core import Bot
    from bot.settings import Settings
    from integrations.web import build_web_app
    from integrations.slack.app import build_app
    from integrations.tasks import Background
    from store.db import make_engine

    settings = Settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                        SLACK_API_URL=api_url, DATABASE_URL=f"sqlite:///{db}")
    bot = Bot(make_engine(settings.database_url))
    bot.lookup("warm up the index")
    background = Background()
    return build_web_app(bot, background, build_app(bot, settings, background))


# --- the load ---------------------------------------------------------------------------

def signed(text: str) -> tuple[bytes, dict[str, str]]:
    from slack_sdk.signature import SignatureVerifier

    body = urlencode({
        "token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "C0BENCH",
        "channel_name": "bench", "user_id": USER, "user_name": "bench", "command": "/poc",
        "text": text, "response_url": "http://127.0.0.1:9/response", "trigger_id": "1.2.3",
        "api_app_id": "A0BENCH",
    }).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return body, {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
                  "Content-Type": "application/x-www-form-urlencoded"}


async def sequential(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """One request at a time over a kept-alive connection: latency without queueing."""
    times = []
    async with aiohttp.ClientSession() as http:
        for body, headers in requests:
            started = time.perf_counter()
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            times.append(time.perf_counter() - started)
    return times


async def concurrent(url: str, requests: list[tuple[bytes, dict[str, str]]], workers: int) -> float:
    """Requests per second with `workers` requests in flight."""
    queue = list(requests)

    async def worker(http: aiohttp.ClientSession) -> None:
        while queue:
            body, headers = queue.pop()
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=workers)) as http:
        await asyncio.gather(*(worker(http) for _ in range(workers)))
    return len(requests) / (time.perf_counter() - started)


# --- orchestration ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(kind: str, db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", str(db)],
                               env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(3600):  # the model may take minutes to load on a busy machine
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return process, f"{base}/slack/events"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{kind} server did not start")


def prepare_store(topics: int, people: int) -> tuple[Path, list[str]]:
    """A copy of the lookup bench's directory, with the bench user linked to a person."""
    import lookup

    source = HERE / "lookup.sqlite"
    print(lookup.ensure_directory(source, topics, people, 7, False), flush=True)
    copy = HERE / "slack_http.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE person SET slack_id = ? WHERE id = (SELECT min(id) FROM person)", (USER,))
        names = [row[0] for row in conn.execute("SELECT name FROM topic ORDER BY random() LIMIT 500")]
    return copy, names


def measure(kind: str, db: Path, texts: list[str], workers: int) -> dict[str, float]:
    process, url = start(kind, db)
    try:
        requests = [signed(text) for text in texts]
        asyncio.run(sequential(url, requests[:200]))  # warm up
        times = asyncio.run(sequential(url, requests))
        rate = asyncio.run(concurrent(url, requests, workers))
    finally:
        process.terminate()
        process.wait(10)
    ordered = sorted(times)
    return {"p50": statistics.median(ordered) * 1e3, "p99": ordered[int(len(ordered) * 0.99)] * 1e3, "rps": rate}


def report(results: dict[str, dict[str, float]], questions: int) -> None:
    floor = results["bare-fast"]["p50"]
    print(f"\n{questions} signed /poc requests per server, sequential for latency, then concurrent:")
    print(f"{'server':<14}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'p50 / bare-fast':>18}")
    for kind, r in results.items():
        print(f"{kind:<14}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rps']:>9.0f}{r['p50'] / floor:>17.1f}x")
    ours = results["pocbot"]
    print("\ntargets:")
    print(f"  pocbot p50 <= 4x bare-fast ({4 * floor:.2f} ms): {ours['p50']:.2f} ms "
          f"{'PASS' if ours['p50'] <= 4 * floor else 'MISS'}")
    print(f"  pocbot p99 <= 10 ms: {ours['p99']:.2f} ms {'PASS' if ours['p99'] <= 10 else 'MISS'}")


def logged_questions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM question").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--serve", choices=SERVERS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.port, args.db)
    db, names = prepare_store(args.topics, args.people)
    texts = [f"who is the POC for {names[i % len(names)]}?" for i in range(args.requests)]
    results = {kind: measure(kind, db, texts, args.concurrency) for kind in SERVERS}
    report(results, args.requests)
    print(f"\nquestions logged after the responses (slow work done after the ack): {logged_questions(db)}")


if __name__ == "__main__":
    main()
