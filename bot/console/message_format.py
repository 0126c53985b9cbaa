"""The assistant's and agents' messages as the customer's widget shows them, for staff.

The widget (web/widget/export-help-chat.js, ``renderMarkdown``) shows a safe subset of
markdown: paragraphs and line breaks, numbered and bulleted lists, **bold**, `code`, and
http(s) links.  Staff must see what the customer saw, not ``**`` and ``1.``, so this is the
same subset in Python.  Every piece of the message is escaped first; the only tags in the
result are the ones written here, so a message can never bring HTML of its own.
"""
from __future__ import annotations

import re
from typing import List, Optional
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# As the widget's INLINE: **bold**, `code`, [text](http(s) URL) and bare http(s) URLs.
_INLINE = re.compile(
    r"\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]{1,300})\]\(\s*([^()\s]+)\s*\)|(https?://[^\s<>\"']+)")
_NUMBERED = re.compile(r"^\s{0,3}(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s{0,3}[-*•]\s+(.*)$")
_CONTINUED = re.compile(r"^\s{2,}\S")


def _safe_url(value: str) -> Optional[str]:
    """The URL if it is an absolute http(s) URL, else None (as the widget's safeUrl)."""
    if len(value) > 2000:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _link(url: str, text: str) -> str:
    href = _safe_url(url)
    if href is None:
        return str(escape(text))
    return (f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{escape(text)}</a>")


def _inline(text: str, inside_bold: bool = False) -> str:
    out: List[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        bold, code, label, target, bare = match.groups()
        if bold is not None:
            out.append(str(escape(bold)) if inside_bold else f"<strong>{_inline(bold, True)}</strong>")
        elif code is not None:
            out.append(f"<code>{escape(code)}</code>")
        elif label is not None:
            out.append(_link(target, label))
        else:
            # A bare URL: trailing punctuation is not part of it.
            url = re.sub(r"[.,;:!?)\]]+$", "", bare)
            out.append(_link(url, url) + str(escape(bare[len(url):])))
        last = match.end()
    out.append(str(escape(text[last:])))
    return "".join(out)


def format_message(text: str) -> Markup:
    """The message as HTML: paragraphs, ``<ol>``/``<ul>`` lists and the inline subset."""
    blocks: List[str] = []
    paragraph: Optional[List[str]] = None
    list_kind: Optional[str] = None
    items: List[List[str]] = []
    start = 1

    def close_list() -> None:
        nonlocal list_kind, items
        if list_kind:
            attrs = f' start="{start}"' if list_kind == "ol" and start != 1 else ""
            body = "".join(f"<li>{'<br>'.join(item)}</li>" for item in items)
            blocks.append(f"<{list_kind}{attrs}>{body}</{list_kind}>")
        list_kind, items = None, []

    def close_paragraph() -> None:
        nonlocal paragraph
        if paragraph is not None:
            blocks.append(f"<p>{'<br>'.join(paragraph)}</p>")
        paragraph = None

    for line in str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif numbered or bullet:
            close_paragraph()
            kind = "ol" if numbered else "ul"
            if list_kind != kind:
                close_list()
                list_kind = kind
                start = int(numbered.group(1)) if numbered else 1
            items.append([_inline(numbered.group(2) if numbered else bullet.group(1))])
        elif list_kind and items and _CONTINUED.match(line):
            items[-1].append(_inline(line.strip()))
        else:
            close_list()
            if paragraph is None:
                paragraph = []
            paragraph.append(_inline(line))
    close_paragraph()
    close_list()
    return Markup("".join(blocks))


def format_plain(text: str) -> Markup:
    """What the customer typed: text only, escaped, its line breaks kept."""
    return Markup("<br>".join(str(escape(line)) for line in str(text or "").split("\n")))
