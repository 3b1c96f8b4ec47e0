"""The ``specialties/`` API: classes, class filter, search by code, name, alias and
pinyin initials; retired entries readable but not offered."""

import pytest
from django.utils import translation

from needs.models import Specialty

from .. import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/specialties/"


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_a_specialty_carries_its_class_and_family(api, world):
    client = api.as_user(world.users.staff_a)
    response = client.get(URL, {"search": "710210"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["name"] == "计算机平面设计"
    assert (row["class_code"], row["class_name"]) == ("7102", "计算机类")
    assert (row["family_code"], row["family_name"]) == ("71", "电子与信息大类")
    assert row["retired"] is False


def test_the_list_offers_the_358_specialties_of_2021(api, world):
    response = api.as_user(world.users.coord_a).get(URL, {"page_size": 100})
    assert response.json()["count"] == 358


def test_the_class_filter_takes_a_code_or_an_id(api, world):
    client = api.as_user(world.users.coord_a)
    by_code = client.get(URL, {"class": "7102", "page_size": 100}).json()
    assert (
        by_code["count"]
        == Specialty.objects.filter(specialty_class__code="7102").count()
    )
    assert {row["class_code"] for row in by_code["results"]} == {"7102"}
    assert "计算机应用" in [row["name"] for row in by_code["results"]]
    klass = Specialty.objects.get(name="计算机应用").specialty_class
    by_id = client.get(URL, {"class": klass.pk, "page_size": 100}).json()
    assert by_id["count"] == by_code["count"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("dzsw", "电子商务"),
        ("730701", "电子商务"),
        ("计算机平面", "计算机平面设计"),
        ("学前教育", "幼儿保育"),
        ("zhjkylfw", "智慧健康养老服务"),
    ],
)
def test_search_finds_by_code_name_alias_and_pinyin_initials(
    api, world, search, expected
):
    response = api.as_user(world.users.teacher_a).get(URL, {"search": search})
    assert expected in names(response)


def test_retired_entries_are_not_listed_but_can_be_read(api, world):
    family = f.SpecialtyFamilyFactory(code="72")
    retired = f.SpecialtyFactory(
        code="R720101",
        name="农村医学",
        family=family,
        specialty_class=None,
        retired=True,
    )
    client = api.as_user(world.users.coord_a)
    assert "农村医学" not in names(client.get(URL, {"search": "农村医学"}))
    listed = client.get(URL, {"retired": "true"}).json()
    assert [row["name"] for row in listed["results"]] == ["农村医学"]
    detail = client.get(f"{URL}{retired.pk}/").json()
    assert detail["retired"] is True
    assert detail["class_code"] is None
    with translation.override("en"):
        assert str(retired) == "农村医学 (no longer in the catalogue)"


def test_a_new_need_may_not_name_a_retired_entry(api, world):
    retired = f.SpecialtyFactory(
        code="R720202",
        name="助产",
        family=f.SpecialtyFamilyFactory(code="72"),
        specialty_class=None,
        retired=True,
    )
    payload = {
        "specialty": retired.pk,
        "kind": "teaching",
        "title": "助产教学",
        "headcount": 1,
        "start_date": "2027-03-01",
        "end_date": "2027-06-30",
        "urgency": 3,
    }
    client = api.as_user(world.users.staff_a)
    response = client.post("/api/v1/needs/", payload, format="json")
    assert response.status_code == 400
    assert "specialty" in response.json()
    payload["specialty"] = world.ecommerce.pk
    assert client.post("/api/v1/needs/", payload, format="json").status_code == 201
