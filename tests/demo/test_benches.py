"""The benchmark commands run end to end on a fresh database and print the last
line the README quotes (the figures themselves are not asserted: they are timings)."""

from io import StringIO

import pytest
from django.core.management import call_command

from matching.models import Assignment, MatchingRun, RunStatus
from teams.models import Teacher

# Transactional, as on a real database; with a serialized rollback, so that the
# test starts from what migrations left (the specialty catalogue the command reads)
# whatever transactional test ran before it in this process and flushed the tables.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bench_matching_generates_its_world_and_reports_against_its_floor():
    out = StringIO()
    call_command("bench_matching", "--scale", "county", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    fields = dict(part.split("=", 1) for part in last.split()[1:])
    assert last.startswith("bench_matching scale=county")
    assert fields["needs"] == "1000" and fields["teachers"] == "200"
    assert fields["optimal_gap"] == "0"
    assert float(fields["io_floor_s"]) > 0 and float(fields["ratio"]) > 0
    run = MatchingRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert Assignment.objects.filter(run=run).count() == int(fields["proposed"])
    # Every generated teacher is a complete row (all the model's fields written).
    assert Teacher.objects.filter(can_lead=False).count() == 200
