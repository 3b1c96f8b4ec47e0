"""PDF certificates (荣誉证书) for the top grade, rendered with WeasyPrint.

The CJK font is embedded from the file of Debian's ``fonts-wqy-microhei`` (or
``CERTIFICATE_FONT_FILE``) through ``@font-face``; if the file is missing, the
fontconfig family "WenQuanYi Micro Hei" is asked for by name."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from common.pdf import render_pdf

from .models import CycleStatus, Evaluation


def top_grade() -> str:
    return max(settings.EVALUATION_GRADES, key=lambda grade: grade[1])[0]


def second_grade() -> str | None:
    ordered = sorted(settings.EVALUATION_GRADES, key=lambda grade: -grade[1])
    return ordered[1][0] if len(ordered) > 1 else None


def document_kind(evaluation: Evaluation) -> str | None:
    """``"certificate"`` (荣誉证书) for the top grade, ``"thanks"`` (感谢信) for
    the second, none otherwise or while the results are provisional."""
    cycle = evaluation.cycle
    if cycle.status != CycleStatus.CLOSED or cycle.provisional or not evaluation.grade:
        return None
    if evaluation.grade == top_grade():
        return "certificate"
    if evaluation.grade == second_grade():
        return "thanks"
    return None


def certificate_available(evaluation: Evaluation) -> bool:
    return document_kind(evaluation) is not None


def certificate_number(evaluation: Evaluation) -> str:
    return f"{evaluation.cycle_id:04d}-{evaluation.pk:06d}"


def render_certificate(evaluation: Evaluation) -> bytes:
    cycle = evaluation.cycle
    return render_pdf(
        "evaluations/certificate.html",
        {
            "evaluation": evaluation,
            "cycle": cycle,
            "county": cycle.county,
            "name": evaluation.subject_name,
            "grade": evaluation.grade,
            "thanks": document_kind(evaluation) == "thanks",
            "number": certificate_number(evaluation),
            "issued_on": timezone.localdate(cycle.closed_at)
            if cycle.closed_at
            else timezone.localdate(),
        },
    )


def certificate_response(evaluation: Evaluation) -> HttpResponse:
    response = HttpResponse(
        render_certificate(evaluation), content_type="application/pdf"
    )
    filename = f"certificate-{certificate_number(evaluation)}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
