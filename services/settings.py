"""Settings, read once from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.keyed import PerEngine

DEFAULT_DB_PATH = Path("data") / "nhacviec.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DB_PATH}"
    log_file: str = ""  # `nhacviec run`'s log; empty: beside the SQLite file (bot/logs.py)

    invite_days: int = 14
    reminder_offsets_days: Annotated[list[int], NoDecode] = [14, 7, 3, 1, 0]
    reminder_time: dt.time = dt.time(8, 0)
    overdue_every_days: int = 2
    overdue_max: int = 5
    workdays_only: bool = True
    escalate_after_workdays: int = 3
    standing_lead_days: int = 7
    event_lead_days: Annotated[list[int], NoDecode] = [30, 14, 7, 0]
    working_hours_start: dt.time = dt.time(7, 30)
    working_hours_end: dt.time = dt.time(17, 30)
    digest_weekday: int = 0  # Monday
    digest_time: dt.time = dt.time(8, 0)
    dispatch_interval_s: float = 1.0
    # Updates handled at once. A press mostly waits on the Bot API (two or three calls of a
    # round trip each, 200 ms from Vietnam): 200 presses/s x ~0.6 s is ~120 in flight.
    concurrent_updates: int = 128
    http_timeout_s: float = 10.0
    # `nhacviec run --webhook`: Telegram POSTs updates to WEBHOOK_URL (the public https
    # address, behind a reverse proxy), which forwards them to WEBHOOK_LISTEN (host:port);
    # every request must carry WEBHOOK_SECRET (Telegram's secret_token header).
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = None
    dispatch_batch: int = 100
    send_concurrency: int = 16  # messages in flight at once (jobs/dispatch.py)
    claim_lease_s: float = 120.0
    rate_global_per_s: float = 30.0
    rate_private_per_s: float = 1.0
    rate_group_per_min: float = 20.0
    # PostgreSQL: how often a process that only delivers asks to poll (bot/runner.py).
    poll_turn_check_s: float = 3.0

    @field_validator("reminder_offsets_days", "event_lead_days", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value


_override: Settings | None = None
# The settings an application was built with, per database engine (see db/keyed.py): two
# applications in one process each keep their own.
_per_engine: PerEngine[Settings] = PerEngine(Settings)


@lru_cache
def _from_environment() -> Settings:
    return Settings()


def get_settings(session: AsyncSession | None = None) -> Settings:
    """The settings in force for this session's database: the ones its application was built
    with, else the process's own (`use_settings` without an engine), else the environment."""
    if session is not None:
        kept = _per_engine.get(session)
        if kept is not None:
            return kept
    return _override or _from_environment()


def use_settings(settings: Settings | None, engine: AsyncEngine | None = None) -> None:
    """Settings for one database engine's callers, or (no engine) for the whole process."""
    global _override
    if engine is None:
        _override = settings
    elif settings is None:
        _per_engine.forget(engine)
    else:
        _per_engine.set(engine, settings)
