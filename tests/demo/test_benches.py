"""The benchmark commands run end to end on a fresh database and print the last
line the README quotes (the figures themselves are not asserted: they are timings)."""

import os
from io import StringIO

import pytest
from django.core.management import call_command

from dashboard.queries import dashboard_figures
from demo.management.commands.bench_dashboard import PROVINCE
from matching.models import Assignment, MatchingRun, RunStatus
from places.models import County
from teams.models import Teacher

from .. import factories as f

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
    # The machine's CPU time during the run (Linux: /proc/stat), and the ratio even
    # a perfect schedule of it on this machine's cores could not beat.
    cpu_s, cpu_ratio = float(fields["cpu_s"]), float(fields["cpu_ratio"])
    assert cpu_s > 0 and cpu_ratio > 0
    # (from the printed figures, rounded to a millisecond: a few per cent off)
    assert cpu_ratio == pytest.approx(
        cpu_s / os.cpu_count() / float(fields["io_floor_s"]), rel=0.2
    )
    run = MatchingRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert Assignment.objects.filter(run=run).count() == int(fields["proposed"])
    # Every generated teacher is a complete row (all the model's fields written).
    assert Teacher.objects.filter(can_lead=False).count() == 200


def test_bench_dashboard_times_the_cached_and_the_computed_figures_alike():
    # Families of its own, beside the catalogue, so the figures are known.
    for family in ("F901", "F902", "F903"):
        f.SpecialtyFactory.create_batch(3, family=f.SpecialtyFamilyFactory(code=family))
    out = StringIO()
    call_command(
        "bench_dashboard",
        "--needs",
        "600",
        "--requests",
        "4",
        "--page-requests",
        "2",
        stdout=out,
    )
    last = out.getvalue().strip().splitlines()[-1]
    fields = dict(part.split("=", 1) for part in last.split()[1:])
    assert last.startswith("bench_dashboard needs=600 ")
    for name in (
        "api_p50_ms",
        "api_p95_ms",
        "baseline_p50_ms",
        "ratio_p95",
        "county_p95_ms",
        "computed_p50_ms",
        "computed_p95_ms",
        "computed_county_p95_ms",
    ):
        assert float(fields[name]) > 0, name
    # The cached figures (the path users hit) are those computed afresh, for all
    # the benchmark's counties and for each one.
    assert fields["same_figures"] == "yes"
    counties = list(
        County.objects.filter(province=PROVINCE).values_list("pk", flat=True)
    )
    for ids in (counties, counties[:1], counties[-1:]):
        cached = dashboard_figures(ids, cache=True)
        computed = dashboard_figures(ids, cache=False, tallies=False)
        for figures in (cached, computed):
            figures.pop("as_of")
        assert cached == computed
        assert cached["needs_total"] > 0
