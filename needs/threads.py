"""A need's thread: messages with evidence files between the school's staff, the
county's coordinators and the teachers proposed on, serving or having served the
need. Who may read may post: a proposed teacher may ask the school before accepting.
Who may see the thread is decided by ``accounts.scopes`` (``thread_needs`` and the
``NeedComment`` rules); outside it the thread does not exist (404).

A message is news for the others around the need (:func:`thread_audience`, never
its author): an inbox notice that leads to the thread, e-mailed in the daily
digest."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.notifications import notify
from accounts.scopes import THREAD_ASSIGNMENT_STATUSES
from common.services import model_create

from .attachments import check_files_into, store
from .models import Need, NeedComment, NeedCommentAttachment

COMMENT_MAX_CHARS = 5000
# How much of a message its notice repeats (the thread has the rest).
NOTICE_TEXT_CHARS = 300


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
    checked = check_files_into(errors, files)
    if not errors and not text and not checked:
        errors["text"] = [_("Write a message or attach a file.")]
    if errors:
        raise ValidationError(errors)
    comment = model_create(NeedComment, need=need, author=actor, text=text)
    store(NeedCommentAttachment, checked, comment=comment)
    _notify_thread(need, comment, files=len(checked))
    return comment


def thread_audience(need: Need, *, exclude: User) -> QuerySet[User]:
    """Who hears of a message in the need's thread: the active staff of its school,
    the coordinators of its county and the teachers proposed on, serving or having
    served it (those the thread is open to, less admins), but not ``exclude``."""
    teachers = User.objects.filter(
        teacher__assignments__need=need,
        teacher__assignments__status__in=THREAD_ASSIGNMENT_STATUSES,
    )
    coordinators = User.objects.filter(counties=need.school.county_id)
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.SCHOOL_STAFF, school_id=need.school_id)
            | Q(role=Role.COORDINATOR, pk__in=coordinators.values("pk"))
            | Q(role=Role.TEACHER, pk__in=teachers.values("pk"))
        )
        .exclude(pk=exclude.pk)
        .order_by("pk")
    )


def _notify_thread(need: Need, comment: NeedComment, *, files: int) -> None:
    author = comment.author
    with translation.override(settings.LANGUAGE_CODE):
        text = comment.text
        if len(text) > NOTICE_TEXT_CHARS:
            text = text[: NOTICE_TEXT_CHARS - 1] + "…"
        if files:
            attached = ngettext(
                "(%(count)d file attached)", "(%(count)d files attached)", files
            ) % {"count": files}
            text = f"{text}\n{attached}" if text else attached
        notify(
            users=thread_audience(need, exclude=author),
            title=_("%(author)s left a message about “%(need)s”")
            % {
                "author": author.get_full_name() or author.get_username(),
                "need": need.title,
            },
            body=text,
            url=reverse("needs:detail", args=[need.pk]) + "#thread",
            action_label=_("Read the message"),
            kind="thread_message",
            urgent=False,
        )
