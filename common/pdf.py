"""PDF documents from templates, with the CJK font embedded.

The font is embedded from the file of Debian's ``fonts-wqy-microhei`` (or
``CERTIFICATE_FONT_FILE``) through ``@font-face``; if the file is missing, the
fontconfig family "WenQuanYi Micro Hei" is asked for by name. The templates use
``font_url`` and ``font_family``."""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

FONT_FAMILY = "WenQuanYi Micro Hei"


def font_file() -> Path | None:
    path = Path(settings.CERTIFICATE_FONT_FILE)
    return path if path.is_file() else None


def render_pdf(template: str, context: dict) -> bytes:
    """``template`` rendered with ``context`` and the font, as PDF bytes."""
    from weasyprint import HTML  # imported late: it loads Pango at import time

    font = font_file()
    html = render_to_string(
        template,
        {
            **context,
            "font_url": font.as_uri() if font else "",
            "font_family": FONT_FAMILY,
        },
    )
    return HTML(string=html).write_pdf()
