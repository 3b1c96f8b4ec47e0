"""The specialty picker on the forms: the current catalogue grouped by family and
class, each option searchable by code, name, former name and pinyin initials."""

import re

import pytest
from django.test import Client

from needs.models import Specialty

from .. import factories as f

pytestmark = pytest.mark.django_db


def page(user, url) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def specialty_select(html: str, name: str = "specialty") -> str:
    start = html.index(f'<select name="{name}"')
    return html[start : html.index("</select>", start)]


def test_the_need_form_offers_the_current_catalogue_grouped_by_family_and_class(
    world,
):
    f.SpecialtyFactory(
        code="R720101",
        name="农村医学",
        family=f.SpecialtyFamilyFactory(code="72"),
        specialty_class=None,
        retired=True,
    )
    select = specialty_select(page(world.users.staff_a, "/needs/new/"))
    values = re.findall(r'<option value="(\d+)"', select)
    assert len(values) == Specialty.objects.current().count() == 358
    assert "农村医学" not in select
    assert '<optgroup label="电子与信息大类 · 计算机类">' in select
    option = re.search(r"<option[^>]*>710210 计算机平面设计</option>", select)
    assert option is not None
    assert 'data-search="710210 计算机平面设计' in option.group(0)
    assert "jsjpmsj" in option.group(0)


def test_the_picker_has_a_search_box_and_its_script(world):
    html = page(world.users.staff_a, "/needs/new/")
    assert 'data-specialty-search="id_specialty"' in html
    assert "/static/needs/specialty-picker.js" in html


def test_former_names_are_searchable_in_the_options(world):
    select = specialty_select(page(world.users.staff_a, "/needs/new/"))
    option = re.search(r"<option[^>]*>770101 幼儿保育</option>", select).group(0)
    assert "学前教育" in option and "xqjy" in option


def test_the_teacher_form_uses_the_picker_for_every_skill(world):
    html = page(world.users.coord_a, "/teams/teachers/new/")
    assert 'data-specialty-search="id_skills-0-specialty"' in html
    select = specialty_select(html, "skills-0-specialty")
    assert '<optgroup label="财经商贸大类 · 电子商务类">' in select
    assert "/static/needs/specialty-picker.js" in html


def test_choosing_a_family_narrows_the_picker_to_its_classes(world):
    client = Client()
    client.force_login(world.users.staff_a)
    html = client.get("/needs/specialties/", {"family": world.family.pk}).content
    html = html.decode()
    assert '<optgroup label="财经商贸大类 · 电子商务类">' in html
    assert "计算机应用" not in html
    everything = client.get("/needs/specialties/").content.decode()
    assert len(re.findall(r'<option value="\d+"', everything)) == 358


def test_a_need_on_a_retired_entry_shows_it_with_a_note(world):
    retired = f.SpecialtyFactory(
        code="R720101",
        name="农村医学",
        family=f.SpecialtyFamilyFactory(code="72"),
        specialty_class=None,
        retired=True,
    )
    need = f.NeedFactory(school=world.school_a, specialty=retired)
    html = page(world.users.staff_a, f"/needs/{need.pk}/")
    assert "农村医学" in html
    assert 'data-testid="retired-specialty"' in html
    assert "已不在2021年专业目录中" in html


def test_the_admin_stores_the_initials_of_a_specialty_it_saves(world):
    client = Client()
    world.users.admin.is_staff = world.users.admin.is_superuser = True
    world.users.admin.save()
    client.force_login(world.users.admin)
    specialty = Specialty.objects.get(name="电子商务")
    response = client.post(
        f"/admin/needs/specialty/{specialty.pk}/change/",
        {
            "code": specialty.code,
            "name": specialty.name,
            "specialty_class": specialty.specialty_class_id,
            "family": specialty.family_id,
            "aliases": "电商、网店运营",
            "retired": "",
        },
    )
    assert response.status_code == 302
    specialty.refresh_from_db()
    assert specialty.initials.split() == ["dzsw", "ds", "wdyy"]
