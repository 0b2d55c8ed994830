"""The WhatsApp webhook parser over the 82 shared fixtures (skipped when ../shared is absent)
and over our own hand-written payloads in ``payloads/`` (always run)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bot.core import codec
from bot.core.messages import (
    ButtonReply,
    Contact,
    Contacts,
    Edit,
    FlowReply,
    InboundContent,
    InboundMessage,
    ListReply,
    Location,
    Media,
    MediaKind,
    Order,
    OrderItem,
    Reaction,
    Revoke,
    System,
    Text,
    Unknown,
)
from bot.errors import MessageError
from connectors.whatsapp.parse import (
    CHANNEL,
    OtherUpdate,
    PayloadError,
    StatusError,
    StatusUpdate,
    WebhookUpdates,
    conversation_id_for,
    parse_webhook,
    recipient_of,
)

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "whatsapp-fixtures"
PAYLOADS = Path(__file__).resolve().parent / "payloads"
RECEIVED = 1_800_000_000.0
PAYLOAD_ERROR = ("PayloadError",)


def summary(updates: WebhookUpdates) -> tuple[str, ...]:
    """What a parse found, as ``message:<kind>``, ``status:<status>``, ``other:<field>``, ``problem``."""
    messages = [f"message:{m.content.kind}" + (f":{m.content.provider_type}" if isinstance(m.content, Unknown) else "") for m in updates.messages]
    return (*messages, *(f"status:{s.status}" for s in updates.statuses), *(f"other:{o.field}" for o in updates.others), *("problem" for _ in updates.problems))


# ---------------------------------------------------------------- the shared fixtures

ACCOUNT_UPDATES = [
    "account_deleted", "account_disabled", "account_offboarded", "account_reconnected", "account_restriction",
    "account_violation", "ad_account_linked", "authentication_international_eligibility",
    "mm_api_for_wa_terms_of_service", "partner_added", "partner_app_installed", "partner_app_uninstalled",
    "partner_led_business_verification_status", "partner_removed", "partner_removed_wa_app_disconnection",
    "pricing_tiering_update", "primary_business_location_set",
]
EXPECTED: dict[str, tuple[str, ...]] = {
    **{f"pywa/account_update_{name}.json": ("other:account_update",) for name in ACCOUNT_UPDATES},
    "pywa/button_template_quick_reply.json": ("message:button_reply",),
    "pywa/button_template_quick_reply_no_context_bsuid.json": ("message:button_reply",),
    "pywa/calls_connect_business_initiated.json": ("other:calls",),
    "pywa/calls_connect_user_initiated.json": ("other:calls",),
    "pywa/calls_permission_update_accept.json": ("message:unknown:interactive.call_permission_reply",),
    "pywa/calls_permission_update_reject.json": ("message:unknown:interactive.call_permission_reply",),
    "pywa/calls_status_call_status.json": ("other:calls",),
    "pywa/calls_terminate_call_terminate.json": ("other:calls",),
    "pywa/interactive_button_reply.json": ("message:button_reply",),
    "pywa/interactive_list_reply.json": ("message:list_reply",),
    "pywa/interactive_list_reply_with_description.json": ("message:list_reply",),
    "pywa/interactive_nfm_reply_flow_completion.json": ("message:flow_reply",),
    "pywa/interactive_nfm_reply_without_flow_token.json": ("message:flow_reply",),
    "pywa/message_animated_sticker.json": ("message:media",),
    "pywa/message_audio.json": ("message:media",),
    "pywa/message_chosen_location.json": ("message:location",),
    "pywa/message_contacts.json": ("message:contacts",),
    "pywa/message_current_location.json": ("message:location",),
    "pywa/message_document.json": ("message:media",),
    "pywa/message_edit_image_caption.json": ("message:edit",),
    "pywa/message_forwarded.json": ("message:text",),
    "pywa/message_forwarded_many_times.json": ("message:text",),
    "pywa/message_image.json": ("message:media",),
    "pywa/message_interactive_message_with_err.json": ("message:unknown:interactive", "other:errors"),
    "pywa/message_media_with_url.json": ("message:media",),
    "pywa/message_order.json": ("message:order",),
    "pywa/message_reaction.json": ("message:reaction",),
    "pywa/message_referral.json": ("message:text",),
    "pywa/message_reply.json": ("message:text",),
    "pywa/message_revoke_deleted_by_user.json": ("message:revoke",),
    "pywa/message_static_sticker.json": ("message:media",),
    "pywa/message_text.json": ("message:text",),
    "pywa/message_unreaction_empty.json": ("message:reaction",),
    "pywa/message_unreaction_no_emoji.json": ("message:reaction",),
    "pywa/message_unsupported.json": ("message:unknown:unsupported",),
    "pywa/message_unsupported_with_type.json": ("message:unknown:unsupported.pool",),
    "pywa/message_video.json": ("message:media",),
    "pywa/message_voice.json": ("message:media",),
    "pywa/smb_message_echoes_delete.json": ("other:smb_message_echoes",),
    "pywa/smb_message_echoes_edit.json": ("other:smb_message_echoes",),
    "pywa/smb_message_echoes_text.json": ("other:smb_message_echoes",),
    "pywa/status_delivered.json": ("status:delivered",),
    "pywa/status_failed.json": ("status:failed",),
    "pywa/status_group.json": ("status:read",),
    "pywa/status_played.json": ("status:played",),
    "pywa/status_read.json": ("status:read",),
    "pywa/status_sent.json": ("status:sent",),
    "pywa/status_with_tracker.json": ("status:sent",),
    "pywa/system_customer_identity_changed.json": ("message:system",),
    "pywa/system_user_changed_number.json": ("message:system",),
    "pywa/template_category_update_marketing.json": ("other:template_category_update",),
    "pywa/template_components_update_element.json": ("other:message_template_components_update",),
    "pywa/template_quality_update_yellow.json": ("other:message_template_quality_update",),
    "pywa/template_status_update_approved.json": ("other:message_template_status_update",),
    "pywa/template_status_update_rejected.json": ("other:message_template_status_update",),
    "pywa/user_preferences_marketing_resume.json": ("other:user_preferences",),
    "pywa/user_preferences_marketing_signup.json": ("other:user_preferences",),
    "meta-docs/message_image_with_caption_and_url.json": ("message:media",),
    "meta-docs/message_order_two_products.json": ("message:order",),
    "meta-docs/message_text_ctwa_ad_referral_welcome_message.json": ("message:text",),
    "meta-docs/message_text_message_business_button_referred_product.json": ("message:text",),
    "meta-docs/message_unsupported_edit_131051.json": ("message:unknown:unsupported.edit",),
    "meta-docs/status_failed_131049_ecosystem_engagement.json": ("status:failed",),
    "meta-docs/status_sent_pmp_marketing.json": ("status:sent",),
    "meta-docs/status_sent_v24_no_conversation_no_pricing.json": ("status:sent",),
}
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"the shared WhatsApp fixtures are not here ({FIXTURES}); they live outside the project")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@needs_fixtures
def test_the_table_names_every_shared_fixture() -> None:
    on_disk = {f"{path.parent.name}/{path.name}" for path in FIXTURES.glob("*/*.json")}
    assert on_disk == set(EXPECTED) and len(EXPECTED) == 82


@needs_fixtures
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shared_fixture_parses_to_what_it_carries(name: str) -> None:
    raw, expected = fixture(name), EXPECTED[name]
    if expected == PAYLOAD_ERROR:
        with pytest.raises(PayloadError):
            parse_webhook(raw, received_at=RECEIVED)
        return
    updates = parse_webhook(raw, received_at=RECEIVED)
    assert summary(updates) == expected, updates.problems
    for message in updates.messages:
        assert message.channel == CHANNEL and message.received_at != RECEIVED  # every fixture has a timestamp
        assert codec.load_inbound(codec.dump_inbound(message)) == message


@needs_fixtures
def test_shared_fixture_details() -> None:
    (flow,) = parse_webhook(fixture("pywa/interactive_nfm_reply_flow_completion.json"), received_at=RECEIVED).messages
    assert flow.content == FlowReply(
        response={"comment_text": "Comment Text", "delivery_rating": "4", "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.",
                  "purchase_rating": "2", "recommend_radio": "0", "cs_rating": "0"},
        flow_token="AQAAAAACS5FpgQ_cAAAAAD0QI3s.", name="flow", body="Sent",
    )
    (quick,) = parse_webhook(fixture("pywa/button_template_quick_reply_no_context_bsuid.json"), received_at=RECEIVED).messages
    assert quick.conversation_id == "whatsapp:1122334455667:972987654321" and quick.metadata["user_id"] == "US.13491208655302741918"
    (failed,) = parse_webhook(fixture("meta-docs/status_failed_131049_ecosystem_engagement.json"), received_at=RECEIVED).statuses
    assert [(e.code, e.details) for e in failed.errors] == [(131049, "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.")]
    (edit,) = parse_webhook(fixture("pywa/message_edit_image_caption.json"), received_at=RECEIVED).messages
    assert isinstance(edit.content, Edit) and isinstance(edit.content.content, Media) and edit.content.content.caption == "Updated image caption"
    assert edit.metadata["media_url"] == "https://media.example.com/updated-image.jpg"
    (group,) = parse_webhook(fixture("pywa/status_group.json"), received_at=RECEIVED).statuses
    assert group.recipient == "fowefinoewcnw" and group.status == "read"


# ---------------------------------------------------------------- our own payloads

PNID, DISPLAY, WABA = "100200300400500", "15550001111", "900800700600500"
WA_ID, BSUID, NAME = "447700900123", "GB.A1b2C3d4E5f6", "Amira Test"
CID = f"whatsapp:{PNID}:{WA_ID}"
T0 = 1767225600.0
ROUTE = {"phone_number_id": PNID, "display_phone_number": DISPLAY, "waba_id": WABA}
META = {**ROUTE, "wa_id": WA_ID, "user_id": BSUID, "profile_name": NAME}


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def parse(name: str) -> WebhookUpdates:
    return parse_webhook(load(name), received_at=RECEIVED)


def only_message(name: str) -> InboundMessage:
    updates = parse(name)
    assert (updates.statuses, updates.others, updates.problems) == ((), (), ())
    (message,) = updates.messages
    assert codec.load_inbound(codec.dump_inbound(message)) == message
    return message


def first_message(name: str) -> dict[str, Any]:
    return load(name)["entry"][0]["changes"][0]["value"]["messages"][0]


def expect(message_id: str, content: InboundContent, *, reply_to: str | None = None, **metadata: Any) -> InboundMessage:
    return InboundMessage(message_id=message_id, conversation_id=CID, channel="whatsapp", content=content, received_at=T0, reply_to=reply_to, metadata=META | metadata)


PIZZAS = Text(body="I'd like to order two pizzas")
URL = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=7000000000001&source=webhook"
REFERRAL = {
    "source_url": "https://fb.me/example-ad", "source_id": "1200000000000001", "source_type": "ad", "body": "Two pizzas for one",
    "headline": "Chat with us", "media_type": "image", "image_url": "https://example.invalid/ad.jpg", "ctwa_clid": "ARAkLmNoPqRsTuV",
    "welcome_message": {"text": "Hi! How can we help?"},
}
OWN_MESSAGES = {
    "message_text.json": expect("wamid.IN-TEXT-1", PIZZAS, reply_to="wamid.OUT-0001"),
    "message_text_forwarded.json": expect("wamid.IN-FWD-1", Text(body="look at this"), forwarded=True),
    "message_text_frequently_forwarded.json": expect("wamid.IN-FWD-2", Text(body="chain letter"), frequently_forwarded=True),
    "message_text_referral.json": expect("wamid.IN-AD-1", Text(body="Is the offer still on?"), referral=REFERRAL),
    "message_text_referred_product.json": expect(
        "wamid.IN-PRODUCT-1", Text(body="Do you have it in blue?"), reply_to="wamid.OUT-CATALOG-1",
        referred_product={"catalog_id": "555000111", "product_retailer_id": "shirt-42"},
    ),
    "message_image.json": expect(
        "wamid.IN-IMG-1", Media(media_kind=MediaKind.IMAGE, media_id="7000000000001", mime_type="image/jpeg", caption="My broken parcel", sha256="c2hhMjU2LWltYWdl"),
        media_url=URL,
    ),
    "message_audio_voice.json": expect(
        "wamid.IN-VOICE-1", Media(media_kind=MediaKind.AUDIO, media_id="7000000000002", mime_type="audio/ogg; codecs=opus", sha256="c2hhMjU2LXZvaWNl"), voice=True
    ),
    "message_video.json": expect(
        "wamid.IN-VID-1", Media(media_kind=MediaKind.VIDEO, media_id="7000000000003", mime_type="video/mp4", caption="unboxing", sha256="c2hhMjU2LXZpZGVv")
    ),
    "message_document.json": expect(
        "wamid.IN-DOC-1",
        Media(media_kind=MediaKind.DOCUMENT, media_id="7000000000004", mime_type="application/pdf", caption="my invoice", sha256="c2hhMjU2LWRvYw==", filename="invoice-2026-01.pdf"),
    ),
    "message_sticker.json": expect(
        "wamid.IN-STK-1", Media(media_kind=MediaKind.STICKER, media_id="7000000000005", mime_type="image/webp", sha256="c2hhMjU2LXN0aWNrZXI="), animated=True
    ),
    "message_location.json": expect("wamid.IN-LOC-1", Location(latitude=51.5007292, longitude=-0.1246254, name="Westminster", address="London SW1A 0AA")),
    "message_contacts.json": expect(
        "wamid.IN-VCARD-1",
        Contacts(contacts=(
            Contact(name="Noor Haddad", phones=("+44 7700 900456", "+44 20 7946 0000"), emails=("noor@example.com",)),
            Contact(name="Sami", phones=("+44 7700 900789",)),
        )),
    ),
    "message_button.json": expect(
        "wamid.IN-BTN-1", ButtonReply(reply_id="/confirm_order", title="Yes, confirm", payload="/confirm_order"), reply_to="wamid.OUT-TEMPLATE-1"
    ),
    "message_interactive_button_reply.json": expect(
        "wamid.IN-IBTN-1", ButtonReply(reply_id="size:large", title="Large", payload="size:large"), reply_to="wamid.OUT-BUTTONS-1"
    ),
    "message_interactive_list_reply.json": expect(
        "wamid.IN-LIST-1",
        ListReply(reply_id="slot:2026-01-02T10:00", title="Fri 10:00", description="Central branch", payload="slot:2026-01-02T10:00"),
        reply_to="wamid.OUT-LIST-1",
    ),
    "message_interactive_nfm_reply.json": expect(
        "wamid.IN-FLOW-1",
        FlowReply(response={"flow_token": "booking-7f3a", "date": "2026-01-02", "guests": 4, "notes": None}, flow_token="booking-7f3a", name="flow", body="Sent"),
        reply_to="wamid.OUT-FLOW-1",
    ),
    "message_order.json": expect(
        "wamid.IN-ORDER-1",
        Order(catalog_id="555000111", text="Please deliver after 6pm", items=(
            OrderItem(product_id="pizza-margherita", quantity=2, price=9.5, currency="GBP"),
            OrderItem(product_id="cola-330", quantity=1, price=1.2, currency="GBP"),
        )),
    ),
    "message_reaction.json": expect("wamid.IN-REACT-1", Reaction(target_message_id="wamid.OUT-0002", emoji="\N{THUMBS UP SIGN}")),
    "message_reaction_removed.json": expect("wamid.IN-REACT-2", Reaction(target_message_id="wamid.OUT-0002", emoji=None)),
    "message_edit.json": expect("wamid.IN-EDIT-1", Edit(target_message_id="wamid.IN-TEXT-1", content=Text(body="I'd like to order three pizzas"))),
    "message_revoke.json": expect("wamid.IN-REVOKE-1", Revoke(target_message_id="wamid.IN-TEXT-1")),
}


@pytest.mark.parametrize("name", sorted(OWN_MESSAGES))
def test_each_inbound_type_parses_to_exact_fields(name: str) -> None:
    assert only_message(name) == OWN_MESSAGES[name]


def test_a_system_message_has_no_contacts_and_says_where_the_user_went() -> None:
    message = only_message("message_system_user_changed_number.json")
    assert message == InboundMessage(
        message_id="wamid.IN-SYS-1", conversation_id=CID, channel="whatsapp", received_at=T0, metadata=ROUTE | {"wa_id": WA_ID},
        content=System(system_type="user_changed_number", body="User Amira Test changed from 447700900123 to 447700900999",
                       new_wa_id="447700900999", new_user_id="GB.Z9y8X7w6", previous_user_id=BSUID),
    )


@pytest.mark.parametrize(
    ("name", "provider_type", "errors"),
    [
        ("message_unsupported.json", "unsupported.poll_creation", [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown", "details": "Message type is currently not supported."}]),
        ("message_unknown_future_type.json", "hologram", None),
        ("message_interactive_no_body.json", "interactive", None),
    ],
)
def test_types_we_do_not_read_are_kept_as_unknown(name: str, provider_type: str, errors: list[dict[str, Any]] | None) -> None:
    message = only_message(name)
    assert message.content == Unknown(provider_type=provider_type, raw=first_message(name))
    assert message.metadata.get("errors") == errors and message.text is None


def test_a_sender_known_only_by_business_scoped_user_id() -> None:
    message = only_message("message_bsuid_only.json")
    assert message.conversation_id == f"whatsapp:{PNID}:{BSUID}" and recipient_of(message.conversation_id) == (PNID, BSUID)
    assert message.metadata == ROUTE | {"user_id": BSUID, "profile_name": NAME, "username": "@amira"}


def test_the_only_contact_names_the_sender_even_when_from_differs_from_its_wa_id() -> None:
    """Meta documents that ``from`` may not equal ``contacts[].wa_id``; with one contact it is still the sender."""
    body = load("message_text.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "4407700900123"
    (message,) = parse_webhook(body, received_at=RECEIVED).messages
    assert message.conversation_id == f"whatsapp:{PNID}:4407700900123"
    assert message.metadata == META | {"wa_id": "4407700900123"}
    body["entry"][0]["changes"][0]["value"]["contacts"].append({"profile": {"name": "Someone Else"}, "wa_id": "447700900777"})
    (message,) = parse_webhook(body, received_at=RECEIVED).messages
    assert message.metadata == ROUTE | {"wa_id": "4407700900123"}  # two contacts, neither matches: no guessing


def status(message_id: str, state: str, timestamp: float, **fields: Any) -> StatusUpdate:
    return StatusUpdate(message_id=message_id, status=state, conversation_id=CID, phone_number_id=PNID, recipient=WA_ID, timestamp=timestamp, **fields)


RE_ENGAGE = "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
OWN_STATUSES = {
    "status_sent.json": status("wamid.OUT-0001", "sent", 1767225700.0, callback_data="flow=order;step=confirm", pricing_category="service",
                               recipient_user_id=BSUID),
    "status_delivered.json": status("wamid.OUT-0001", "delivered", 1767225705.0, recipient_user_id=BSUID),
    "status_read.json": status("wamid.OUT-0001", "read", 1767225760.0, recipient_user_id=BSUID),
    "status_failed.json": status(
        "wamid.OUT-0003", "failed", 1767312200.0,
        errors=(StatusError(code=131047, title="Re-engagement message", message="Re-engagement message", details=RE_ENGAGE),),
        recipient_user_id=BSUID,
    ),
    "status_bsuid_only.json": StatusUpdate(
        message_id="wamid.OUT-0004", status="delivered", conversation_id=f"whatsapp:{PNID}:{BSUID}", phone_number_id=PNID, recipient=BSUID, timestamp=1767225800.0,
        recipient_user_id=BSUID,
    ),
}


@pytest.mark.parametrize("name", sorted(OWN_STATUSES))
def test_each_status_parses_to_exact_fields(name: str) -> None:
    assert parse(name) == WebhookUpdates(messages=(), statuses=(OWN_STATUSES[name],), others=(), problems=())


def test_errors_of_a_change_and_other_fields_are_kept() -> None:
    rate = StatusError(code=130429, title="Rate limit hit", message="(#130429) Rate limit hit", details="Cloud API message throughput has been reached.")
    assert parse("errors_only.json") == WebhookUpdates(messages=(), statuses=(), others=(OtherUpdate(field="errors", phone_number_id=PNID, value=(rate,)),), problems=())
    value = {"event": "ACCOUNT_VIOLATION", "violation_info": {"violation_type": "SCAM"}}
    assert parse("other_account_update.json").others == (OtherUpdate(field="account_update", phone_number_id=None, value=value),)
    body = load("message_text.json")
    contacts_only = body["entry"][0]["changes"][0]["value"]
    contacts_only.pop("messages")
    assert parse_webhook(body, received_at=RECEIVED).others == (OtherUpdate(field="messages", phone_number_id=PNID, value=contacts_only),)


def test_a_batch_of_entries_and_changes_is_read_whole_and_in_order() -> None:
    updates = parse("batch.json")
    assert updates.problems == () and updates.others == ()
    second = "whatsapp:100200300400999:"
    assert [(m.message_id, m.conversation_id, m.received_at) for m in updates.messages] == [
        ("wamid.B-1", CID, 1767226001.0),
        ("wamid.B-2", f"whatsapp:{PNID}:447700900555", 1767226002.0),
        ("wamid.B-3", CID, 1767226003.0),
        ("wamid.B-4", second + WA_ID, 1767226006.0),
        ("wamid.B-5", second + WA_ID, 1767226007.0),
    ]
    assert [m.metadata.get("profile_name") for m in updates.messages] == [NAME, "Bilal Test", NAME, NAME, NAME]
    assert [m.metadata["waba_id"] for m in updates.messages] == [WABA] * 3 + ["900800700600999"] * 2
    assert updates.messages[2].content == Reaction(target_message_id="wamid.OUT-0001", emoji="\u2764\ufe0f")
    assert [(s.message_id, s.status, s.conversation_id) for s in updates.statuses] == [
        ("wamid.OUT-B1", "delivered", CID),
        ("wamid.OUT-B2", "read", f"whatsapp:{PNID}:447700900555"),
        ("wamid.OUT-B3", "sent", second + WA_ID),
    ]


def test_a_message_without_id_is_a_problem_and_the_others_still_parse() -> None:
    updates = parse("message_missing_id.json")
    assert [(m.message_id, m.text) for m in updates.messages] == [("wamid.IN-OK-1", "first"), ("wamid.IN-OK-2", "third")]
    assert updates.problems == ("entry[0].changes[0].value.messages[1]: the message has no 'id' (the wamid); it was skipped",)


def test_raw_json_bytes_parse_like_the_decoded_dict() -> None:
    raw = (PAYLOADS / "batch.json").read_bytes()
    assert parse_webhook(raw, received_at=RECEIVED) == parse("batch.json")


@pytest.mark.parametrize(
    "payload",
    [b"{not json", "", [], 42, None, {"entry": []}, {"object": "page", "entry": []}, {"object": "whatsapp_business_account"}, {"object": "whatsapp_business_account", "entry": {}}],
    ids=["bad-json", "empty", "array", "number", "null", "no-object", "page-object", "no-entry", "entry-not-array"],
)
def test_a_body_that_is_not_an_envelope_raises_payload_error(payload: Any) -> None:
    with pytest.raises(PayloadError, match="whatsapp_business_account") as caught:
        parse_webhook(payload, received_at=RECEIVED)
    assert isinstance(caught.value, MessageError)


def test_unreadable_items_become_problems_that_say_where() -> None:
    body = load("batch.json")
    good = copy.deepcopy(body["entry"][0]["changes"][0])
    first = good["value"]["messages"][0]
    statuses = body["entry"][0]["changes"][1]
    statuses["value"]["statuses"][0].pop("id")
    statuses["value"]["statuses"][1]["errors"] = [{"title": "no code"}]
    no_route = copy.deepcopy(good)
    no_route["value"]["metadata"].pop("phone_number_id")
    nobody = copy.deepcopy(first)
    nobody.pop("from")
    good["value"]["messages"] = [first, "not a message", nobody]
    body["entry"] = ["not an entry", {"id": WABA, "changes": [good, statuses, {"field": "messages"}, no_route]}]
    updates = parse_webhook(body, received_at=RECEIVED)
    assert [m.message_id for m in updates.messages] == ["wamid.B-1"] and [s.message_id for s in updates.statuses] == ["wamid.OUT-B2"]
    assert updates.statuses[0].errors == ()
    assert updates.problems == (
        "entry[0]: expected an object with a 'changes' array, got a string",
        "entry[1].changes[0].value.messages[1]: expected a message object, got a string",
        "entry[1].changes[0].value.messages[2]: the message has neither 'from' nor 'from_user_id'; it was skipped",
        "entry[1].changes[1].value.statuses[0]: the status has no id; it was skipped",
        "entry[1].changes[1].value.statuses[1].errors[0]: expected an error object with an integer 'code', got an object with keys 'title'; it was left out",
        "entry[1].changes[2]: expected an object with a string 'field' and an object 'value', got an object with keys 'field'",
        "entry[1].changes[3]: value.metadata.phone_number_id is missing or not an id, so its messages and statuses cannot be routed",
    )


def odd(message_type: str, body: Any) -> dict[str, Any]:
    return {"from": WA_ID, "id": "wamid.ODD", "timestamp": "1767225600", "type": message_type, message_type: body}


@pytest.mark.parametrize(
    ("message", "provider_type"),
    [
        (odd("text", {"body": 42}), "text"),
        (odd("image", {"mime_type": "image/png"}), "image"),
        (odd("location", {"latitude": "north", "longitude": 1.0}), "location"),
        (odd("contacts", []), "contacts"),
        (odd("order", {"catalog_id": "1", "product_items": [{"product_retailer_id": "a", "quantity": 1.5, "item_price": 1, "currency": "GBP"}]}), "order"),
        (odd("reaction", {"emoji": "x"}), "reaction"),
        (odd("button", {}), "button"),
        (odd("interactive", {"type": "button_reply", "button_reply": {"id": "a"}}), "interactive.button_reply"),
        (odd("interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "{broken"}}), "interactive.nfm_reply"),
        (odd("interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "[1]"}}), "interactive.nfm_reply"),
        (odd("system", {"body": "no type"}), "system"),
        (odd("edit", {"message": {"type": "text", "text": {"body": "x"}}}), "edit"),
        (odd("revoke", "wamid.X"), "revoke"),
        (odd("location", {"latitude": 10**400, "longitude": 1.0}), "location"),
        ({"from": WA_ID, "id": "wamid.ODD", "timestamp": "soon"}, "missing"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_odd_field_makes_that_message_unknown_never_an_exception(message: dict[str, Any], provider_type: str) -> None:
    body = load("message_text.json")
    body["entry"][0]["changes"][0]["value"]["messages"] = [message, first_message("message_text.json")]
    updates = parse_webhook(body, received_at=RECEIVED)
    assert updates.problems == () and [m.content for m in updates.messages] == [Unknown(provider_type=provider_type, raw=message), PIZZAS]
    assert updates.messages[0].received_at == (T0 if "timestamp" in message and message["timestamp"] != "soon" else RECEIVED)


def test_an_edit_that_holds_an_edit_is_not_followed() -> None:
    nested = {"type": "edit", "edit": {"original_message_id": "wamid.B", "message": {"type": "text", "text": {"body": "x"}}}}
    body = load("message_edit.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["edit"]["message"] = nested
    (message,) = parse_webhook(body, received_at=RECEIVED).messages
    assert message.content == Edit(target_message_id="wamid.IN-TEXT-1", content=Unknown(provider_type="edit.edit", raw=nested))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["edit"].pop("message")
    (message,) = parse_webhook(body, received_at=RECEIVED).messages
    assert message.content == Edit(target_message_id="wamid.IN-TEXT-1", content=None)


def test_the_text_the_nlu_reads() -> None:
    texts = {name: OWN_MESSAGES[name].text for name in ("message_text.json", "message_button.json", "message_interactive_list_reply.json", "message_image.json")}
    assert texts == {"message_text.json": PIZZAS.body, "message_button.json": "/confirm_order", "message_interactive_list_reply.json": "slot:2026-01-02T10:00", "message_image.json": "My broken parcel"}
    assert [only_message(name).text for name in ("message_interactive_nfm_reply.json", "message_edit.json", "message_revoke.json")] == [None, None, None]


def test_conversation_ids_round_trip_and_reject_what_is_not_ours() -> None:
    assert conversation_id_for(PNID, WA_ID) == CID and recipient_of(CID) == (PNID, WA_ID)
    for bad in ("rest:user-1", "whatsapp:", f"whatsapp:{PNID}", f"whatsapp::{WA_ID}"):
        with pytest.raises(ValueError, match="not a WhatsApp conversation id"):
            recipient_of(bad)
    with pytest.raises(ValueError, match="cannot build"):
        conversation_id_for("", WA_ID)


def test_every_own_payload_is_used_by_a_test() -> None:
    named = {*OWN_MESSAGES, *OWN_STATUSES, "batch.json", "errors_only.json", "other_account_update.json", "message_missing_id.json", "message_bsuid_only.json",
             "message_system_user_changed_number.json", "message_unsupported.json", "message_unknown_future_type.json", "message_interactive_no_body.json"}
    assert {path.name for path in PAYLOADS.glob("*.json")} == named
