"""The WhatsApp simulator page, driven in headless Chromium: a customer's message and the bot's reply
with buttons appear, and tapping a button goes on with the conversation through the signed webhook."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.core import events as ev
from bot.engine import Engine
from bot.server.app import create_app
from connectors.whatsapp.channel import WhatsAppChannel
from tests.browser import ARGS, chromium_path
from tests.connectors.whatsapp.test_channel import FLOWS
from tests.server.serve import serve

playwright = pytest.importorskip("playwright.async_api", reason="playwright is a dev dependency: pip install -e '.[dev]'")

PHONE = "201001112233"
SCREENSHOT = Path("/tmp/whatsbot-simulator.png")  # to look at after a run


@pytest.fixture
def simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    for name in ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "flows.yml").write_text(FLOWS, encoding="utf-8")
    config = tmp_path / "config.yml"
    config.write_text("store: {sqlite: {path: bot.db}}\nlanguages: {default: en, supported: [en, ar]}\n"
                      "paths: {flows: flows, nlu_data: nlu_data, models: models}\nchannels: {whatsapp: {}}\n", encoding="utf-8")
    return Engine(load_settings(config, {}))


async def test_without_credentials_the_channel_is_the_simulator(simulated: Engine) -> None:
    channel = simulated.channels["whatsapp"]
    assert isinstance(channel, WhatsAppChannel) and channel.fake is not None
    async with serve(create_app(simulated.settings, engine=simulated)) as base, httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/simulator")
        assert page.status_code == 200 and "WhatsApp simulator" in page.text
        unsigned = await client.post("/webhooks/whatsapp/webhook", content=b"{}")
        assert unsigned.status_code == 401, "the simulator does not open the webhook to unsigned posts"


async def test_a_customer_chats_and_taps_a_button_in_the_page(simulated: Engine) -> None:
    async with serve(create_app(simulated.settings, engine=simulated)) as base, playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium_path(), headless=True, args=ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{base}/simulator?phone={PHONE}")
            await page.fill("#text", "/order")
            await page.press("#text", "Enter")
            await page.locator("[data-testid=customer-message]").first.wait_for()
            question = page.locator("[data-testid=bot-message]").filter(has_text="Which size?")
            await question.wait_for(timeout=15_000)
            buttons = question.locator("[data-testid=reply-button]")
            assert await buttons.all_inner_texts() == ["Small", "Large"]
            await buttons.filter(has_text="Large").click()
            await page.locator("[data-testid=bot-message]").filter(has_text="Done: large.").wait_for(timeout=15_000)
            customer = await page.locator("[data-testid=customer-message] .body").all_inner_texts()
            assert customer == ["/order", "Large"]
            await page.fill("#text", "مرحبا، أريد أن أطلب")
            await page.press("#text", "Enter")
            arabic = page.locator("[data-testid=customer-message]").last
            await arabic.wait_for()
            assert await arabic.evaluate("node => getComputedStyle(node.querySelector('.body')).direction") == "rtl", (
                "Arabic text is laid out right to left")
            await page.locator("[data-testid=bot-message]").nth(3).wait_for(timeout=15_000)
            await page.screenshot(path=str(SCREENSHOT))
        finally:
            await browser.close()
        events = await simulated.store.events(f"whatsapp:100000000000001:{PHONE}")
    users = [e for e in events if isinstance(e, ev.UserMessage)]
    assert [u.text for u in users][:2] == ["/order", "/SetSlots(size=large)"], "the button came back as its payload"
