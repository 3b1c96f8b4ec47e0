"""Downloads: a response that has the browser save its content as a named file."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

PDF_CONTENT_TYPE = "application/pdf"


def attachment(content: bytes, filename: str, *, content_type: str) -> HttpResponse:
    """``content`` to be saved as ``filename`` (with its suffix)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def pdf_attachment(content: bytes, filename: str) -> HttpResponse:
    """A download of the PDF ``content`` as ``filename``.pdf."""
    return attachment(content, f"{filename}.pdf", content_type=PDF_CONTENT_TYPE)
