"""Message formatting as Telegram's server does it: parse modes, lengths, command entities.

Why this exists: Telegram checks the 4096/1024 limits on the *visible* text after
``parse_mode`` markup is removed, rejects malformed markup with
``Bad Request: can't parse entities: ...``, and returns the plain text plus ``entities``.
A fake that skipped this would let escaping bugs (an unescaped ``<`` in a task title, a
``.`` in MarkdownV2) pass the tests and fail in production.

The parsers are ports of tdlib's ``parse_html``, ``parse_markdown_v2`` and ``parse_markdown``
(td/telegram/MessageEntity.cpp), which is the code behind the Bot API server.  They keep its
error messages (byte offsets are UTF-8 offsets into the original text) and its quirks.
Known differences: link URLs are not validated (Telegram silently drops invalid ones),
``tg://user?id=`` links become ``text_link`` rather than ``text_mention``, and MarkdownV2
expandable block quotes (``**>``) are not supported.  HTML ``<blockquote expandable>`` is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

# td::is_space also treats NUL as a space; we use "\0" as the end-of-text sentinel.
_SPACES = frozenset(" \t\r\n\v\f\0")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_NAME_TOKEN = _ASCII_LETTERS | _DIGITS | frozenset(".-")
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!\n")
_MDV2_CODE_RESERVED = frozenset("`")


class EntityParseError(ValueError):
    """Malformed markup; ``str(exc)`` is tdlib's message (without the Bot API prefix)."""


@dataclass
class FormattedText:
    """Visible text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for offsets and limits."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _at(s: str, i: int) -> str:
    """Character at ``i`` or NUL past the end, mimicking tdlib's NUL-terminated reads."""
    return s[i] if i < len(s) else "\0"


def _byte_offset(s: str, i: int) -> int:
    return len(s[:i].encode("utf-8", "surrogatepass"))


def _sort(entities: list[Entity]) -> list[Entity]:
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities


def parse_text(text: str, parse_mode: str | None) -> FormattedText:
    """Apply ``parse_mode`` (None, "HTML", "MarkdownV2" or "Markdown"; case-insensitive).

    Raises ``EntityParseError`` for malformed markup and ``ValueError`` for an unknown mode.
    """
    if not parse_mode:
        return FormattedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


# --------------------------------------------------------------------------- HTML


