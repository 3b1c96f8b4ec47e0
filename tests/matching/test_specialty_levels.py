"""Matching in the platform knows the catalogue's classes: exact specialty, then
the same class (专业类), then the same family, with the weights of the settings."""

import pytest

from matching import pipeline
from matching.models import Assignment
from needs.models import Specialty

from .helpers import open_need, run, teacher

pytestmark = pytest.mark.django_db


def by_name(name: str) -> Specialty:
    return Specialty.objects.get(name=name)


def test_a_teacher_of_the_same_class_is_proposed_before_one_of_the_family(world):
    graphic_design = by_name("计算机平面设计")  # class 7102
    need = open_need(world.school_a, graphic_design)
    computing = teacher(world.county_a, by_name("计算机应用"), level=4)  # 7102
    electronics = teacher(world.county_a, by_name("电子技术应用"), level=4)  # 7101

    run(world.county_a)

    (proposal,) = Assignment.objects.filter(need=need)
    assert proposal.teacher == computing
    assert proposal.breakdown["specialty"] == 30.0 * 4 / 5
    pairs = pipeline.read_inputs([world.county_a.pk])
    assert electronics.pk in pairs.teachers.id.tolist()


def test_the_inputs_carry_each_specialtys_class(world):
    need = open_need(world.school_a, by_name("计算机平面设计"))
    skilled = teacher(world.county_a, by_name("电子技术应用"))
    inputs = pipeline.read_inputs([world.county_a.pk])
    classes = dict(
        zip(inputs.needs.id.tolist(), inputs.needs.klass.tolist(), strict=True)
    )
    assert classes[need.pk] == by_name("计算机平面设计").specialty_class_id
    skill_classes = dict(
        zip(inputs.skills.teacher.tolist(), inputs.skills.klass.tolist(), strict=True)
    )
    assert skill_classes[skilled.pk] == by_name("电子技术应用").specialty_class_id


def test_class_weight_comes_from_the_settings(world, settings):
    settings.MATCHING_WEIGHTS = {**settings.MATCHING_WEIGHTS, "specialty_class": 25.0}
    need = open_need(world.school_a, by_name("计算机平面设计"))
    teacher(world.county_a, by_name("计算机应用"), level=5)
    run(world.county_a)
    assert Assignment.objects.get(need=need).breakdown["specialty"] == 25.0
