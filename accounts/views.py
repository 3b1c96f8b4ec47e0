from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's role and scope."""
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "counties": user.counties.all(),
            "teacher": getattr(user, "teacher", None),
        },
    )
