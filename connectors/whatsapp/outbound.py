"""Channel-neutral outbound content as WhatsApp Cloud API request bodies, limits checked first.

``to_requests`` turns one content into the bodies of ``POST /{version}/{phone-number-id}/messages``
(several when a long text is split) and raises ``LimitError`` listing every limit the content
breaks, so nothing is sent that Meta would refuse. ``check_limits`` reports the same problems
without raising (``bot validate`` uses it). The limits are Meta's, from the per-type pages:

    text          body ≤ 4096 (longer text is split: sentence, then word boundaries)
    buttons       1-3 buttons (more become a list, one row per button); title ≤ 20, unique;
                  id ≤ 256, unique; body ≤ 1024
    list          body ≤ 4096; button label ≤ 20; header, footer ≤ 60; 1-10 sections, titled
                  when more than one, title ≤ 24; 1-10 rows in total; row title ≤ 24, id ≤ 200
                  (unique), description ≤ 72. More than 10 rows is an error, never cut.
    product       body ≤ 1024; product_list: header ≤ 60, body ≤ 1024, 1-10 sections, ≤ 30 items
    media         an id or a link; caption ≤ 1024 (image, video, document only); filename (document)

Lengths are counted in characters (code points). A recipient that is all digits gets its ``+``
(without it Meta prepends the business number's country code); a business-scoped user id
(``US.13491208655302741918``) is sent as ``recipient`` instead of ``to``, as Meta documents.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.messages import (
    ListRow,
    ListSection,
    MediaKind,
    OutboundContent,
    OutButtons,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
    OutTemplate,
    OutText,
    TemplateComponent,
)
from connectors.whatsapp.errors import LimitError

__all__ = ["LIST_BUTTON", "LimitError", "check_limits", "mark_read_request", "recipient_fields", "split_text", "to_requests"]

MAX_TEXT, MAX_INTERACTIVE_BODY, MAX_LIST_BODY, MAX_CAPTION = 4096, 1024, 4096, 1024
MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID = 3, 20, 256
MAX_HEADER = MAX_FOOTER = 60
MAX_SECTIONS, MAX_ROWS, MAX_PRODUCTS = 10, 10, 30
MAX_LIST_BUTTON, MAX_SECTION_TITLE, MAX_ROW_TITLE, MAX_ROW_ID, MAX_ROW_DESCRIPTION = 20, 24, 24, 200, 72
#: The label of the button that opens a list made from more than three buttons.
LIST_BUTTON = "Options"

_BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,128}")
_SENTENCE_END = re.compile(r"[.!?…؟]+['\"”’»)\]]*(?=\s)|[。！？]+|\n")
_SPACE = re.compile(r"\s")
_URL = re.compile(r"https?://", re.IGNORECASE)
_CAPTIONED = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT})


def to_requests(content: OutboundContent, *, to: str, catalog_id: str | None = None, reply_to: str | None = None,
                list_button: str = LIST_BUTTON) -> list[dict[str, Any]]:
    """The Graph API bodies that send ``content`` to ``to``; LimitError lists every limit it breaks.

    Each body is its own message: give each its own idempotency key (``f"{message_id}:{i}"``).
    ``reply_to`` quotes the user's message in the first body only.
    """
    problems = check_limits(content, list_button=list_button)
    if not to.strip():
        problems.append("the recipient is empty; give a phone number with country code or a business-scoped user id")
    catalog = ""
    if isinstance(content, OutProduct | OutProductList):
        catalog = content.catalog_id or catalog_id or ""
        if not catalog:
            problems.append("no catalog_id: the content names none and the channel has none configured "
                            "(set catalog_id on the phone number in channels.whatsapp.phone_numbers)")
    if problems:
        raise LimitError(problems, f"{content.kind} message")
    head = {"messaging_product": "whatsapp", "recipient_type": "individual", **recipient_fields(to)}
    payloads = _payloads(content, catalog, list_button)
    bodies = []
    for i, (kind, payload) in enumerate(payloads):
        body: dict[str, Any] = dict(head)
        if reply_to and i == 0:
            body["context"] = {"message_id": reply_to}
        bodies.append({**body, "type": kind, kind: payload})
    return bodies


def recipient_fields(to: str) -> dict[str, str]:
    """``{"to": "+<digits>"}`` for a phone number, ``{"recipient": id}`` for a business-scoped user id."""
    to = to.strip()
    if to.isascii() and to.isdigit():
        return {"to": "+" + to}
    if _BSUID.fullmatch(to):
        return {"recipient": to}
    return {"to": to}


def mark_read_request(message_id: str, *, typing: bool) -> dict[str, Any]:
    """The body that marks ``message_id`` read and, with ``typing``, shows a typing indicator (25 s)."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at sentence, then word boundaries."""
    parts = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max((m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit), default=0)
        if cut == 0:
            cut = max((m.start() for m in _SPACE.finditer(window)), default=0)
        if cut == 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _payloads(content: OutboundContent, catalog: str, list_button: str) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(content, OutText):
        return [("text", {"preview_url": bool(_URL.search(part)), "body": part}) for part in split_text(content.text)]
    if isinstance(content, OutButtons):
        if len(content.buttons) > MAX_BUTTONS:
            return [("interactive", _list(_buttons_as_list(content, list_button)))]
        buttons = [{"type": "reply", "reply": {"id": b.payload, "title": b.title}} for b in content.buttons]
        return [("interactive", {"type": "button", "body": {"text": content.text}, "action": {"buttons": buttons}})]
    if isinstance(content, OutList):
        return [("interactive", _list(content))]
    if isinstance(content, OutProduct):
        product: dict[str, Any] = {"type": "product"}
        if content.text:
            product["body"] = {"text": content.text}
        product["action"] = {"catalog_id": catalog, "product_retailer_id": content.product_id}
        return [("interactive", product)]
    if isinstance(content, OutProductList):
        sections = [{"title": s.title, "product_items": [{"product_retailer_id": p} for p in s.product_ids]}
                    for s in content.sections]
        return [("interactive", {"type": "product_list", "header": {"type": "text", "text": content.header},
                                 "body": {"text": content.text}, "action": {"catalog_id": catalog, "sections": sections}})]
    if isinstance(content, OutTemplate):
        template: dict[str, Any] = {"name": content.name, "language": {"code": content.language}}
        if content.components:
            template["components"] = [_component(c) for c in content.components]
        return [("template", template)]
    media: dict[str, Any] = {"id": content.media_id} if content.media_id else {"link": content.link}
    if content.caption:
        media["caption"] = content.caption
    if content.filename:
        media["filename"] = content.filename
    return [(content.media_kind.value, media)]


