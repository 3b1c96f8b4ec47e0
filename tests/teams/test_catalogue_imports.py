"""Imports name specialties by the official 2021 codes and names; other names get a
did-you-mean from names, former names and codes; retired entries are refused."""

import pytest

from needs.models import Need

from .. import factories as f
from .conftest import upload, xlsx_bytes
from .test_school_need_import import NEED_HEADERS, messages, need_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("610112", "设施农业生产技术"),
        ("610104", "家庭农场生产经营"),
        ("730601", "连锁经营与管理"),
        ("730602", "市场营销"),
        ("710210", "计算机平面设计"),
        ("790302", "智慧健康养老服务"),
    ],
)
def test_an_official_code_lands_on_its_specialty(api, world, code, name):
    rows = [NEED_HEADERS, need_row(f"需求{code}", specialty=code)]
    response = upload(api.as_user(world.users.staff_a), "needs", xlsx_bytes(rows))
    assert response.status_code == 200, response.json()
    need = Need.objects.get(title=f"需求{code}")
    assert (need.specialty.code, need.specialty.name) == (code, name)


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("学前教育", "幼儿保育"),  # a 2010 name
        ("计算机平面设", "计算机平面设计"),  # a near miss
        ("7307001", "730701 电子商务"),  # a mistyped code
    ],
)
def test_an_unknown_specialty_gets_a_did_you_mean(api, world, written, suggested):
    rows = [NEED_HEADERS, need_row("甲", specialty=written)]
    response = upload(api.as_user(world.users.staff_a), "needs", xlsx_bytes(rows))
    assert response.status_code == 400
    ((row, column, message),) = messages(response)
    assert (row, column) == (2, "专业")
    assert suggested in message
    assert not Need.objects.exists()


def test_a_retired_entry_is_not_offered_to_imports(api, world):
    f.SpecialtyFactory(
        code="R720101",
        name="农村医学",
        family=f.SpecialtyFamilyFactory(code="72"),
        specialty_class=None,
        retired=True,
    )
    rows = [NEED_HEADERS, need_row("甲", specialty="农村医学")]
    response = upload(api.as_user(world.users.staff_a), "needs", xlsx_bytes(rows))
    assert response.status_code == 400
    assert not Need.objects.exists()
