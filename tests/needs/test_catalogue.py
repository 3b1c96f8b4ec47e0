import pytest

from needs.models import Specialty, SpecialtyFamily


@pytest.mark.django_db
def test_the_19_families_are_present_after_migrate():
    codes = list(SpecialtyFamily.objects.values_list("code", flat=True))
    assert codes == [str(code) for code in range(61, 80)]
    assert SpecialtyFamily.objects.get(code="73").name == "财经商贸大类"
    assert SpecialtyFamily.objects.get(code="71").name == "电子与信息大类"
    assert SpecialtyFamily.objects.get(code="70").name == "交通运输大类"
    assert SpecialtyFamily.objects.get(code="77").name == "教育与体育大类"


@pytest.mark.django_db
def test_at_least_100_specialties_under_every_family():
    assert Specialty.objects.count() >= 100
    for family in SpecialtyFamily.objects.all():
        assert family.specialties.count() >= 3, family
        for specialty in family.specialties.all():
            assert specialty.code.startswith(family.code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("电子商务", "73"),
        ("汽车运用与维修", "70"),
        ("幼儿保育", "77"),
        ("旅游服务与管理", "74"),
        ("计算机应用", "71"),
    ],
)
def test_well_known_specialties_sit_in_their_family(name, family):
    assert Specialty.objects.get(name=name).family.code == family


@pytest.mark.django_db
def test_former_names_are_kept_as_aliases():
    specialty = Specialty.objects.get(aliases__contains="农业机械使用与维护")
    assert specialty.family.code == "61"
