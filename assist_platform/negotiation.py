"""Content negotiation for the API: DRF's, except for file downloads.

The .xlsx exports and templates and the PDF certificates are plain Django responses
that carry their own type, and the schema documents that type (and
``application/octet-stream``). DRF negotiates before the view runs, against the
JSON renderers only, so a client that asks for the very type the schema promises
(``Accept: application/pdf``, as SDKs generated from the schema send) was refused
with 406. Such a request gets the view's first renderer instead: a download answers
with its file, and any other view with its usual JSON."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation

from spreadsheets.workbooks import XLSX_CONTENT_TYPE


def download_media_types() -> tuple[str, ...]:
    return (XLSX_CONTENT_TYPE, "application/pdf", "application/octet-stream")


class DownloadNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            accept = request.META.get("HTTP_ACCEPT", "")
            if not renderers or not any(t in accept for t in download_media_types()):
                raise
            return renderers[0], renderers[0].media_type
