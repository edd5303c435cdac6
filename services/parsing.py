from bot.parsing import Reply, find_date, parse_date, parse_reply  # noqa: F401  TEMPORARY until moved
