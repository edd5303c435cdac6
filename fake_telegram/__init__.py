"""A Bot API-compatible fake Telegram server for end-to-end tests, benchmarks and demos.

``FakeTelegram`` serves the Bot API over real HTTP on 127.0.0.1 the way
python-telegram-bot calls it, simulates users and chats, records everything the bot does,
injects failures and enforces Telegram's flood limits.  ``FakeTelegramClient`` drives a
server in another process through its ``/_fake/`` HTTP control routes.
"""

from .api import MESSAGE_SENDING_METHODS
from .client import FakeTelegramClient, FakeTelegramError
from .errors import ApiError
from .limits import FloodLimiter, LimitConfig
from .records import (
    CallbackAnswer,
    EditRecord,
    Injection,
    MessageVersion,
    RequestRecord,
    SentMessage,
    SimGroup,
    SimUser,
    StoredFile,
)
from .server import FakeTelegram
from .state import BOT_USER_ID

__all__ = [
    "BOT_USER_ID",
    "MESSAGE_SENDING_METHODS",
    "ApiError",
    "CallbackAnswer",
    "EditRecord",
    "FakeTelegram",
    "FakeTelegramClient",
    "FakeTelegramError",
    "FloodLimiter",
    "Injection",
    "LimitConfig",
    "MessageVersion",
    "RequestRecord",
    "SentMessage",
    "SimGroup",
    "SimUser",
    "StoredFile",
]
