"""The default frameworks, one per kind of subject.

The teacher framework follows the way Chinese vocational schools assess their own
teachers (德、能、勤、绩 turned into five first-level indicators): 教学工作,
带教培训与辐射带动, 专业与课程建设, 学校管理与服务, 工作态度与纪律, with the
usual 360-degree rater weights (学校评价 40, 主管部门 30, 同行互评 20, 自评 10).
Objective indicators are computed from the platform's data; targets are per cycle
(see evaluations/scoring.py).
"""

from decimal import Decimal

from django.db import migrations

O = "objective"
S = "subjective"

# (code, parent, name, name_en, weight, kind, metric, target)
TEACHER = [
    ("T1", None, "教学工作", "Teaching work", 30, S, "", None),
    ("T1.1", "T1", "授课课时", "Hours taught", 40, O, "hours_taught", 120),
    ("T1.2", "T1", "课堂教学质量", "Quality of teaching", 40, S, "", None),
    ("T1.3", "T1", "教学常规与坚持度", "Regular, steady work", 20, O,
     "activity_regularity", 0.8),
    ("T2", None, "带教培训与辐射带动", "Mentoring, training and radiating effect",
     25, S, "", None),
    ("T2.1", "T2", "培训本地教师人次", "Local teachers trained", 50, O,
     "local_teachers_trained", 30),
    ("T2.2", "T2", "青年教师带教成效", "Results of mentoring young teachers", 50,
     S, "", None),
    ("T3", None, "专业与课程建设", "Specialty and curriculum development", 20, S,
     "", None),
    ("T3.1", "T3", "帮扶需求完成率", "Needs fulfilled", 40, O, "needs_fulfilled", 1),
    ("T3.2", "T3", "帮扶计划目标达成率", "Plan goals met", 30, O, "goals_met", 1),
    ("T3.3", "T3", "专业与课程建设成果", "Specialty and curriculum results", 30, S,
     "", None),
    ("T4", None, "学校管理与服务", "School management and service", 10, S, "",
     None),
    ("T4.1", "T4", "参与学校管理", "Part in running the school", 50, S, "", None),
    ("T4.2", "T4", "服务师生与社会", "Service to staff, students and community",
     50, S, "", None),
    ("T5", None, "工作态度与纪律", "Attitude and discipline", 15, S, "", None),
    ("T5.1", "T5", "师德师风", "Professional ethics", 40, S, "", None),
    ("T5.2", "T5", "出勤与工作纪律", "Attendance and discipline", 30, S, "", None),
    ("T5.3", "T5", "团队协作", "Teamwork", 30, S, "", None),
]
TEACHER_RATERS = {"school": 40, "coordinator": 30, "peer": 20, "self": 10}

TEAM = [
    ("M1", None, "帮扶成效", "Results of the assistance", 50, S, "", None),
    ("M1.1", "M1", "人均授课课时", "Hours taught per member", 30, O,
     "hours_taught", 120),
    ("M1.2", "M1", "人均培训本地教师人次", "Local teachers trained per member", 30,
     O, "local_teachers_trained", 30),
    ("M1.3", "M1", "帮扶需求完成率", "Needs fulfilled", 20, O, "needs_fulfilled", 1),
    ("M1.4", "M1", "帮扶计划目标达成率", "Plan goals met", 20, O, "goals_met", 1),
    ("M2", None, "团队建设", "Team building", 20, S, "", None),
    ("M2.1", "M2", "成员工作坚持度", "Members' regular work", 50, O,
     "activity_regularity", 0.8),
    ("M2.2", "M2", "团队协作与管理", "Cooperation and leadership", 50, S, "", None),
    ("M3", None, "受援学校满意度", "Satisfaction of the assisted schools", 30, S,
     "", None),
]
TEAM_RATERS = {"school": 40, "coordinator": 40, "self": 20}

SCHOOL = [
    ("S1", None, "需求质量", "Quality of the needs posted", 30, O, "need_quality", 1),
    ("S2", None, "确认及时性", "Speed of confirming needs", 25, O,
     "confirmation_speed", 30),
    ("S3", None, "评价参与度", "Rating tasks completed", 20, O,
     "rating_participation", 1),
    ("S4", None, "配合与保障", "Support given to the teachers", 25, S, "", None),
]
SCHOOL_RATERS = {"coordinator": 60, "teacher": 40}

FRAMEWORKS = [
    ("帮扶教师综合考核（默认）", "teacher", TEACHER, TEACHER_RATERS,
     "教学工作、带教培训与辐射带动、专业与课程建设、学校管理与服务、工作态度与纪律。"),
    ("帮扶团队综合考核（默认）", "team", TEAM, TEAM_RATERS,
     "帮扶成效、团队建设、受援学校满意度；团队得分同时反映成员得分。"),
    ("受援学校参与度评价（默认）", "school", SCHOOL, SCHOOL_RATERS,
     "需求质量、确认及时性、评价参与度、配合与保障。"),
]


def create_defaults(apps, schema_editor):
    Framework = apps.get_model("evaluations", "Framework")
    Indicator = apps.get_model("evaluations", "Indicator")
    RaterWeight = apps.get_model("evaluations", "RaterWeight")
    for name, subject_type, rows, raters, description in FRAMEWORKS:
        if Framework.objects.filter(name=name).exists():
            continue
        has_default = Framework.objects.filter(
            subject_type=subject_type, is_default=True
        ).exists()
        framework = Framework.objects.create(
            name=name,
            subject_type=subject_type,
            description=description,
            is_default=not has_default,
        )
        created = {}
        for position, (code, parent, zh, en, weight, kind, metric, target) in (
            enumerate(rows)
        ):
            created[code] = Indicator.objects.create(
                framework=framework,
                parent=created.get(parent),
                code=code,
                name=zh,
                name_en=en,
                weight=Decimal(weight),
                kind=kind,
                metric=metric,
                target=target,
                position=position,
            )
        for role, weight in raters.items():
            RaterWeight.objects.create(
                framework=framework, role=role, weight=Decimal(weight)
            )


def remove_defaults(apps, schema_editor):
    Framework = apps.get_model("evaluations", "Framework")
    names = [name for name, *_ in FRAMEWORKS]
    Framework.objects.filter(name__in=names, cycles__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0002_framework_subjects_cycle_frameworks_and_school_metrics"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
