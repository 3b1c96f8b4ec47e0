# ruff: noqa: E501 -- the matrix reads best as one row per endpoint and verb
"""Who may do what across every app, as ONE table: personas x every API endpoint x
every verb and action (list, retrieve, create, partial_update, destroy, the custom
actions, exports, imports), authenticated with real API tokens.

Reading a row: the expected status for each persona, in the order of PERSONAS. 404
means the object is outside the persona's scope (it does not exist for them); 403
means they see it but their role may not do this; 409 the object's state does not
allow it; 400 bad input, including a foreign key in the body that points outside
the caller's scope. Every refused request (4xx) changes nothing: the whole database
is compared before and after.

The detail GET rows also say which objects each persona may see at all; the list
tests below use them: a list (and its .xlsx export) holds every object the persona
may see and, under any filter (``?school=``, ``?county=``, ``?need=``,
``?teacher=``, ``?search=``), never one they may not.

The world (``full`` in ``conftest.py``) is built once for the module (per worker,
``module_full``) and each test runs in a savepoint that is rolled back; inside it,
each row runs in a savepoint of its own, so no row and no test sees another's
writes."""

import io
import json
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from openpyxl import load_workbook

from evaluations.ratings import rated_indicators
from needs.models import Need

PERSONAS = (
    "anonymous",
    "admin",
    "coord_a",
    "coord_b",
    "coord_ab",
    "outsider",
    "staff_a",
    "staff_b",
    "teacher_a",
    "teacher_b",
)


class Upload:
    """A multipart body: ``file`` is a CSV of ``rows``."""

    def __init__(self, *rows):
        self.rows = rows

    def body(self):
        text = "\n".join(",".join(row) for row in self.rows).encode("utf-8")
        return {"file": SimpleUploadedFile("rows.csv", text, "text/csv")}


def rating_body(evaluation_key):
    """Full marks on every rated indicator of the evaluation, as its raters send."""

    def build(full):
        evaluation = full.objs[evaluation_key]
        return {
            "evaluation": evaluation.pk,
            "scores": {i.code: 80 for i in rated_indicators(evaluation)},
            "comment": "认真",
        }

    return build


