import csv
from pathlib import Path

import pytest

from needs import catalogue_data
from needs.models import Specialty, SpecialtyClass, SpecialtyFamily

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = (
    ROOT.parent / "shared" / "reference" / "secondary-vocational-specialties-2021.csv"
)


def reference_rows() -> list[dict[str, str]]:
    if not REFERENCE.exists():
        pytest.skip(f"the reference file {REFERENCE} is not on this machine")
    with open(REFERENCE, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_shipped_catalogue_is_the_reference_file_code_by_code():
    reference = {row["code"]: row for row in reference_rows()}
    shipped = {row.code: row for row in catalogue_data.ROWS}
    assert sorted(shipped) == sorted(reference)
    for code, row in reference.items():
        assert shipped[code].name == row["name"], code
        assert shipped[code].class_code == row["class_code"], code
        assert shipped[code].class_name == row["class_name"], code
        assert shipped[code].family_code == row["family_code"], code
        assert shipped[code].family_name == row["family_name"], code


def test_former_names_and_retired_entries_point_into_the_2021_list():
    names = {row.name for row in catalogue_data.ROWS}
    classes = {code for code, _, _ in catalogue_data.CLASSES}
    for former, code in catalogue_data.FORMER_NAMES.items():
        assert code in catalogue_data.SPECIALTY_CLASS, former
        assert former not in names, former
    for name, class_code in catalogue_data.RETIRED.items():
        assert name not in names, name
        assert class_code is None or class_code in classes, name


@pytest.mark.django_db
def test_every_reference_specialty_is_in_the_catalogue_and_nothing_else_is_offered():
    reference = {
        row["code"]: (row["name"], row["class_code"], row["family_code"])
        for row in reference_rows()
    }
    offered = {
        s.code: (s.name, s.specialty_class.code, s.family.code)
        for s in Specialty.objects.current().select_related("specialty_class", "family")
    }
    assert len(reference) == 358
    assert offered == reference


@pytest.mark.django_db
def test_the_19_families_and_88_classes_are_present_after_migrate():
    codes = list(SpecialtyFamily.objects.values_list("code", flat=True))
    assert codes == [str(code) for code in range(61, 80)]
    assert SpecialtyFamily.objects.get(code="73").name == "财经商贸大类"
    assert SpecialtyFamily.objects.get(code="77").name == "教育与体育大类"
    assert SpecialtyClass.objects.count() == 88
    computing = SpecialtyClass.objects.get(code="7102")
    assert computing.name == "计算机类"
    assert computing.family.code == "71"
    for klass in SpecialtyClass.objects.select_related("family"):
        assert klass.code.startswith(klass.family.code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "class_code"),
    [
        ("610112", "设施农业生产技术", "6101"),
        ("610104", "家庭农场生产经营", "6101"),
        ("730601", "连锁经营与管理", "7306"),
        ("730602", "市场营销", "7306"),
        ("710210", "计算机平面设计", "7102"),
        ("720803", "婴幼儿托育", "7208"),
        ("790302", "智慧健康养老服务", "7903"),
        ("730705", "直播电商服务", "7307"),
        ("740105", "茶艺与茶营销", "7401"),
    ],
)
def test_specialties_have_their_official_code_and_class(code, name, class_code):
    specialty = Specialty.objects.get(code=code)
    assert specialty.name == name
    assert specialty.specialty_class.code == class_code
    assert specialty.family.code == class_code[:2]
    assert not specialty.retired


@pytest.mark.django_db
def test_former_names_are_kept_as_aliases():
    assert "学前教育" in Specialty.objects.get(name="幼儿保育").aliases
    assert "农业机械使用与维护" in Specialty.objects.get(code="610113").aliases


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dzsw", "电子商务"),
        ("DZSW", "电子商务"),
        ("730701", "电子商务"),
        ("电子商务", "电子商务"),
        ("学前教育", "幼儿保育"),
        ("xqjy", "幼儿保育"),
        ("jsjpmsj", "计算机平面设计"),
    ],
)
def test_the_catalogue_is_searched_by_code_name_alias_and_pinyin_initials(
    text, expected
):
    assert expected in set(
        Specialty.objects.search(text).values_list("name", flat=True)
    )


@pytest.mark.django_db
def test_pinyin_initials_are_stored_not_computed_per_request():
    assert Specialty.objects.get(name="电子商务").initials.split()[0] == "dzsw"
    assert Specialty.objects.filter(initials="").count() == 0
