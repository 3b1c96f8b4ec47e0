"""The upgrade to the 2021 catalogue, run on a database that holds the catalogue
shipped before it (and records that use it): every record keeps its meaning."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from needs import catalogue_data
from tests.needs import legacy_catalogue

from ..migration_targets import before

BEFORE = ("needs", "0003_need_dashboard_figures_index")

# Transactional: migrations run outside a test transaction. Not a serialized
# rollback: pytest-django runs transactional tests last, after others have flushed
# the catalogue and re-created content types, so this test fills what it needs.
pytestmark = pytest.mark.django_db(transaction=True)


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


def migrate_to(targets):
    """Migrate and return the app registry of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    reached = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(reached).apps


@pytest.fixture
def old_apps():
    apps = migrate_to(before(BEFORE))
    yield apps
    migrate_to(_latest(MigrationExecutor(connection)))


def fill_with_the_old_catalogue(apps) -> dict[str, int]:
    """The old 150 entries in place of the catalogue; returns name -> id."""
    Family = apps.get_model("needs", "SpecialtyFamily")
    Specialty = apps.get_model("needs", "Specialty")
    Specialty.objects.all().delete()
    families = {
        code: Family.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name, _ in catalogue_data.FAMILIES
    }
    ids = {}
    for code, name, family_code in legacy_catalogue.SPECIALTIES:
        ids[name] = Specialty.objects.create(
            code=code,
            name=name,
            family=families[family_code],
            aliases="、".join(legacy_catalogue.ALIASES.get(code, ())),
        ).pk
    return ids


def records_using(apps, ids, need_names, skill_names):
    County = apps.get_model("needs", "County")
    School = apps.get_model("needs", "School")
    Need = apps.get_model("needs", "Need")
    Teacher = apps.get_model("teams", "Teacher")
    TeacherSkill = apps.get_model("teams", "TeacherSkill")
    User = apps.get_model("accounts", "User")
    county = County.objects.create(name="白河县", province="陕西省", code="610929")
    school = School.objects.create(
        name="白河县职业教育中心", county=county, kind="assisted"
    )
    home = School.objects.create(name="溧阳中专", county=county, kind="supporting")
    user = User.objects.create(username="staff", role="school_staff", school=school)
    needs = {}
    for name in need_names:
        needs[name] = Need.objects.create(
            school=school,
            specialty_id=ids[name],
            kind="teaching",
            title=f"需要{name}教师",
            headcount=1,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2027, 1, 31),
            urgency=3,
            created_by=user,
        ).pk
    teacher = Teacher.objects.create(
        name="张老师",
        home_school=home,
        county=county,
        available_from=dt.date(2026, 9, 1),
        available_until=dt.date(2027, 7, 1),
        capacity=2,
    )
    skills = {}
    for name in skill_names:
        skills[name] = TeacherSkill.objects.create(
            teacher=teacher, specialty_id=ids[name], level=4
        ).pk
    return needs, skills


def test_the_upgrade_keeps_what_every_need_and_skill_says(old_apps):
    ids = fill_with_the_old_catalogue(old_apps)
    needs, skills = records_using(
        old_apps,
        ids,
        need_names=["设施农业生产技术", "农村医学", "老年人服务与管理", "通信技术"],
        skill_names=[
            "连锁经营与管理",
            "市场营销",
            "机电设备安装与维修",
            "智能设备运行与维护",
        ],
    )

    migrate_to(_latest(MigrationExecutor(connection)))

    from needs.models import Need, Specialty
    from teams.models import TeacherSkill

    def need_specialty(name):
        return Need.objects.select_related("specialty").get(pk=needs[name]).specialty

    def skill_specialty(name):
        return TeacherSkill.objects.get(pk=skills[name]).specialty

    # Same name, now the official code.
    assert need_specialty("设施农业生产技术").code == "610112"
    assert need_specialty("设施农业生产技术").name == "设施农业生产技术"
    assert need_specialty("老年人服务与管理").code == "790303"
    # The two swapped codes are swapped back, each record keeping its specialty.
    assert skill_specialty("连锁经营与管理").code == "730601"
    assert skill_specialty("市场营销").code == "730602"
    # The old 660304 智能设备运行与维护 takes 660201, which the retired
    # 机电设备安装与维修 held: matched by name, never by code.
    assert skill_specialty("智能设备运行与维护").code == "660201"
    assert skill_specialty("智能设备运行与维护").name == "智能设备运行与维护"
    # An unofficial name becomes its official successor, the old name an alias.
    communication = need_specialty("通信技术")
    assert (communication.code, communication.name) == ("710301", "现代通信技术应用")
    assert "通信技术" in communication.aliases
    # Not a 2021 specialty: kept for its records, retired, under a marked code.
    rural = need_specialty("农村医学")
    assert rural.pk == ids["农村医学"]
    assert (rural.name, rural.retired, rural.code) == ("农村医学", True, "R720101")
    mechatronics = skill_specialty("机电设备安装与维修")
    assert mechatronics.retired
    assert mechatronics.code == "R660201"
    assert mechatronics.specialty_class.code == "6602"
    # Every old row kept its id; the catalogue is the 2021 list plus 7 retired.
    assert set(Specialty.objects.values_list("pk", flat=True)) >= set(ids.values())
    assert Specialty.objects.current().count() == 358
    assert sorted(
        Specialty.objects.filter(retired=True).values_list("name", flat=True)
    ) == sorted(
        [
            "农村医学",
            "助产",
            "保险事务",
            "机电设备安装与维修",
            "生物技术制药",
            "美术设计与制作",
            "智能安防运营与维护",
        ]
    )
    # Former aliases survive on the row that inherited them.
    machinery = Specialty.objects.get(code="610113")
    assert machinery.name == "农机设备应用与维修"
    assert "农业机械使用与维护" in machinery.aliases
    assert "农业设备应用与维修" in machinery.aliases
    assert machinery.pk == ids["农业设备应用与维修"]


def test_every_old_entry_is_matched_by_name_or_retired(old_apps):
    ids = fill_with_the_old_catalogue(old_apps)

    migrate_to(_latest(MigrationExecutor(connection)))

    from needs.models import Specialty

    by_id = {s.pk: s for s in Specialty.objects.all()}
    official = {name for _, name, _ in catalogue_data.SPECIALTIES}
    for name, pk in ids.items():
        specialty = by_id[pk]
        if name in official:
            assert specialty.name == name
        elif name in catalogue_data.FORMER_NAMES:
            assert specialty.code == catalogue_data.FORMER_NAMES[name]
            assert name in specialty.aliases
        else:
            assert specialty.retired, name
            assert name in catalogue_data.RETIRED