USER_BODY = {"username": "new_user", "password": "Xq9-long-pass", "role": "coordinator"}
STAFF_ACCOUNT_A = {
    "role": "school_staff",
    "school": "{school_a}",
    "name": "新联络员",
    "email": "new-staff@example.com",
}
TEACHER_ACCOUNT_A = {
    "role": "teacher",
    "teacher": "{newcomer_a}",
    "email": "newcomer@example.com",
}
TEACHER_ACCOUNT_B = {**TEACHER_ACCOUNT_A, "teacher": "{newcomer_b}"}
COORDINATOR_ACCOUNT = {
    "role": "coordinator",
    "name": "新协调员",
    "email": "c@example.com",
}
WRONG_OLD_PASSWORD = {"old_password": "not-it", "new_password": "Another-pw-4242"}
COUNTY_BODY = {"name": "新县", "province": "陕西省", "code": "610999"}
SCHOOL_BODY = {"name": "新学校", "county": "{county_a}", "kind": "assisted"}
NEED_BODY = {
    "school": "{school_a}",
    "specialty": "{ecommerce}",
    "kind": "teaching",
    "title": "矩阵需求",
    "headcount": 1,
    "start_date": "2026-12-01",
    "end_date": "2027-03-31",
    "urgency": 3,
}
NEED_BODY_B = {**NEED_BODY, "school": "{school_b}"}
REVIEW_BODY = {
    "decision": "approve",
    "diagnosis": {
        "urgency": 4,
        "students_affected": 4,
        "industry_fit": 4,
        "readiness": 4,
    },
}
TEACHER_BODY = {
    "name": "新教师",
    "home_school": "{home}",
    "title": "讲师",
    "county": "{county_a}",
    "skills": [{"specialty": "{ecommerce}", "level": 3}],
    "available_from": "2026-09-01",
    "available_until": "2027-06-30",
    "capacity": 2,
}
TEACHER_BODY_B = {**TEACHER_BODY, "county": "{county_b}"}
TEAM_BODY = {
    "name": "新团队",
    "county": "{county_a}",
    "start_date": "2026-09-01",
    "end_date": "2027-06-30",
    "leader": "{teacher_a}",
    "members": ["{teacher_a}"],
}
TEAM_WITH_B_MEMBER = {**TEAM_BODY, "leader": "{teacher_b}", "members": ["{teacher_b}"]}
ACTIVITY_BODY = {
    "assignment": "{acc_a}",
    "date": "2026-10-12",
    "kind": "lesson",
    "hours": 2,
    "local_teachers_reached": 1,
    "students_reached": 10,
    "note": "上课",
}
CYCLE_BODY = {
    "name": "新考核",
    "county": "{county_a}",
    "start_date": "2026-09-01",
    "end_date": "2026-12-31",
}
INDICATOR = {
    "code": "Q1",
    "name": "质量",
    "weight": 100,
    "kind": "subjective",
    "parent": None,
}
FRAMEWORK_BODY = {
    "name": "新体系",
    "subject_type": "teacher",
    "indicators": [INDICATOR],
    "rater_weights": {"school": 100},
}
FRAMEWORK_OF_A = {**FRAMEWORK_BODY, "county": "{county_a}"}
FRAMEWORK_OF_B = {"county": "{county_b}"}
FORCED = {"force": True, "reason": "学期结束"}
REWEIGHTED = {"rater_weights": {"school": 70, "coordinator": 30}}
TEACHER_CSV_HEAD = (
    "姓名",
    "派出学校",
    "职称",
    "驻点县",
    "专业及等级",
    "可服务开始日期",
    "可服务结束日期",
    "同时服务需求数",
)
TEACHERS_IN_A = Upload(
    TEACHER_CSV_HEAD,
    (
        "导入教师",
        "溧阳中等专业学校",
        "讲师",
        "白河县",
        "电子商务:4",
        "2026-09-01",
        "2027-07-10",
        "2",
    ),
)
TEACHERS_IN_B = Upload(
    TEACHER_CSV_HEAD,
    (
        "导入教师",
        "溧阳中等专业学校",
        "讲师",
        "旬阳市",
        "电子商务:4",
        "2026-09-01",
        "2027-07-10",
        "2",
    ),
)
NEED_CSV_HEAD = (
    "学校",
    "需求名称",
    "专业",
    "需求类型",
    "需求描述",
    "需求人数",
    "开始日期",
    "结束日期",
    "紧迫程度",
)
NEEDS_OF_A = Upload(
    NEED_CSV_HEAD,
    (
        "白河县职业教育中心",
        "导入需求",
        "电子商务",
        "教学",
        "每周6课时",
        "1",
        "2027-03-01",
        "2027-06-30",
        "4",
    ),
)
NEEDS_OF_B = Upload(
    NEED_CSV_HEAD,
    (
        "旬阳市职业教育中心",
        "导入需求",
        "电子商务",
        "教学",
        "每周6课时",
        "1",
        "2027-03-01",
        "2027-06-30",
        "4",
    ),
)
SCHOOLS_CSV = Upload(
    ("学校名称", "所在县", "学校类型"), ("导入学校", "白河县", "受援学校")
)
NAMED = {"name": "新名"}
TITLED = {"title": "改"}
REASON = {"reason": "不需要"}

