"""The thread section of a need's page: the messages, and a form to post one with
photos or PDFs from a phone. Access is the API's (``accounts.scopes.thread_needs``);
the posting view is ``views.need_comment``."""

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from accounts.scopes import thread_needs

from .attachments import KINDS
from .models import Need
from .threads import COMMENT_MAX_CHARS


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The files come from request.FILES.getlist("attachments"): the template renders
    # the multiple file input; this field only carries its errors.
    attachments = forms.Field(label=gettext_lazy("Photos or PDF"), required=False)


def thread_context(request: HttpRequest, need: Need, form=None) -> dict | None:
    """What the thread section shows, or None if the user may not use it."""
    if not thread_needs(request.user, Need.objects.filter(pk=need.pk)).exists():
        return None
    comments = need.comments.select_related("author").prefetch_related("attachments")
    return {
        "comments": list(comments),
        "form": form or CommentForm(),
        "accept": ",".join(KINDS),
        "max_mb": f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):.3g}",
        "max_files": settings.ATTACHMENT_MAX_FILES,
    }