def _decode_html_entity(s: str, pos: int) -> tuple[int, int]:
    """Decode ``&...;`` at ``pos``; returns (code point, next position) or (0, pos)."""
    end = pos + 1
    code = 0
    if _at(s, pos + 1) == "#":
        end += 1
        if _at(s, pos + 2) == "x":
            end += 1
            while _at(s, end) in _HEX_DIGITS:
                code = code * 16 + int(s[end], 16)
                end += 1
        else:
            while _at(s, end) in _DIGITS:
                code = code * 10 + int(s[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _at(s, end) in _ASCII_LETTERS:
            end += 1
        named = _NAMED_HTML_ENTITIES.get(s[pos + 1 : end])
        if named is None:
            return 0, pos  # unsupported entities stay literal text, as in tdlib
        code = ord(named)
    if _at(s, end) == ";":
        end += 1
    return code, end


@dataclass
class _OpenTag:
    tag: str
    argument: str
    offset: int
    out_len: int
    expandable: bool = False


def _html_entity(top: _OpenTag, offset: int, length: int, out: list[str]) -> Entity | None:
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    tag = top.tag
    if tag in simple:
        return {"type": simple[tag], "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": top.argument,
        }
    if tag == "a":
        url = top.argument or "".join(out[top.out_len :])
        if not url:
            return None
        return {"type": "text_link", "offset": offset, "length": length, "url": url}
    if tag == "blockquote":
        kind = "expandable_blockquote" if top.expandable else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    raise AssertionError(tag)  # pre/code are handled by the caller


def parse_html(s: str) -> FormattedText:
    """Port of tdlib ``parse_html``."""
    n = len(s)
    out: list[str] = []
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    saw_surrogate = False
    i = 0
    while i < n:
        c = s[i]
        if c == "&":
            code, new_i = _decode_html_entity(s, i)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    saw_surrogate = True
                out.append(chr(code))
                utf16 += 2 if code > 0xFFFF else 1
                i = new_i
                continue
        if c != "<":
            out.append(c)
            utf16 += _width(c)
            i += 1
            continue

        begin = i
        i += 1
        if _at(s, i) != "/":
            # start tag
            while _at(s, i) not in _SPACES and _at(s, i) != ">":
                i += 1
            if i >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(s, begin)}"
                )
            tag = s[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(s, begin)}'
                )
            argument = ""
            expandable = False
            while _at(s, i) != ">":
                while i < n and s[i] in _SPACES:
                    i += 1
                if _at(s, i) == ">":
                    break
                attr_begin = i
                # tdlib does not stop at '>' here; we do, to support <blockquote expandable>.
                while _at(s, i) not in _SPACES and _at(s, i) not in "=>":
                    i += 1
                attr = s[attr_begin:i]
                if not attr:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(s, begin)}"
                    )
                while i < n and s[i] in _SPACES:
                    i += 1
                if _at(s, i) != "=":
                    if tag == "blockquote" and attr.lower() == "expandable":
                        expandable = True
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {_byte_offset(s, begin)}'
                    )
                i += 1
                while i < n and s[i] in _SPACES:
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(s, begin)}'
                    )
                if s[i] not in "'\"":
                    token_begin = i
                    while _at(s, i) in _NAME_TOKEN:
                        i += 1
                    value = s[token_begin:i].lower()
                    if _at(s, i) not in _SPACES and _at(s, i) != ">":
                        raise EntityParseError(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(s, token_begin)}"
                        )
                else:
                    quote = s[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and s[i] != quote:
                        if s[i] == "&":
                            code, new_i = _decode_html_entity(s, i)
                            if code:
                                chars.append(chr(code))
                                i = new_i
                                continue
                        chars.append(s[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = "".join(chars)
                if i >= n:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(s, begin)}"
                    )
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(s, begin)}"
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out), expandable))
            i += 1  # past '>'
            continue

        # end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(s, begin)}")
        while _at(s, i) not in _SPACES and _at(s, i) != ">":
            i += 1
        end_tag = s[begin + 2 : i].lower()
        while i < n and s[i] in _SPACES:
            i += 1
        if _at(s, i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(s, begin)}")
        top = stack[-1]
        if end_tag and end_tag != top.tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {_byte_offset(s, begin)}, "
                f'expected "</{top.tag}>", found "</{end_tag}>"'
            )
        if utf16 > top.offset:
            offset, length = top.offset, utf16 - top.offset
            last = entities[-1] if entities else None
            same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
            if top.tag == "pre":
                if same_span and last["type"] == "code" and last.get("language"):
                    last["type"] = "pre"
                else:
                    entities.append({"type": "pre", "offset": offset, "length": length})
            elif top.tag == "code":
                if same_span and last["type"] == "pre" and top.argument:
                    last["language"] = top.argument
                else:
                    entity: Entity = {"type": "code", "offset": offset, "length": length}
                    if top.argument:
                        entity["language"] = top.argument  # dropped below unless in <pre>
                    entities.append(entity)
            else:
                made = _html_entity(top, offset, length, out)
                if made is not None:
                    entities.append(made)
        stack.pop()
        i += 1

    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    if saw_surrogate:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return FormattedText("".join(out), _sort(entities))


# --------------------------------------------------------------------- MarkdownV2

# tdlib's names for entity types, used in its error messages.
_TD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


@dataclass
class _OpenEntity:
    kind: str  # keys of _TD_NAMES
    argument: str
    offset: int  # UTF-16 offset in the output
    byte_pos: int  # index into the input where the entity started (for errors)
    out_len: int


