"""Right-to-left text for drawing libraries that may or may not lay it out themselves."""

from __future__ import annotations

import unicodedata


def for_matplotlib(text: str) -> str:
    """``text`` as matplotlib must get it: as written when its libraqm shapes and orders it (3.11 on),
    else shaped and in visual order. Giving a libraqm build the visual order would mirror it."""
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text) or matplotlib_lays_out_rtl():
        return text
    import arabic_reshaper
    from bidi import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


def matplotlib_lays_out_rtl() -> bool:
    """Whether matplotlib's font renderer was built with libraqm (bidi ordering and shaping)."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))
