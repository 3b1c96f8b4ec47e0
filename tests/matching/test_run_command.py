from io import StringIO

from django.core.management import call_command

from matching.models import Assignment, MatchingRun

from .. import factories as f


def test_run_matching_command_proposes_once_and_is_idempotent(
    world, django_capture_on_commit_callbacks
):
    need = f.NeedFactory(
        school=world.school_a,
        specialty=world.ecommerce,
        status="open",
        priority_score=80,
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_matching", stdout=out)
    assert out.getvalue().startswith("matching run #")
    run = MatchingRun.objects.get(parent__isnull=True)
    assert run.status == "succeeded"
    assert run.stats["proposed"] == 1
    proposals = Assignment.objects.filter(need=need, status="proposed")
    assert list(proposals.values_list("teacher_id", flat=True)) == [world.teacher_a.id]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_matching", stdout=StringIO())
    assert Assignment.objects.filter(need=need).count() == 1
    assert MatchingRun.objects.filter(parent__isnull=True).count() == 2
