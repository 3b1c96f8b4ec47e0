"""Evidence files (photos and PDF) on a need's thread and on activities.

What a file is comes from its bytes, never from the client's content type or the
file's name: JPEG, PNG and WebP must open and verify with Pillow, a PDF must start
with ``%PDF-``. Anything else (HTML, SVG, scripts, a PNG header glued to HTML) is
refused. Files are written through Django's default storage under a random name and
are served only by :func:`attachment_response`, after the caller's access check, with
the content type found at upload, ``nosniff``, a sandboxing CSP and a safe filename.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from PIL import Image, UnidentifiedImageError
from rest_framework.decorators import api_view

from common.openapi import errors

# content type -> (extension, Pillow format or None for PDF)
KINDS = {
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "image/webp": ("webp", "WEBP"),
    "application/pdf": ("pdf", None),
}
IMAGE_TYPES = {kind for kind, (_ext, fmt) in KINDS.items() if fmt}


def _sniff(head: bytes) -> str | None:
    """The content type the first bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _image_is(upload: UploadedFile, expected_format: str) -> bool:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format != expected_format:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    except Image.DecompressionBombError:
        return False
    finally:
        upload.seek(0)
    return True


def safe_filename(original: str, extension: str) -> str:
    """A name fit for Content-Disposition: the client's stem reduced to safe
    characters (CJK letters kept), and the extension of what the file really is."""
    stem = (original or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    try:
        stem = get_valid_filename(stem)[:80]
    except SuspiciousFileOperation:  # "", "." or "..": the name becomes "file"
        stem = ""
    return f"{stem or 'file'}.{extension}"


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    content_type: str
    name: str
    size: int


def check_files(files, field: str = "attachments") -> list[CheckedFile]:
    """Check every uploaded file; raise a ValidationError naming ``field`` (and the
    file) if any is refused, so nothing is stored."""
    files = list(files or [])
    limit = settings.ATTACHMENT_MAX_FILES
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    if len(files) > limit:
        raise ValidationError(
            {field: [gettext("At most %(count)d files at a time.") % {"count": limit}]}
        )
    checked, problems = [], []
    for upload in files:
        name = str(getattr(upload, "name", "") or "")
        if upload.size > max_bytes:
            problems.append(
                gettext("%(name)s is larger than %(mb)s MB.")
                % {"name": name, "mb": f"{max_bytes / (1024 * 1024):.3g}"}
            )
            continue
        upload.seek(0)
        kind = _sniff(upload.read(16))
        upload.seek(0)
        fmt = KINDS[kind][1] if kind else None
        if kind is None or (fmt and not _image_is(upload, fmt)):
            problems.append(
                gettext("%(name)s is not a JPEG, PNG or WebP image or a PDF document.")
                % {"name": name}
            )
            continue
        checked.append(
            CheckedFile(
                upload=upload,
                content_type=kind,
                name=safe_filename(name, KINDS[kind][0]),
                size=upload.size,
            )
        )
    if problems:
        raise ValidationError({field: problems})
    return checked


def check_files_into(errors: dict, files) -> list[CheckedFile]:
    """``check_files``, with its refusals added to ``errors`` (the other fields'
    messages) instead of raised, so that one answer names every problem. Nothing is
    checked as accepted when a file is refused."""
    try:
        return check_files(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return []


def _upload_to(instance, filename: str) -> str:
    # The stored name is random: the client's name never reaches the file system.
    extension = filename.rsplit(".", 1)[-1]
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}.{extension}"


class Attachment(models.Model):
    """Fields every evidence file has; concrete models add what it belongs to."""

    file = models.FileField(_("file"), upload_to=_upload_to, max_length=200)
    name = models.CharField(_("file name"), max_length=100)
    content_type = models.CharField(
        _("content type"),
        max_length=40,
        choices=[(kind, kind) for kind in KINDS],
    )
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def store(model: type[Attachment], checked: list[CheckedFile], **owner) -> list:
    """Write the checked files through the storage and record them on ``owner``."""
    stored = []
    for each in checked:
        attachment = model(
            name=each.name, content_type=each.content_type, size=each.size, **owner
        )
        attachment.file.save(each.name, each.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file, for a caller whose access was already checked. Images are shown
    inline (photos in the thread), PDFs downloaded; the browser may not guess
    another type, run scripts or load anything from it."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.is_image,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def evidence_download(*, of: str, readers: str, attachments):
    """The API view ``GET .../<pk>/`` of one evidence file: ``attachments(user)``
    are the files the caller may read (any other id is 404), ``of`` and ``readers``
    complete its description."""

    @extend_schema(
        summary=f"Download an evidence file of {of}",
        description=f"Only for those who {readers} (else 404); images inline, "
        "PDF as a download, with the type found from the bytes at upload.",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **errors(404),
        },
    )
    @api_view(["GET"])
    def download(request, pk: int):
        return attachment_response(get_object_or_404(attachments(request.user), pk=pk))

    return download
