"""Run the fake Telegram server on its own: ``python -m fake_telegram --port 8081``.

Point the bot at the printed base URL and drive simulated users through the ``/_fake/``
routes (see ``FakeTelegramClient``).  Runs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Mapping

from .server import FakeTelegram


def _user_spec(value: str) -> tuple[int, str, str | None]:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0].isdigit() or not parts[1]:
        raise argparse.ArgumentTypeError("expected ID:FIRST_NAME[:USERNAME]")
    return int(parts[0]), parts[1], parts[2] if len(parts) == 3 else None


HELP = {
    "description": "Bot API-compatible fake Telegram server for tests, benchmarks and demos.",
    "host": "address to listen on",
    "port": "port (0 picks a free one)",
    "enforce_limits": (
        "answer 429 beyond Telegram's flood limits (30/s, 1/s per chat, 20/min per group)"
    ),
    "bot_username": "username of the bot",
    "user": "create a simulated user at start (repeatable)",
    "missing_method": "answer this Bot API method with 404, as an old server would (repeatable)",
    "verbose": "log every request",
    "latency_ms": "round trip of every Bot API call in milliseconds, as to a distant server",
    "jitter": "relative spread of the round trip, e.g. 0.2 for ±20%%",
    "lost_fraction": (
        "share of calls that take effect but whose answer never reaches the bot, e.g. 0.05"
    ),
    "lost_mode": "what a lost answer does: hold the connection until timeout, or close it",
    "network_seed": "seed of the round-trip and lost-answer draws (repeatable runs)",
    "m_ms": "MS",
    "m_fraction": "FRACTION",
    "m_seed": "SEED",
    "m_host": "HOST",
    "m_port": "PORT",
    "m_bot_username": "USERNAME",
    "m_user": "ID:NAME[:USERNAME]",
    "m_missing_method": "METHOD",
}


def build_parser(
    help: Mapping[str, str] | None = None, prog: str = "fake-telegram"
) -> argparse.ArgumentParser:
    """The options; `help` replaces the English descriptions (`nhacviec fake-telegram`
    passes Vietnamese ones, keyed like HELP)."""
    h = {**HELP, **(help or {})}
    if help is not None:
        # An option whose description has no translation is left out of the translated
        # help (it still works) rather than shown in English.
        for key in HELP.keys() - help.keys():
            if not key.startswith(("m_", "description")):
                h[key] = argparse.SUPPRESS
    parser = argparse.ArgumentParser(prog=prog, description=h["description"])
    parser.add_argument("--host", default="127.0.0.1", metavar=h["m_host"], help=h["host"])
    parser.add_argument("--port", type=int, default=8081, metavar=h["m_port"], help=h["port"])
    parser.add_argument("--enforce-limits", action="store_true", help=h["enforce_limits"])
    parser.add_argument(
        "--bot-username",
        default="nhacviec_bot",
        metavar=h["m_bot_username"],
        help=h["bot_username"],
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=_user_spec,
        metavar=h["m_user"],
        help=h["user"],
    )
    parser.add_argument(
        "--missing-method",
        action="append",
        default=[],
        metavar=h["m_missing_method"],
        help=h["missing_method"],
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, metavar=h["m_ms"], help=h["latency_ms"]
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, metavar=h["m_fraction"], help=h["jitter"]
    )
    parser.add_argument(
        "--lost-fraction",
        type=float,
        default=0.0,
        metavar=h["m_fraction"],
        help=h["lost_fraction"],
    )
    parser.add_argument(
        "--lost-mode", choices=("hold", "close"), default="hold", help=h["lost_mode"]
    )
    parser.add_argument(
        "--network-seed", type=int, default=None, metavar=h["m_seed"], help=h["network_seed"]
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=h["verbose"])
    return parser


async def serve(args: argparse.Namespace) -> int:
    """Start the server, print where it is, and wait for a stop signal."""
    server = FakeTelegram(
        bot_username=args.bot_username,
        enforce_limits=args.enforce_limits,
        missing_methods=args.missing_method,
        latency_ms=args.latency_ms,
        jitter=args.jitter,
        lost_fraction=args.lost_fraction,
        lost_mode=args.lost_mode,
        network_seed=args.network_seed,
    )
    for user_id, first_name, username in args.user:
        server.add_user(user_id, first_name, username=username)
    try:
        await server.start(args.host, args.port)
    except OSError as exc:
        print(f"fake-telegram: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"TELEGRAM_API_BASE_URL={server.base_url}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-POSIX
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0


def main(
    argv: list[str] | None = None,
    help: Mapping[str, str] | None = None,
    prog: str = "fake-telegram",
) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser(help, prog).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 0
