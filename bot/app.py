"""The one wiring place: the routing table, the application, and its start-up."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot import texts
from bot.aiohttp_request import AiohttpRequest, LongPollRequest
from bot.handlers.broadcasts import cmd_nhom, cmd_thongbao, on_ack, on_broadcast_button
from bot.handlers.coordinator import cmd_sukien, on_extension_button
from bot.handlers.fallback import on_edited, on_error, on_forwarded, on_unknown_command
from bot.handlers.people import (
    cmd_canbo,
    cmd_roi,
    on_contact_button,
    on_leave_button,
    on_migrate,
    on_my_chat_member,
)
from bot.handlers.plans import cmd_suakh, on_plan_button
from bot.handlers.reports import (
    cmd_baocao,
    cmd_bieudo,
    cmd_chuatraloi,
    cmd_quahan,
    cmd_tonghop,
    cmd_xuat,
    on_files_button,
    on_overdue_button,
    on_summary_button,
)
from bot.handlers.start import cmd_help, cmd_start
from bot.handlers.task_admin import cmd_suaviec
from bot.handlers.tasks import (
    cmd_viec,
    on_document,
    on_held_button,
    on_list_button,
    on_plain_answer,
    on_reply,
    on_task_button,
)
from bot.ordering import PerChatOrder
from bot.ratelimit import RetryReplies
from db.session import Database
from jobs.broadcasts import update_progress
from jobs.dispatch import Dispatcher
from services import outbox, plans, reminders, replies, workers
from services.clock import VN_TZ
from services.settings import Settings, use_settings

log = logging.getLogger(__name__)


async def on_bad_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data this bot never made."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BAD_BUTTON, show_alert=True)


def routes() -> list[BaseHandler]:
    """Every update the bot handles, in the order they are tried."""
    return [
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate),
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.UpdateType.EDITED, on_edited),
        MessageHandler(filters.FORWARDED, on_forwarded),
        CommandHandler("start", cmd_start),
        CommandHandler("help", cmd_help),
        CommandHandler("viec", cmd_viec),
        CommandHandler("tonghop", cmd_tonghop, block=False),
        CommandHandler("sukien", cmd_sukien),
        CommandHandler("thongbao", cmd_thongbao),
        CommandHandler("quahan", cmd_quahan, block=False),
        CommandHandler("chuatraloi", cmd_chuatraloi, block=False),
        CommandHandler("xuat", cmd_xuat, block=False),
        CommandHandler("bieudo", cmd_bieudo, block=False),
        CommandHandler("nhom", cmd_nhom),
        CommandHandler("suakh", cmd_suakh),
        CommandHandler("baocao", cmd_baocao, block=False),
        CommandHandler("canbo", cmd_canbo),
        CommandHandler("suaviec", cmd_suaviec),
        CommandHandler("roi", cmd_roi),
        MessageHandler(filters.COMMAND, on_unknown_command),
        # Reports above run with block=False: a long summary paced by Telegram's limits
        # must not hold up everyone else's buttons.
        CallbackQueryHandler(on_task_button, pattern=r"^t:"),
        CallbackQueryHandler(on_list_button, pattern=r"^v:"),
        CallbackQueryHandler(on_held_button, pattern=r"^h:"),
        CallbackQueryHandler(on_summary_button, pattern=r"^s:"),
        CallbackQueryHandler(on_overdue_button, pattern=r"^q:"),
        CallbackQueryHandler(on_files_button, pattern=r"^f:"),
        CallbackQueryHandler(on_extension_button, pattern=r"^x[aro]:"),
        CallbackQueryHandler(on_plan_button, pattern=r"^pl:"),
        CallbackQueryHandler(on_broadcast_button, pattern=r"^bc:"),
        CallbackQueryHandler(on_ack, pattern=r"^ack:"),
        CallbackQueryHandler(on_contact_button, pattern=r"^cb:"),
        CallbackQueryHandler(on_leave_button, pattern=r"^lv:"),
        CallbackQueryHandler(on_bad_button),
        MessageHandler(filters.Document.ALL, on_document),
        MessageHandler(filters.TEXT & filters.REPLY, on_reply),
        MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, on_plain_answer),
    ]


async def set_commands(app: Application) -> None:
    """Publish the command menu; a server without setMyCommands must not stop the bot."""
    db: Database = app.bot_data["db"]
    try:
        await app.bot.set_my_commands(
            [BotCommand(c, d) for c, d in texts.COMMANDS_OFFICIAL], scope=BotCommandScopeDefault()
        )
        async with db.session() as session:
            coordinators = await outbox.coordinators(session)
        for contact in coordinators:
            await app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in texts.COMMANDS_COORDINATOR],
                scope=BotCommandScopeChat(contact.chat_id),
            )
    except TelegramError as error:
        log.warning("could not set the command menu: %s", error)


async def _dispatch(context: ContextTypes.DEFAULT_TYPE) -> None:
    dispatcher: Dispatcher = context.application.bot_data["dispatcher"]
    await dispatcher.run_once()
    app = context.application
    await update_progress(app.bot_data["db"], app.bot, app.bot_data["settings"])


HELD_KEPT = dt.timedelta(days=30)  # an answer kept while the bot asks waits this long


async def _plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    db: Database = context.application.bot_data["db"]
    async with db.session() as session:
        await reminders.plan_ahead(session, context.application.bot_data["settings"])
        await plans.roll_recurring(session, context.application.bot_data["settings"])
        await replies.forget_held(session, older_than=HELD_KEPT)


async def _post_init(app: Application) -> None:
    await set_commands(app)
    # The reports' worker process (services/workers.py), started off the loop.
    await asyncio.to_thread(workers.warm)
    settings: Settings = app.bot_data["settings"]
    assert app.job_queue is not None
    # Job runs may overlap in time; the dispatcher's lock makes a late tick a no-op, and
    # a generous misfire grace keeps APScheduler from silently dropping a late run.
    app.job_queue.run_repeating(
        _dispatch,
        interval=settings.dispatch_interval_s,
        first=0.2,
        name="dispatch",
        job_kwargs={"misfire_grace_time": None, "max_instances": 2, "coalesce": True},
    )
    # Seasonal events, event notices and the weekly digest: at start, then every night.
    app.job_queue.run_once(_plan, when=0, name="plan-now", job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_daily(
        _plan,
        time=dt.time(0, 5, tzinfo=VN_TZ),
        name="plan-daily",
        job_kwargs={"misfire_grace_time": None},
    )


def use_fast_event_loop() -> None:
    """Run on uvloop where it is installed (not on Windows): the bot's work is mostly the
    event loop and sockets, which uvloop does in C (bench/updates.py measures the gain).
    Call before the loop is made (asyncio.run, Application.run_polling)."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def application_builder(settings: Settings) -> ApplicationBuilder:
    """The Bot API side of the application: server, network layer, concurrency, 429s."""
    token = settings.telegram_bot_token
    assert token is not None
    return (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .defaults(Defaults(tzinfo=VN_TZ))
        .request(
            AiohttpRequest(
                connection_pool_size=128,
                pool_timeout=30,
                read_timeout=settings.http_timeout_s,
                write_timeout=settings.http_timeout_s,
                connect_timeout=settings.http_timeout_s,
            )
        )
        .get_updates_request(
            LongPollRequest(
                connection_pool_size=1,
                read_timeout=settings.http_timeout_s,
                write_timeout=settings.http_timeout_s,
                connect_timeout=settings.http_timeout_s,
            )
        )
        .concurrent_updates(PerChatOrder(settings.concurrent_updates))
        .rate_limiter(RetryReplies())
    )


def build_application(settings: Settings, db: Database) -> Application:
    use_settings(settings, db.engine)
    app = application_builder(settings).post_init(_post_init).build()
    app.bot_data["db"] = db
    app.bot_data["settings"] = settings
    app.bot_data["dispatcher"] = Dispatcher(db=db, bot=app.bot, settings=settings)
    app.add_handlers(routes())
    app.add_error_handler(on_error)
    return app


def configure_logging(settings: Settings, verbose: bool = False) -> None:
    """The log file and Vietnamese terminal lines, or everything on the terminal with
    --verbose (bot/logs.py); the token redacted everywhere."""
    from bot import logs

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    logs.configure(settings, verbose=verbose, redact=logs.RedactToken(token))
