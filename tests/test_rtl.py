"""Right-to-left text handed to matplotlib: never mirrored, whichever way matplotlib was built."""

from __future__ import annotations

import pytest

from bot import rtl


def test_latin_text_is_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtl, "matplotlib_lays_out_rtl", lambda: False)
    assert rtl.for_matplotlib("cancel_order (2)") == "cancel_order (2)"


def test_without_libraqm_arabic_is_shaped_and_in_visual_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtl, "matplotlib_lays_out_rtl", lambda: False)
    drawn = rtl.for_matplotlib("الغاء 2")
    assert drawn.startswith("2 ")  # the number, last when read, is first from the left
    assert all("\ufe70" <= ch <= "\ufeff" or ch in " 2" for ch in drawn)  # presentation forms: joined letters


def test_with_libraqm_arabic_is_left_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtl, "matplotlib_lays_out_rtl", lambda: True)
    assert rtl.for_matplotlib("الغاء الطلب") == "الغاء الطلب"
