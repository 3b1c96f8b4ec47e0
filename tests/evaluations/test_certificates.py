"""PDF certificates for the top grade: the right name, an embedded CJK font, and
only for those who may have it."""

import pytest

from evaluations import cycles
from evaluations.models import Evaluation

from ..pdf import assert_cjk_font_embedded, pdf_text
from .conftest import END, START, framework, rate_all, serve


@pytest.fixture
def excellent(world, season):
    """张老师 rated 95 by everyone on a subjective-only framework: 优秀."""
    admin = world.users.admin
    serve(world, season.mate)
    cycle = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="2026年春季考核",
        start_date=START,
        end_date=END,
        framework=framework(
            admin, "teacher", [("Q", 100, "", None)], {"coordinator": 100}
        ),
    )
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    evaluation = Evaluation.objects.get(cycle=cycle, teacher=world.teacher_a)
    rate_all(cycle, 95, only=evaluation)
    mate = Evaluation.objects.get(cycle=cycle, teacher=season.mate)
    rate_all(cycle, 85, only=mate)
    rate_all(cycle, 80)
    cycles.cycle_close(actor=world.users.coord_a, cycle=cycle)
    evaluation.refresh_from_db()
    assert evaluation.grade == "优秀"
    return evaluation


def test_the_certificate_carries_the_name_and_an_embedded_cjk_font(
    world, excellent, api, tmp_path
):
    response = api.as_user(world.users.teacher_a).get(
        f"/api/v1/evaluations/{excellent.pk}/certificate/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    assert "张老师" in text
    assert "2026年春季考核" in text
    assert_cjk_font_embedded(pdf)


def test_the_coordinator_downloads_it_and_others_cannot(world, excellent, api):
    path = f"/api/v1/evaluations/{excellent.pk}/certificate/"
    assert api.as_user(world.users.coord_a).get(path).status_code == 200
    for user in (world.users.teacher_b, world.users.coord_b, world.users.staff_b):
        assert api.as_user(user).get(path).status_code == 404


def test_a_result_below_the_two_top_grades_has_no_certificate(
    world, season, excellent, api
):
    mate = Evaluation.objects.get(cycle=excellent.cycle, teacher=season.mate)
    mate.grade = "合格"
    mate.save(update_fields=["grade"])
    path = f"/api/v1/evaluations/{mate.pk}/certificate/"
    assert api.as_user(world.users.coord_a).get(path).status_code == 404


def test_the_teacher_downloads_it_from_their_page(world, excellent, client):
    client.force_login(world.users.teacher_a)
    page = client.get("/evaluations/tasks/")
    assert page.status_code == 200
    link = f"/evaluations/results/{excellent.pk}/certificate.pdf"
    assert link in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_good_result_gets_a_letter_of_thanks_and_a_provisional_one_nothing(
    world, season, excellent, api, tmp_path
):
    good = Evaluation.objects.get(cycle=excellent.cycle, teacher=season.mate)
    assert good.grade == "良好"
    response = api.as_user(world.users.coord_a).get(
        f"/api/v1/evaluations/{good.pk}/certificate/"
    )
    assert response.status_code == 200
    pdf = tmp_path / "thanks.pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    assert "特致感谢" in text and "王老师" in text
    excellent.cycle.provisional = True
    excellent.cycle.close_reason = "测试"
    excellent.cycle.save(update_fields=["provisional", "close_reason"])
    response = api.as_user(world.users.coord_a).get(
        f"/api/v1/evaluations/{good.pk}/certificate/"
    )
    assert response.status_code == 404


def test_the_honour_roll_shows_the_top_grade_to_everyone_signed_in(
    world, excellent, client
):
    for user in (world.users.teacher_b, world.users.staff_b, world.users.coord_b):
        client.force_login(user)
        html = client.get("/evaluations/honour-roll/").content.decode()
        assert "张老师" in html and "2026年春季考核" in html
        assert "王老师" not in html  # 良好
