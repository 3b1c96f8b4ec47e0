"""The coordinator pages: teacher pool, teams, who is free when, import."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from teams.models import Teacher, Team

from .. import factories as f
from .conftest import TEACHER_HEADERS, read_xlsx, teacher_row, xlsx_bytes


@pytest.fixture
def browser(world):
    def as_user(user):
        client = Client()
        client.force_login(user)
        return client

    return as_user


def teacher_form(world, **overrides):
    data = {
        "name": "赵新",
        "home_school": world.home.pk,
        "title": "高级讲师",
        "county": world.county_a.pk,
        "phone": "",
        "available_from": "2026-09-01",
        "available_until": "2027-07-10",
        "capacity": "2",
        "skills-TOTAL_FORMS": "2",
        "skills-INITIAL_FORMS": "0",
        "skills-MIN_NUM_FORMS": "0",
        "skills-MAX_NUM_FORMS": "30",
        "skills-0-specialty": str(world.ecommerce.pk),
        "skills-0-level": "5",
        "skills-1-specialty": "",
        "skills-1-level": "3",
    }
    data.update(overrides)
    return data


PAGES = [
    "/teams/teachers/",
    "/teams/teachers/new/",
    "/teams/",
    "/teams/new/",
    "/teams/free/",
    "/teams/teachers/export/",
    "/teams/export/",
]


@pytest.mark.parametrize("path", PAGES)
def test_coordinator_pages_open_for_coordinators(browser, world, path):
    assert browser(world.users.coord_a).get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_coordinator_pages_are_403_for_other_roles(browser, world, path, persona):
    assert browser(getattr(world.users, persona)).get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(world):
    response = Client().get("/teams/teachers/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_teacher_list_shows_the_scope_and_filters(browser, world):
    client = browser(world.users.coord_a)
    page = client.get("/teams/teachers/").content.decode()
    assert "张老师" in page and "李老师" not in page
    assert "导出 Excel" in page
    filtered = client.get("/teams/teachers/", {"specialty": world.accounting.pk})
    assert "张老师" not in filtered.content.decode()


def test_page_export_honours_the_page_filters(browser, world):
    f.TeacherFactory(name="孙老师", home_school=world.home, county=world.county_a)
    client = browser(world.users.coord_a)
    rows = read_xlsx(client.get("/teams/teachers/export/", {"search": "孙"}).content)
    assert [row[0] for row in rows[1:]] == ["孙老师"]
    rows = read_xlsx(client.get("/teams/teachers/export/").content)
    assert {row[0] for row in rows[1:]} == {"孙老师", "张老师"}


def test_coordinator_adds_a_teacher_with_skills_inline(browser, world):
    response = browser(world.users.coord_a).post(
        "/teams/teachers/new/", teacher_form(world)
    )
    assert response.status_code == 302
    teacher = Teacher.objects.get(name="赵新")
    assert [(s.specialty_id, s.level) for s in teacher.skills.all()] == [
        (world.ecommerce.pk, 5)
    ]


def test_form_shows_service_messages_and_stores_nothing(browser, world):
    response = browser(world.users.coord_a).post(
        "/teams/teachers/new/",
        teacher_form(world, available_until="2026-01-01", name="张老师"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "可服务结束日期不能早于可服务开始日期" in page
    assert "该派出学校已登记同名教师" in page
    assert Teacher.objects.filter(name="张老师").count() == 1


def test_county_outside_the_scope_is_not_offered(browser, world):
    response = browser(world.users.coord_a).post(
        "/teams/teachers/new/", teacher_form(world, county=world.county_b.pk)
    )
    assert response.status_code == 200
    assert not Teacher.objects.filter(name="赵新").exists()


def test_coordinator_edits_and_deactivates_a_teacher(browser, world):
    client = browser(world.users.coord_a)
    url = f"/teams/teachers/{world.teacher_a.pk}/"
    form = teacher_form(world, name="张老师", capacity="3")
    form.update(
        {
            "skills-TOTAL_FORMS": "2",
            "skills-INITIAL_FORMS": "1",
            "skills-0-specialty": str(world.ecommerce.pk),
            "skills-0-level": "4",
            "skills-1-specialty": str(world.accounting.pk),
            "skills-1-level": "2",
        }
    )
    assert client.post(url, form).status_code == 302
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.capacity == 3
    assert {(s.specialty_id, s.level) for s in world.teacher_a.skills.all()} == {
        (world.ecommerce.pk, 4),
        (world.accounting.pk, 2),
    }
    assert client.post(f"{url}deactivate/").status_code == 302
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.active is False


def test_teacher_of_another_county_is_404_on_pages(browser, world):
    client = browser(world.users.coord_a)
    assert client.get(f"/teams/teachers/{world.teacher_b.pk}/").status_code == 404
    response = client.post(f"/teams/teachers/{world.teacher_b.pk}/deactivate/")
    assert response.status_code == 404
    world.teacher_b.refresh_from_db()
    assert world.teacher_b.active


def test_team_form_refuses_a_leader_who_is_not_a_member(browser, world):
    other = f.TeacherFactory(
        name="孙老师", home_school=world.home, county=world.county_a
    )
    data = {
        "name": "白河团队",
        "county": world.county_a.pk,
        "start_date": "2026-09-01",
        "end_date": "2027-07-10",
        "members": [world.teacher_a.pk],
        "leader": other.pk,
    }
    client = browser(world.users.coord_a)
    response = client.post("/teams/new/", data)
    assert response.status_code == 200
    assert "团队负责人必须是团队成员" in response.content.decode()
    assert not Team.objects.exists()
    data["leader"] = world.teacher_a.pk
    assert client.post("/teams/new/", data).status_code == 302
    team = Team.objects.get()
    assert team.leader == world.teacher_a


def test_who_is_free_shows_free_capacity_month_by_month(browser, world):
    need = f.NeedFactory(
        school=world.school_a,
        specialty=world.ecommerce,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 10, 31),
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    response = browser(world.users.coord_a).get(
        "/teams/free/", {"start": "2026-09-01", "end": "2026-11-30"}
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.teacher.name for row in rows] == ["张老师"]
    # capacity 2: free 2 in September, 1 in October (one accepted), 2 in November
    assert [cell.free for cell in rows[0].cells] == [2, 1, 2]
    assert rows[0].free_throughout == 1


def test_who_is_free_refuses_a_reversed_period(browser, world):
    response = browser(world.users.coord_a).get(
        "/teams/free/", {"start": "2026-12-01", "end": "2026-09-01"}
    )
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_import_page_reports_problems_then_imports(browser, world):
    client = browser(world.users.coord_a)
    assert client.get("/teams/import/").status_code == 200
    bad = xlsx_bytes([TEACHER_HEADERS, teacher_row(skills="电商:5")])
    response = client.post(
        "/teams/import/",
        {"kind": "teachers", "file": SimpleUploadedFile("a.xlsx", bad)},
    )
    page = response.content.decode()
    assert "未导入任何数据" in page and "电子商务" in page
    good = xlsx_bytes([TEACHER_HEADERS, teacher_row()])
    response = client.post(
        "/teams/import/",
        {"kind": "teachers", "file": SimpleUploadedFile("a.xlsx", good)},
        follow=True,
    )
    assert Teacher.objects.filter(name="王老师").exists()
    assert "已导入 1 行" in response.content.decode()


def test_import_page_offers_what_the_role_may_import(browser, world):
    staff = browser(world.users.staff_a).get("/teams/import/")
    assert [kind for kind, _t in staff.context["kinds"]] == ["needs"]
    admin = browser(world.users.admin).get("/teams/import/")
    assert [kind for kind, _t in admin.context["kinds"]] == [
        "teachers",
        "schools",
        "needs",
    ]
    assert browser(world.users.teacher_a).get("/teams/import/").status_code == 403
    template = browser(world.users.staff_a).get("/teams/import/needs/template/")
    assert template.status_code == 200
    assert read_xlsx(template.content)[0][:3] == ["学校", "所在县", "需求名称"]
    forbidden = browser(world.users.staff_a).get("/teams/import/teachers/template/")
    assert forbidden.status_code == 403


def test_nav_links_for_coordinators(browser, world):
    page = browser(world.users.coord_a).get("/teams/").content.decode()
    for label in ("帮扶教师", "帮扶团队", "空闲情况", "批量导入"):
        assert label in page