def _buttons_as_list(content: OutButtons, list_button: str) -> OutList:
    rows = tuple(ListRow(row_id=b.payload, title=b.title) for b in content.buttons)
    return OutList(text=content.text, button=list_button, sections=(ListSection(title="", rows=rows),))


def _list(content: OutList) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": "list"}
    if content.header:
        payload["header"] = {"type": "text", "text": content.header}
    payload["body"] = {"text": content.text}
    if content.footer:
        payload["footer"] = {"text": content.footer}
    sections = []
    for section in content.sections:
        rows = []
        for row in section.rows:
            item = {"id": row.row_id, "title": row.title}
            if row.description:
                item["description"] = row.description
            rows.append(item)
        sections.append({"title": section.title, "rows": rows} if section.title else {"rows": rows})
    payload["action"] = {"button": content.button, "sections": sections}
    return payload


def _component(component: TemplateComponent) -> dict[str, Any]:
    item: dict[str, Any] = {"type": component.type}
    if component.sub_type is not None:
        item["sub_type"] = component.sub_type
    if component.index is not None:
        item["index"] = str(component.index)
    if component.parameters:
        item["parameters"] = [{"type": p.type, p.type: p.value} for p in component.parameters]
    return item


# ---------------------------------------------------------------- limits


def check_limits(content: OutboundContent, *, list_button: str = LIST_BUTTON) -> list[str]:
    """Every WhatsApp limit ``content`` breaks, as sentences; empty when it can be sent."""
    problems: list[str] = []
    if isinstance(content, OutText):
        _text(problems, "text", content.text, len(content.text))  # any length: it is split
    elif isinstance(content, OutButtons):
        _check_buttons(problems, content, list_button)
    elif isinstance(content, OutList):
        _check_list(problems, content)
    elif isinstance(content, OutProduct):
        _text(problems, "product_id", content.product_id, MAX_ROW_ID)
        _text(problems, "text", content.text, MAX_INTERACTIVE_BODY, optional=True)
    elif isinstance(content, OutProductList):
        _check_product_list(problems, content)
    elif isinstance(content, OutTemplate):
        _check_template(problems, content)
    else:
        _check_media(problems, content)
    return problems


def _check_buttons(problems: list[str], content: OutButtons, list_button: str) -> None:
    count = len(content.buttons)
    if count == 0:
        problems.append("a buttons message has no buttons; give 1 to 3 (or send plain text)")
    elif count > MAX_BUTTONS:
        if count > MAX_ROWS:
            problems.append(f"{count} buttons are shown as a list, which holds at most {MAX_ROWS} rows; "
                            f"give at most {MAX_ROWS} buttons")
        _check_list(problems, _buttons_as_list(content, list_button), as_buttons=True)
        return
    _text(problems, "text", content.text, MAX_INTERACTIVE_BODY)
    for i, button in enumerate(content.buttons, 1):
        _text(problems, f"button {i} title", button.title, MAX_BUTTON_TITLE)
        _text(problems, f"button {i} payload", button.payload, MAX_BUTTON_ID)
    _unique(problems, "button titles", [b.title for b in content.buttons])
    _unique(problems, "button payloads", [b.payload for b in content.buttons])


