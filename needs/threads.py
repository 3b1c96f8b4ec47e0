"""A need's thread: messages with evidence files between the school's staff, the
county's coordinators and the teachers proposed on, serving or having served the
need. Who may read may post: a proposed teacher may ask the school before accepting.
Who may see the thread is decided by ``accounts.scopes`` (``thread_needs`` and the
``NeedComment`` rules); outside it the thread does not exist (404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .attachments import check_files, store
from .models import Need, NeedComment, NeedCommentAttachment

COMMENT_MAX_CHARS = 5000


@transaction.atomic
def need_comment_post(
    *, need: Need, actor: User, text: str = "", files=()
) -> NeedComment:
    """Add a message to the need's thread; the caller has checked the actor may
    use the thread. A refused file refuses the whole message; nothing is stored."""
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if len(text) > COMMENT_MAX_CHARS:
        errors["text"] = [
            _("At most %(count)d characters.") % {"count": COMMENT_MAX_CHARS}
        ]
    try:
        checked = check_files(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    if not errors and not text and not checked:
        errors["text"] = [_("Write a message or attach a file.")]
    if errors:
        raise ValidationError(errors)
    comment = NeedComment(need=need, author=actor, text=text)
    comment.full_clean()
    comment.save()
    store(NeedCommentAttachment, checked, comment=comment)
    return comment
