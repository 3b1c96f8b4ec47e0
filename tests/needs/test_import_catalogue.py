"""``manage.py import_catalogue FILE``: later additions and renamings, idempotent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from needs.models import Specialty, SpecialtyClass

pytestmark = pytest.mark.django_db

HEADER = "code,name,class_code,class_name,family_code,family_name\n"


def run(path) -> str:
    out = StringIO()
    call_command("import_catalogue", str(path), stdout=out)
    return out.getvalue()


def test_additions_are_added_and_renamings_reported_once(tmp_path):
    file = tmp_path / "additions.csv"
    file.write_text(
        HEADER
        + "710212,人工智能技术应用,7102,计算机类,71,电子与信息大类\n"
        + "710601,低空无人机应用,7106,无人机类,71,电子与信息大类\n"
        + "730701,电子商务运营,7307,电子商务类,73,财经商贸大类\n"
        + "730301,会计事务,7303,财务会计类,73,财经商贸大类\n",
        encoding="utf-8",
    )
    ecommerce = Specialty.objects.get(code="730701")

    report = run(file)

    assert "added: 710212 人工智能技术应用" in report
    assert "class added: 7106 无人机类" in report
    assert "renamed: 730701 电子商务 -> 电子商务运营" in report
    assert report.strip().endswith("2 added, 1 renamed, 1 unchanged")
    added = Specialty.objects.get(code="710212")
    assert added.specialty_class.code == "7102"
    assert added.initials == "rgznjsyy"
    assert SpecialtyClass.objects.get(code="7106").family.code == "71"
    ecommerce.refresh_from_db()
    assert ecommerce.name == "电子商务运营"
    assert "电子商务" in ecommerce.aliases.split("、")
    assert "dzsw" in ecommerce.initials.split()

    again = run(file)
    assert again.strip() == "0 added, 0 renamed, 4 unchanged"


def test_a_file_with_other_columns_is_refused_and_changes_nothing(tmp_path):
    file = tmp_path / "wrong.csv"
    file.write_text("code,name\n710212,人工智能技术应用\n", encoding="utf-8")
    before = Specialty.objects.count()
    with pytest.raises(CommandError, match="missing columns"):
        run(file)
    assert Specialty.objects.count() == before