#                                                                         anon adm c_a c_b cab out s_a s_b t_a t_b
MATRIX = [
    # accounts
    ("GET", "me/", None,                                                  "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "users/", None,                                               "401 200 403 403 403 403 403 403 403 403"),
    ("POST", "users/", USER_BODY,                                         "401 201 403 403 403 403 403 403 403 403"),
    ("GET", "users/{user_staff_a}/", None,                                "401 200 403 403 403 403 403 403 403 403"),
    ("PATCH", "users/{user_staff_a}/", {"first_name": "甲"},              "401 200 403 403 403 403 403 403 403 403"),
    ("PATCH", "users/{user_coord_a}/", {"counties": ["{county_b}"]},      "401 200 403 403 403 403 403 403 403 403"),
    ("DELETE", "users/{user_staff_a}/", None,                             "401 405 403 403 403 403 403 403 403 403"),
    ("POST", "me/password/", WRONG_OLD_PASSWORD,                          "401 400 400 400 400 400 400 400 400 400"),
    # accounts of teachers and school staff: their county's coordinators and admins
    ("GET", "people/", None,                                              "401 200 200 200 200 200 403 403 403 403"),
    ("GET", "people/{user_staff_a}/", None,                               "401 200 200 404 200 404 403 403 403 403"),
    ("GET", "people/{user_teacher_b}/", None,                             "401 200 404 200 200 404 403 403 403 403"),
    ("GET", "people/{user_coord_a}/", None,                               "401 404 404 404 404 404 403 403 403 403"),
    ("POST", "people/", STAFF_ACCOUNT_A,                                  "401 201 201 400 201 400 403 403 403 403"),
    ("POST", "people/", TEACHER_ACCOUNT_A,                                "401 201 201 400 201 400 403 403 403 403"),
    ("POST", "people/", TEACHER_ACCOUNT_B,                                "401 201 400 201 201 400 403 403 403 403"),
    ("POST", "people/", {**TEACHER_ACCOUNT_A, "teacher": "{teacher_a}"},  "401 400 400 400 400 400 403 403 403 403"),
    ("POST", "people/", COORDINATOR_ACCOUNT,                              "401 403 403 403 403 403 403 403 403 403"),
    ("POST", "people/{user_staff_a}/temporary-password/", {},             "401 200 200 404 200 404 403 403 403 403"),
    ("POST", "people/{user_teacher_b}/temporary-password/", {},           "401 200 404 200 200 404 403 403 403 403"),
    ("POST", "people/{user_coord_a}/temporary-password/", {},             "401 404 404 404 404 404 403 403 403 403"),
    ("POST", "people/{user_staff_a}/resend-invitation/", {},              "401 409 409 404 409 404 403 403 403 403"),
    ("PATCH", "people/{user_staff_a}/", {"email": "x@example.com"},       "401 405 405 405 405 405 403 403 403 403"),
    # counties and schools: everyone reads their own, admins write
    ("GET", "counties/", None,                                            "401 200 200 200 200 200 200 200 200 200"),
    ("POST", "counties/", COUNTY_BODY,                                    "401 201 403 403 403 403 403 403 403 403"),
    ("GET", "counties/{county_a}/", None,                                 "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "counties/{county_b}/", None,                                 "401 200 404 200 200 404 404 200 404 200"),
    ("GET", "counties/{liyang}/", None,                                   "401 200 404 404 404 404 404 404 404 404"),
    ("PATCH", "counties/{county_a}/", NAMED,                              "401 200 403 404 403 404 403 404 403 404"),
    ("GET", "schools/", None,                                             "401 200 200 200 200 200 200 200 200 200"),
    ("POST", "schools/", SCHOOL_BODY,                                     "401 201 403 403 403 403 403 403 403 403"),
    ("GET", "schools/{school_a}/", None,                                  "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "schools/{school_a2}/", None,                                 "401 200 200 404 200 404 404 404 404 404"),
    ("GET", "schools/{school_b}/", None,                                  "401 200 404 200 200 404 404 200 404 200"),
    ("PATCH", "schools/{school_a}/", NAMED,                               "401 200 403 404 403 404 403 404 403 404"),
    # the catalogue: reference data for everyone signed in, read-only
    ("GET", "specialty-families/", None,                                  "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "specialty-families/{family}/", None,                         "401 200 200 200 200 200 200 200 200 200"),
    ("POST", "specialty-families/", NAMED,                                "401 405 405 405 405 405 405 405 405 405"),
    ("GET", "specialties/", None,                                         "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "specialties/{ecommerce}/", None,                             "401 200 200 200 200 200 200 200 200 200"),
    ("PATCH", "specialties/{ecommerce}/", NAMED,                          "401 405 405 405 405 405 405 405 405 405"),
    # needs and their workflow
    ("GET", "needs/", None,                                               "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "needs/export/", None,                                        "401 200 200 200 200 200 200 200 200 200"),
    ("POST", "needs/", NEED_BODY,                                         "401 201 403 403 403 403 201 400 403 403"),
    ("POST", "needs/", NEED_BODY_B,                                       "401 201 403 403 403 403 400 201 403 403"),
    ("GET", "needs/{draft_a}/", None,                                     "401 200 200 404 200 404 200 404 404 404"),
    ("GET", "needs/{submitted_a}/", None,                                 "401 200 200 404 200 404 200 404 404 404"),
    ("GET", "needs/{open_a}/", None,                                      "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "needs/{matched_a}/", None,                                   "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "needs/{draft_b}/", None,                                     "401 200 404 200 200 404 404 200 404 404"),
    ("GET", "needs/{open_b}/", None,                                      "401 200 404 200 200 404 404 200 404 200"),
    ("GET", "needs/{matched_b}/", None,                                   "401 200 404 200 200 404 404 200 404 200"),
    ("PATCH", "needs/{draft_a}/", TITLED,                                 "401 200 403 404 403 404 200 404 404 404"),
    ("PATCH", "needs/{draft_a}/", {"school": "{school_b}"},               "401 200 403 404 403 404 400 404 404 404"),
    ("PATCH", "needs/{open_a}/", TITLED,                                  "401 409 403 404 403 404 409 404 403 404"),
    ("PUT", "needs/{draft_a}/", NEED_BODY,                                "401 405 405 405 405 405 405 405 405 405"),
    ("DELETE", "needs/{draft_a}/", None,                                  "401 204 403 404 403 404 204 404 404 404"),
    ("DELETE", "needs/{open_a}/", None,                                   "401 409 403 404 403 404 409 404 403 404"),
    ("POST", "needs/{draft_a}/submit/", {},                               "401 200 200 404 200 404 200 404 404 404"),
    ("POST", "needs/{submitted_a}/review/", REVIEW_BODY,                  "401 200 200 404 200 404 403 404 404 404"),
    ("POST", "needs/{draft_a}/review/", REVIEW_BODY,                      "401 409 409 404 409 404 403 404 404 404"),
    ("POST", "needs/{open_a}/cancel/", REASON,                            "401 200 200 404 200 404 200 404 403 404"),
    ("POST", "needs/{matched_a}/confirm/", {"reason": "r"},                "401 200 403 404 403 404 200 404 403 404"),
    ("POST", "needs/{matched_a}/reopen/", REASON,                         "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "needs/{open_b}/cancel/", REASON,                            "401 200 404 200 200 404 404 200 404 403"),
    # a need's thread: the school, the county, the teachers proposed or serving
    ("GET", "needs/{matched_a}/comments/", None,                          "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "needs/{open_a}/comments/", None,                             "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "needs/{matched_b}/comments/", None,                          "401 200 404 200 200 404 404 200 404 200"),
    ("GET", "needs/{draft_a}/comments/", None,                            "401 200 200 404 200 404 200 404 404 404"),
    ("POST", "needs/{matched_a}/comments/", {"text": "t"},                "401 201 201 404 201 404 201 404 201 404"),
    ("POST", "needs/{open_a}/comments/", {"text": "t"},                   "401 201 201 404 201 404 201 404 201 404"),
    ("POST", "needs/{matched_b}/comments/", {"text": "t"},                "401 201 404 201 201 404 404 201 404 201"),
    ("POST", "needs/{draft_a}/comments/", {"text": "t"},                  "401 201 201 404 201 404 201 404 404 404"),
    ("POST", "needs/{matched_a}/comments/", {"text": " "},                "401 400 400 404 400 404 400 404 400 404"),
    ("PATCH", "needs/{matched_a}/comments/", {"text": "t"},               "401 405 405 405 405 405 405 405 405 405"),
    ("GET", "attachments/comments/{photo_a}/", None,                      "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "attachments/comments/{photo_b}/", None,                      "401 200 404 200 200 404 404 200 404 200"),
    # dispatched teachers and teams
    ("GET", "teachers/", None,                                            "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "teachers/export/", None,                                     "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "teachers/{teacher_a}/", None,                                "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "teachers/{teacher_b}/", None,                                "401 200 404 200 200 404 404 200 404 200"),
    ("POST", "teachers/", TEACHER_BODY,                                   "401 201 201 400 201 400 403 403 403 403"),
    ("POST", "teachers/", TEACHER_BODY_B,                                 "401 201 400 201 201 400 403 403 403 403"),
    ("PATCH", "teachers/{teacher_a}/", {"title": "高级讲师"},              "401 200 200 404 200 404 403 404 403 404"),
    ("PATCH", "teachers/{teacher_a}/", {"county": "{county_b}"},          "401 200 400 404 200 404 403 404 403 404"),
    ("DELETE", "teachers/{teacher_a}/", None,                             "401 405 405 405 405 405 405 405 405 405"),
    ("GET", "teams/", None,                                               "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "teams/export/", None,                                        "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "teams/{team_a}/", None,                                      "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "teams/{team_b}/", None,                                      "401 200 404 200 200 404 404 200 404 200"),
    ("POST", "teams/", TEAM_BODY,                                         "401 201 201 400 201 400 403 403 403 403"),
    ("POST", "teams/", TEAM_WITH_B_MEMBER,                                "401 400 400 400 400 400 403 403 403 403"),
    ("PATCH", "teams/{team_a}/", NAMED,                                   "401 200 200 404 200 404 403 404 403 404"),
    ("PATCH", "teams/{team_a}/", {"members": ["{teacher_a}", "{teacher_b}"]}, "401 400 400 404 400 404 403 404 403 404"),
    # spreadsheet imports and their templates
    ("POST", "imports/teachers/", TEACHERS_IN_A,                          "401 200 200 400 200 400 403 403 403 403"),
    ("POST", "imports/teachers/", TEACHERS_IN_B,                          "401 200 400 200 200 400 403 403 403 403"),
    ("POST", "imports/needs/", NEEDS_OF_A,                                "401 200 403 403 403 403 200 400 403 403"),
    ("POST", "imports/needs/", NEEDS_OF_B,                                "401 200 403 403 403 403 400 200 403 403"),
    ("POST", "imports/schools/", SCHOOLS_CSV,                             "401 200 403 403 403 403 403 403 403 403"),
    ("GET", "imports/teachers/template/", None,                           "401 200 200 200 200 200 403 403 403 403"),
    ("GET", "imports/needs/template/", None,                              "401 200 403 403 403 403 200 200 403 403"),
    ("GET", "imports/schools/template/", None,                            "401 200 403 403 403 403 403 403 403 403"),
    # matching runs and assignments
    ("GET", "matching-runs/", None,                                       "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "matching-runs/{run_a}/", None,                               "401 200 200 404 200 404 404 404 404 404"),
    ("GET", "matching-runs/{run_b}/", None,                               "401 200 404 200 200 404 404 404 404 404"),
    ("POST", "matching-runs/", {"county": "{county_a}"},                  "401 202 202 400 202 400 403 403 403 403"),
    ("POST", "matching-runs/", {},                                        "401 202 400 400 400 400 403 403 403 403"),
    ("GET", "assignments/", None,                                         "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "assignments/export/", None,                                  "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "assignments/{prop_a}/", None,                                "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "assignments/{acc_a}/", None,                                 "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "assignments/{prop_b}/", None,                                "401 200 404 200 200 404 404 200 404 200"),
    ("POST", "assignments/{prop_a}/accept/", {},                          "401 200 200 404 200 404 403 404 200 404"),
    ("POST", "assignments/{prop_a}/decline/", REASON,                     "401 200 200 404 200 404 403 404 200 404"),
    ("POST", "assignments/{acc_a}/accept/", {},                           "401 409 409 404 409 404 403 404 409 404"),
    ("POST", "assignments/{acc_a}/complete/", {},                         "401 200 200 404 200 404 403 404 403 404"),
    ("POST", "assignments/{acc_a}/cancel/", REASON,                       "401 200 200 404 200 404 403 404 403 404"),
    ("POST", "assignments/{prop_a}/clear-decline/", {},                   "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "assignments/{prop_b}/accept/", {},                          "401 200 404 200 200 404 404 403 404 200"),
    ("DELETE", "assignments/{prop_a}/", None,                             "401 405 405 405 405 405 405 405 405 405"),
    # activities
    ("GET", "activities/", None,                                          "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "activities/{act_a}/", None,                                  "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "activities/{act_b}/", None,                                  "401 200 404 200 200 404 404 200 404 200"),
    ("POST", "activities/", ACTIVITY_BODY,                                "401 403 403 403 403 403 403 403 201 400"),
    ("POST", "activities/", {**ACTIVITY_BODY, "assignment": "{acc_b}"},   "401 403 403 403 403 403 403 403 400 201"),
    ("POST", "activities/", {**ACTIVITY_BODY, "assignment": "{prop_a}"},  "401 403 403 403 403 403 403 403 400 400"),
    ("POST", "activities/{act_a}/dispute/", REASON,                       "401 403 403 404 403 404 200 404 403 404"),
    ("POST", "activities/{disputed_a}/dispute/", REASON,                  "401 403 403 404 403 404 409 404 403 404"),
    ("POST", "activities/{disputed_a}/dismiss-dispute/", {},              "401 200 200 404 200 404 403 404 403 404"),
    ("POST", "activities/{act_a}/dismiss-dispute/", {},                   "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "activities/", {**ACTIVITY_BODY, "local_teachers_reached": 61, "note": ""}, "401 403 403 403 403 403 403 403 400 400"),
    ("GET", "activities/reach/", None,                                    "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "attachments/activities/{act_photo_a}/", None,                "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "attachments/activities/{act_photo_b}/", None,                "401 200 404 200 200 404 404 200 404 200"),
    ("PATCH", "activities/{act_a}/", {"note": "改"},                      "401 405 405 405 405 405 405 405 405 405"),
    # evaluation frameworks: owned by a county (its coordinators and the admins keep
    # it) or the programme (admins); read by owners, by every coordinator for the
    # programme's, and by whoever may read a cycle that uses it
    ("GET", "evaluation-frameworks/", None,                               "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "evaluation-frameworks/{framework}/", None,                   "401 200 200 404 200 404 404 404 404 404"),
    ("GET", "evaluation-frameworks/{framework_draft_a}/", None,           "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluation-frameworks/{framework_b}/", None,                 "401 200 404 200 200 404 404 404 404 404"),
    ("GET", "evaluation-frameworks/{default_framework}/", None,           "401 200 200 200 200 200 200 200 200 200"),
    ("POST", "evaluation-frameworks/", FRAMEWORK_BODY,                    "401 201 201 201 400 400 403 403 403 403"),
    ("POST", "evaluation-frameworks/", FRAMEWORK_OF_A,                    "401 201 201 400 201 400 403 403 403 403"),
    ("POST", "evaluation-frameworks/", {**FRAMEWORK_BODY, "is_default": True}, "401 201 403 403 403 403 403 403 403 403"),
    ("PATCH", "evaluation-frameworks/{framework}/", NAMED,                "401 200 200 404 200 404 404 404 404 404"),
    ("PATCH", "evaluation-frameworks/{framework}/", FRAMEWORK_OF_B,       "401 400 400 404 400 404 404 404 404 404"),
    ("PATCH", "evaluation-frameworks/{framework}/", REWEIGHTED,           "401 200 200 404 200 404 404 404 404 404"),
    ("PATCH", "evaluation-frameworks/{framework_draft_a}/", REWEIGHTED,   "401 200 200 404 200 404 403 404 403 404"),
    ("PATCH", "evaluation-frameworks/{framework_b}/", REWEIGHTED,         "401 200 404 200 200 404 404 404 404 404"),
    ("PATCH", "evaluation-frameworks/{default_framework}/", NAMED,        "401 409 403 403 403 403 403 403 403 403"),
    ("DELETE", "evaluation-frameworks/{framework}/", None,                "401 204 204 404 204 404 404 404 404 404"),
    ("DELETE", "evaluation-frameworks/{framework_draft_a}/", None,        "401 409 409 404 409 404 403 404 403 404"),
    ("DELETE", "evaluation-frameworks/{framework_b}/", None,              "401 204 404 204 204 404 404 404 404 404"),
    ("DELETE", "evaluation-frameworks/{default_framework}/", None,        "401 409 403 403 403 403 403 403 403 403"),
    ("POST", "evaluation-cycles/", {**CYCLE_BODY, "framework": "{framework_b}"}, "401 400 400 400 400 400 400 400 400 400"),
    ("GET", "evaluation-cycles/", None,                                   "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "evaluation-cycles/{cycle_draft_a}/", None,                   "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluation-cycles/{cycle_open_a}/", None,                    "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluation-cycles/{cycle_closed_a}/", None,                  "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluation-cycles/{cycle_open_b}/", None,                    "401 200 404 200 200 404 404 200 404 200"),
    ("POST", "evaluation-cycles/", CYCLE_BODY,                            "401 201 201 400 201 400 403 400 403 400"),
    ("PATCH", "evaluation-cycles/{cycle_draft_a}/", NAMED,                "401 200 200 404 200 404 403 404 403 404"),
    ("PATCH", "evaluation-cycles/{cycle_draft_a}/", {"county": "{county_b}"}, "401 400 400 404 400 404 400 404 400 404"),
    ("PATCH", "evaluation-cycles/{cycle_open_a}/", NAMED,                 "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_draft_a}/open/", {},               "401 200 200 404 200 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_open_a}/open/", {},                "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_open_a}/close/", {},               "401 409 409 404 409 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_open_a}/close/", FORCED,           "401 200 200 404 200 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_open_a}/close/", {"force": True},  "401 400 400 404 400 404 403 404 403 404"),
    ("POST", "evaluation-cycles/{cycle_draft_a}/close/", {},              "401 409 409 404 409 404 403 404 403 404"),
    ("GET", "evaluation-cycles/{cycle_closed_a}/results/", None,          "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluation-cycles/{cycle_open_a}/results/", None,            "401 409 409 404 409 404 409 404 409 404"),
    ("GET", "evaluation-cycles/{cycle_closed_a}/results/export/", None,   "401 200 200 404 200 404 200 404 200 404"),
    ("GET", "evaluations/", None,                                         "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "evaluations/{eval_teacher_a}/", None,                        "401 200 200 404 200 404 404 404 200 404"),
    ("GET", "evaluations/{eval_school_a}/", None,                         "401 200 200 404 200 404 200 404 404 404"),
    ("GET", "evaluations/{eval_team_a}/", None,                           "401 200 200 404 200 404 404 404 404 404"),
    ("GET", "evaluations/{eval_teacher_b}/", None,                        "401 200 404 200 200 404 404 404 404 200"),
    ("GET", "evaluations/{eval_teacher_a}/certificate/", None,            "401 404 404 404 404 404 404 404 404 404"),
    ("GET", "ratings/", None,                                             "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "ratings/{rating_staff_a}/", None,                            "401 404 404 404 404 404 200 404 404 404"),
    ("GET", "ratings/{rating_self_a}/", None,                             "401 404 404 404 404 404 404 404 200 404"),
    ("POST", "ratings/", rating_body("eval_teacher_a"),                   "401 403 201 404 201 404 201 404 201 404"),
    ("POST", "ratings/", rating_body("eval_school_a"),                    "401 403 201 404 201 404 403 404 404 404"),
    ("POST", "ratings/", rating_body("eval_teacher_b"),                   "401 403 404 201 201 404 404 201 404 201"),
    # appeals: the one evaluated appeals within the window, the county answers
    ("GET", "appeals/", None,                                             "401 200 200 200 200 200 200 200 200 200"),
    ("GET", "appeals/{appeal_a}/", None,                                  "401 200 200 404 200 404 404 404 200 404"),
    ("GET", "appeals/{appeal_b}/", None,                                  "401 200 404 200 200 404 404 404 404 200"),
    ("POST", "appeals/", {"evaluation": "{eval_closed_teacher_a}", "reason": "再议"}, "401 403 403 404 403 404 404 404 409 404"),
    ("POST", "appeals/", {"evaluation": "{eval_closed_school_a}", "reason": "再议"},  "401 403 403 404 403 404 201 404 404 404"),
    ("POST", "appeals/{appeal_a}/answer/", {"answer": "维持原评分"},      "401 200 200 404 200 404 404 404 403 404"),
    ("POST", "appeals/{appeal_a}/answer/", {"answer": "改", "score": 101}, "401 400 400 404 400 404 404 404 403 404"),
    # the dashboard: admins and coordinators
    ("GET", "dashboard/", None,                                           "401 200 200 200 200 200 403 403 403 403"),
    ("GET", "dashboard/?county={county_a}", None,                         "401 200 200 404 200 404 403 403 403 403"),
]  # fmt: skip

# Apps whose tables a refused request must leave exactly as they were.
CHECKED_APPS = ("accounts", "needs", "teams", "matching", "evaluations", "knox")


def fill(value, full):
    if callable(value):
        return value(full)
    if isinstance(value, str):
        formatted = value.format(**full.ids)
        return (
            int(formatted)
            if value.startswith("{") and formatted.isdigit()
            else formatted
        )
    if isinstance(value, dict):
        return {k: fill(v, full) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, full) for v in value]
    return value


def _fingerprint_sql():
    tables = sorted(
        {
            model._meta.db_table
            for label in CHECKED_APPS
            for model in apps.get_app_config(label).get_models(
                include_auto_created=True
            )
        }
    )
    return " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"  # noqa: S608 - model tables
        for table in tables
    )


def fingerprint():
    """A digest of every row of every table of the platform's apps (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after[label])


def client_for(persona, tokens):
    client = Client()
    if persona != "anonymous":
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {tokens[persona]}"
    return client


def call(client, method, path, body, full):
    url = "/api/v1/" + fill(path, full)
    if isinstance(body, Upload):
        return (
            client.generic(method, url)
            if method != "POST"
            else client.post(url, body.body())
        )
    data = fill(body, full)
    return client.generic(
        method,
        url,
        data=b"" if data is None else json.dumps(data),
        content_type="application/json",
    )


class _Rollback(Exception):
    pass


@pytest.fixture
def full(full_once):
    return full_once


@pytest.fixture
def world(full_once):
    return full_once.world


def expected_for(persona):
    column = PERSONAS.index(persona)
    return [
        (method, path, body, int(codes.split()[column]))
        for method, path, body, codes in MATRIX
    ]


def test_every_row_names_every_persona():
    for row in MATRIX:
        assert len(row[3].split()) == len(PERSONAS), row[:2]


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(full, tokens, persona):
    """Every row of the table for one persona; each row in its own savepoint."""
    client = client_for(persona, tokens)
    mismatches = []
    for method, path, body, expected in expected_for(persona):
        try:
            with transaction.atomic():
                before = fingerprint() if expected >= 400 else None
                response = call(client, method, path, body, full)
                got = response.status_code
                if got != expected:
                    detail = response.content[:300].decode("utf-8", "replace")
                    mismatches.append(
                        f"{method} {path}: expected {expected}, got {got} {detail}"
                    )
                elif before is not None:
                    changed = changed_tables(before, fingerprint())
                    if changed:
                        mismatches.append(
                            f"{method} {path}: refused with {got} but changed {changed}"
                        )
                raise _Rollback
        except _Rollback:
            pass
    assert not mismatches, f"{persona}:\n" + "\n".join(mismatches)


# -- lists, filters and exports ----------------------------------------------------

# list path -> (detail path prefix of its objects, what to search by, export path)
LISTS = {
    "counties/": ("counties/", lambda o: o.name, None),
    "schools/": ("schools/", lambda o: o.name, None),
    "needs/": ("needs/", lambda o: o.title, "needs/export/"),
    "teachers/": ("teachers/", lambda o: o.name, "teachers/export/"),
    "teams/": ("teams/", lambda o: o.name, "teams/export/"),
    "matching-runs/": ("matching-runs/", None, None),
    "assignments/": ("assignments/", lambda o: o.need.title, "assignments/export/"),
    "activities/": ("activities/", lambda o: o.note, None),
    "evaluation-frameworks/": ("evaluation-frameworks/", lambda o: o.name, None),
    "evaluation-cycles/": ("evaluation-cycles/", lambda o: o.name, None),
    "evaluations/": ("evaluations/", None, None),
    "ratings/": ("ratings/", None, None),
    "appeals/": ("appeals/", lambda o: o.reason, None),
}
FILTERS = {
    "school": "schools/",
    "county": "counties/",
    "need": "needs/",
    "teacher": "teachers/",
}


def scope_of(persona):
    """detail prefix -> (keys of objects the persona sees, keys of those they do
    not), read off the detail GET rows of the table."""
    seen, unseen = defaultdict(set), defaultdict(set)
    for method, path, _body, expected in expected_for(persona):
        if method != "GET" or path.count("{") != 1 or not path.endswith("}/"):
            continue
        prefix, key = path[:-1].split("{")
        key = key.rstrip("}")
        if expected == 200:
            seen[prefix].add(key)
        elif expected == 404:
            unseen[prefix].add(key)
    return seen, unseen


def listed(client, path, params):
    response = client.get("/api/v1/" + path, {"page_size": 100, **params})
    assert response.status_code in (200, 400), (path, params, response.status_code)
    if response.status_code == 400:  # a filter choice outside the scope: no rows
        return set()
    return {row["id"] for row in response.json()["results"]}


def export_text(client, path, params):
    response = client.get("/api/v1/" + path, params)
    assert response.status_code in (200, 400), (path, params, response.status_code)
    if response.status_code == 400:
        return ""
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_lists_hold_the_scope_and_never_leak_under_any_filter(full, tokens, persona):
    client = client_for(persona, tokens)
    seen, unseen = scope_of(persona)
    filter_values = {
        name: sorted({full.ids[k] for k in unseen[prefix]})
        for name, prefix in FILTERS.items()
    }
    problems = []
    for path, (prefix, text_of, export) in LISTS.items():
        hidden = {full.ids[k]: k for k in unseen[prefix]}
        shown = {full.ids[k] for k in seen[prefix]}
        rows = listed(client, path, {})
        if not shown <= rows:
            problems.append(f"{path} misses {sorted(shown - rows)}")
        searches = []
        if text_of is not None:
            searches = sorted(
                {text_of(full.objs[k]) for k in unseen[prefix]} | {"乙方专属"}
            )
        attempts = (
            [{}]
            + [
                {name: value}
                for name, values in filter_values.items()
                for value in values
            ]
            + [{"search": term} for term in searches]
        )
        for params in attempts:
            leaked = listed(client, path, params) & set(hidden)
            if leaked:
                problems.append(f"{path} {params} shows {[hidden[i] for i in leaked]}")
        if export is not None and text_of is not None:
            for params in attempts:
                text = export_text(client, export, params)
                for key in unseen[prefix]:
                    if text_of(full.objs[key]) in text:
                        problems.append(f"{export} {params} shows {key}")
    assert not problems, f"{persona}:\n" + "\n".join(problems)


def test_the_list_checks_have_something_to_find(full):
    """Guards the test above: every persona is refused some object of the lists
    (except the admin), so the leak checks are not vacuous."""
    for persona in set(PERSONAS) - {"anonymous", "admin", "coord_ab"}:
        _seen, unseen = scope_of(persona)
        assert unseen["needs/"] and unseen["teams/"] and unseen["assignments/"], persona
    assert Need.objects.filter(title__startswith="乙方专属").exists()


# -- changes of scope take effect at once ----------------------------------------


def signed_in_browser(user):
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302, response.status_code
    return browser


def test_a_change_of_scope_or_deactivation_takes_effect_on_the_next_request(
    full, tokens
):
    ids = full.ids
    admin = client_for("admin", tokens)
    token = client_for("coord_a", tokens)
    session = signed_in_browser(full.world.users.coord_a)

    def status(client, path):
        return client.get(path).status_code

    assert status(token, f"/api/v1/needs/{ids['open_a']}/") == 200
    assert status(token, f"/api/v1/needs/{ids['open_b']}/") == 404
    assert status(session, f"/needs/{ids['open_a']}/") == 200

    moved = admin.patch(
        f"/api/v1/users/{ids['user_coord_a']}/",
        json.dumps({"counties": [ids["county_b"]]}),
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert status(token, f"/api/v1/needs/{ids['open_a']}/") == 404
    assert status(token, f"/api/v1/needs/{ids['open_b']}/") == 200
    assert status(session, f"/needs/{ids['open_a']}/") == 404
    assert status(session, f"/needs/{ids['open_b']}/") == 200

    # school staff moved to another school
    staff_token = client_for("staff_a", tokens)
    assert status(staff_token, f"/api/v1/needs/{ids['draft_a']}/") == 200
    admin.patch(
        f"/api/v1/users/{ids['user_staff_a']}/",
        json.dumps({"school": ids["school_a2"]}),
        content_type="application/json",
    )
    assert status(staff_token, f"/api/v1/needs/{ids['draft_a']}/") == 404

    deactivated = admin.patch(
        f"/api/v1/users/{ids['user_coord_a']}/",
        json.dumps({"is_active": False}),
        content_type="application/json",
    )
    assert deactivated.status_code == 200
    assert status(token, "/api/v1/me/") == 401
    answer = session.get(f"/needs/{ids['open_b']}/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