def _check_list(problems: list[str], content: OutList, *, as_buttons: bool = False) -> None:
    _text(problems, "text", content.text, MAX_LIST_BODY)
    _text(problems, "list button label", content.button, MAX_LIST_BUTTON)
    _text(problems, "header", content.header, MAX_HEADER, optional=True)
    _text(problems, "footer", content.footer, MAX_FOOTER, optional=True)
    sections = content.sections
    if not sections:
        problems.append("a list has no sections; give 1 to 10 sections of rows")
    if len(sections) > MAX_SECTIONS:
        problems.append(f"a list has {len(sections)} sections; WhatsApp allows {MAX_SECTIONS}")
    rows = [row for section in sections for row in section.rows]
    if len(rows) > MAX_ROWS and not as_buttons:
        problems.append(f"a list has {len(rows)} rows in total; WhatsApp allows {MAX_ROWS} "
                        "(split it into several lists or shorten it)")
    for s, section in enumerate(sections, 1):
        _text(problems, f"section {s} title", section.title, MAX_SECTION_TITLE, optional=len(sections) == 1,
              why=" when a list has several sections")
        if not section.rows:
            problems.append(f"section {s} has no rows; give it at least one or remove it")
    name, key = ("button {0} (a list row)", "payload") if as_buttons else ("row {0}", "id")
    for r, row in enumerate(rows, 1):
        _text(problems, f"{name.format(r)} title", row.title, MAX_ROW_TITLE)
        _text(problems, f"{name.format(r)} {key}", row.row_id, MAX_ROW_ID)
        _text(problems, f"{name.format(r)} description", row.description, MAX_ROW_DESCRIPTION, optional=True)
    if as_buttons:
        _unique(problems, "button titles", [row.title for row in rows])
    _unique(problems, f"{'button payloads' if as_buttons else 'row ids'}", [row.row_id for row in rows])


def _check_product_list(problems: list[str], content: OutProductList) -> None:
    _text(problems, "header", content.header, MAX_HEADER)
    _text(problems, "text", content.text, MAX_INTERACTIVE_BODY)
    if not content.sections:
        problems.append("a product list has no sections; give 1 to 10 sections of product ids")
    if len(content.sections) > MAX_SECTIONS:
        problems.append(f"a product list has {len(content.sections)} sections; WhatsApp allows {MAX_SECTIONS}")
    total = sum(len(s.product_ids) for s in content.sections)
    if total > MAX_PRODUCTS:
        problems.append(f"a product list has {total} products; WhatsApp allows {MAX_PRODUCTS} (split it into several)")
    for s, section in enumerate(content.sections, 1):
        _text(problems, f"section {s} title", section.title, MAX_SECTION_TITLE)
        if not section.product_ids:
            problems.append(f"section {s} has no products; give it at least one or remove it")
        for p, product_id in enumerate(section.product_ids, 1):
            _text(problems, f"section {s} product {p} id", product_id, MAX_ROW_ID)


def _check_template(problems: list[str], content: OutTemplate) -> None:
    _text(problems, "template name", content.name, 512)
    _text(problems, "template language", content.language, 15, why=" (a code such as en or en_US)")
    for c, component in enumerate(content.components, 1):
        if component.type == "button" and (component.sub_type is None or component.index is None):
            problems.append(f"template component {c} is a button without sub_type and index; give e.g. "
                            "sub_type quick_reply and index 0")
        for p, parameter in enumerate(component.parameters, 1):
            if component.type == "header" and parameter.type == "text" and isinstance(parameter.value, str):
                _text(problems, f"template header parameter {p}", parameter.value, MAX_HEADER)


def _check_media(problems: list[str], content: OutMedia) -> None:
    kind = content.media_kind.value
    if bool(content.media_id) == bool(content.link):
        problems.append(f"a {kind} needs exactly one of media_id (uploaded) or link, "
                        f"got {'both' if content.media_id else 'neither'}")
    if content.link and not _URL.match(content.link):
        problems.append(f"{kind} link {_shown(content.link)} is not an http(s) URL")
    if content.caption and content.media_kind not in _CAPTIONED:
        problems.append(f"a {kind} cannot have a caption (only image, video and document can); send the text separately")
    _text(problems, f"{kind} caption", content.caption, MAX_CAPTION, optional=True)
    if content.filename and content.media_kind is not MediaKind.DOCUMENT:
        problems.append(f"a {kind} cannot have a filename (only a document can)")


def _text(problems: list[str], what: str, value: str | None, limit: int, *, optional: bool = False, why: str = "") -> None:
    if value is None or not value.strip():
        if not optional:
            problems.append(f"{what} is empty; WhatsApp requires it{why}")
    elif len(value) > limit:
        problems.append(f"{what} {_shown(value)} is {len(value)} characters; WhatsApp allows {limit}")


def _unique(problems: list[str], what: str, values: list[str]) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        problems.append(f"{what} must be unique; repeated: {', '.join(map(repr, repeated))}")


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")