def _reserved_error(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def _read_url(s: str, i: int, what: str) -> tuple[str, int]:
    """Read a ``(...)`` URL body starting after the '('; returns (url, index of ')')."""
    n = len(s)
    begin = i
    chars: list[str] = []
    while i < n and s[i] != ")":
        if s[i] == "\\" and 0 < ord(_at(s, i + 1)) <= 126:
            chars.append(s[i + 1])
            i += 2
            continue
        chars.append(s[i])
        i += 1
    if i >= n:
        raise EntityParseError(f"Can't find end of {what} at byte offset {_byte_offset(s, begin)}")
    return "".join(chars), i


def parse_markdown_v2(s: str) -> FormattedText:
    """Port of tdlib ``parse_markdown_v2``."""
    n = len(s)
    out: list[str] = []
    entities: list[Entity] = []
    stack: list[_OpenEntity] = []
    utf16 = 0
    have_blockquote = False
    i = 0
    while i < n:
        c = s[i]
        nxt = _at(s, i + 1)
        if c == "\\" and 0 < ord(nxt) <= 126:
            out.append(nxt)
            utf16 += 1
            i += 2
            continue
        in_code = bool(stack) and stack[-1].kind in ("code", "pre", "pre_code")
        reserved = _MDV2_CODE_RESERVED if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            utf16 += _width(c)
            i += 1
            continue

        is_end = False
        if stack:
            kind = stack[-1].kind
            if have_blockquote and c == "\n" and (i + 1 == n or nxt != ">"):
                is_end = True
            elif kind == "bold":
                is_end = c == "*"
            elif kind == "italic":
                is_end = c == "_" and nxt != "_"
            elif kind == "code":
                is_end = c == "`"
            elif kind in ("pre", "pre_code"):
                is_end = c == "`" and nxt == "`" and _at(s, i + 2) == "`"
            elif kind in ("text_link", "custom_emoji"):
                is_end = c == "]"
            elif kind == "underline":
                is_end = c == "_" and nxt == "_"
            elif kind == "strikethrough":
                is_end = c == "~"
            elif kind == "spoiler":
                is_end = c == "|" and nxt == "|"

        if not is_end:
            start = i
            argument = ""
            kind = ""
            if c == "_":
                if nxt == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if nxt != "|":
                    raise _reserved_error(c)
                i += 1
                kind = "spoiler"
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if nxt == "`" and _at(s, i + 2) == "`":
                    i += 3
                    kind = "pre"
                    language_end = i
                    while _at(s, language_end) not in _SPACES and _at(s, language_end) != "`":
                        language_end += 1
                    if i != language_end and language_end < n and s[language_end] != "`":
                        kind = "pre_code"
                        argument = s[i:language_end]
                        i = language_end
                    if _at(s, i) in "\n\r":
                        if _at(s, i + 1) in "\n\r" and _at(s, i) != _at(s, i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if nxt != "[":
                    raise _reserved_error(c)
                i += 1
                kind = "custom_emoji"
            elif c == "\n":
                out.append("\n")
                utf16 += 1
                if i + 1 < n and nxt == ">":
                    i += 1
                    if not have_blockquote:
                        kind = "blockquote"
                        have_blockquote = True
                if not kind:
                    i += 1
                    continue
            elif c == ">":
                if i != 0:
                    raise _reserved_error(c)
                kind = "blockquote"
                have_blockquote = True
            else:
                raise _reserved_error(c)
            stack.append(_OpenEntity(kind, argument, utf16, start, len(out)))
            i += 1
            continue

        # end of an entity
        top = stack[-1]
        if c == "\n" and top.kind != "blockquote":
            raise EntityParseError(
                f"Can't find end of {_TD_NAMES[top.kind]} entity at byte offset "
                f"{_byte_offset(s, top.byte_pos)}"
            )
        argument = top.argument
        skip = utf16 == top.offset
        if top.kind in ("underline", "spoiler"):
            i += 1
        elif top.kind in ("pre", "pre_code"):
            i += 2
        elif top.kind == "text_link":
            if nxt != "(":
                argument = "".join(out[top.out_len :])
            else:
                argument, i = _read_url(s, i + 2, "a URL")
            if not argument:
                skip = True
        elif top.kind == "custom_emoji":
            if nxt != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url, i = _read_url(s, i + 2, "a custom emoji URL")
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
            if not match or int(match.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            argument = match.group(1)
        elif top.kind == "blockquote":
            have_blockquote = False
            out.append(c)
            utf16 += 1
        if not skip:
            entities.append(_mdv2_entity(top.kind, top.offset, utf16 - top.offset, argument))
        stack.pop()
        i += 1

    if have_blockquote and stack and stack[-1].kind == "blockquote":
        top = stack.pop()
        if utf16 != top.offset:
            entities.append(_mdv2_entity("blockquote", top.offset, utf16 - top.offset, ""))
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_TD_NAMES[top.kind]} entity at byte offset "
            f"{_byte_offset(s, top.byte_pos)}"
        )
    return FormattedText("".join(out), _sort(entities))


def _mdv2_entity(kind: str, offset: int, length: int, argument: str) -> Entity:
    if kind == "pre_code":
        return {"type": "pre", "offset": offset, "length": length, "language": argument}
    entity: Entity = {"type": kind, "offset": offset, "length": length}
    if kind == "text_link":
        entity["url"] = argument
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = argument
    return entity


# ------------------------------------------------------------------ legacy Markdown


def parse_markdown(s: str) -> FormattedText:
    """Port of tdlib ``parse_markdown`` (the legacy "Markdown" parse mode)."""
    n = len(s)
    out: list[str] = []
    entities: list[Entity] = []
    utf16 = 0
    i = 0
    while i < n:
        c = s[i]
        if c == "\\" and _at(s, i + 1) in "_*`[" and i + 1 < n:
            out.append(s[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            utf16 += _width(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and _at(s, i) == "`" and _at(s, i + 1) == "`":
            i += 2
            is_pre = True
            language_end = i
            while _at(s, language_end) not in _SPACES and _at(s, language_end) != "`":
                language_end += 1
            if i != language_end and language_end < n and s[language_end] != "`":
                language = s[i:language_end]
                i = language_end
            if _at(s, i) in "\n\r":
                if _at(s, i + 1) in "\n\r" and _at(s, i) != _at(s, i + 1):
                    i += 2
                else:
                    i += 1
        entity_offset = utf16
        while i < n and (
            s[i] != end_char or (is_pre and not (_at(s, i + 1) == "`" and _at(s, i + 2) == "`"))
        ):
            out.append(s[i])
            utf16 += _width(s[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(s, begin)}"
            )
        if entity_offset != utf16:
            length = utf16 - entity_offset
            if c == "_":
                entities.append({"type": "italic", "offset": entity_offset, "length": length})
            elif c == "*":
                entities.append({"type": "bold", "offset": entity_offset, "length": length})
            elif c == "[":
                if _at(s, i + 1) != "(":
                    url = s[begin + 1 : i]
                else:
                    i += 2
                    url_begin = i
                    while i < n and s[i] != ")":
                        i += 1
                    url = s[url_begin:i]
                if url:
                    entities.append(
                        {"type": "text_link", "offset": entity_offset, "length": length, "url": url}
                    )
            elif is_pre:
                entity: Entity = {"type": "pre", "offset": entity_offset, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": entity_offset, "length": length})
        if is_pre:
            i += 2
        i += 1
    return FormattedText("".join(out), _sort(entities))


# ------------------------------------------------------------------- bot commands

# Same shape as tdlib's match_bot_commands: not preceded/followed by a word character or
# one of "/<>"; possessive quantifiers stop backtracking into a shorter command.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]++(?:@[a-zA-Z0-9_]*+)?+(?![\w/<>])")


def bot_command_entities(text: str) -> list[Entity]:
    """``bot_command`` entities Telegram attaches to a user's message text."""
    if "/" not in text:
        return []
    entities: list[Entity] = []
    for match in _BOT_COMMAND.finditer(text):
        command, _, mention = match.group(0)[1:].partition("@")
        if not 1 <= len(command) <= 64:
            continue
        if "@" in match.group(0) and not 3 <= len(mention) <= 32:
            continue
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities
