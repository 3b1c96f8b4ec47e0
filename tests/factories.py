"""factory_boy factories for the domain; tests build their worlds from these."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from accounts.models import Role
from activities import models as ac
from evaluations import models as ev
from matching import models as mt
from needs import models as nd
from places import models as pl
from teams import models as tm

TODAY = dt.date(2026, 9, 1)
# A dispatched teacher's service, as the factory gives it: a school year from TODAY.
SERVICE = {
    "title": "讲师",
    "available_from": TODAY,
    "available_until": TODAY + dt.timedelta(days=365),
    "capacity": 2,
}


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pl.County
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试{n}县")
    province = "陕西省"
    code = factory.Sequence(lambda n: f"61{n:04d}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pl.School

    name = factory.Sequence(lambda n: f"第{n}职业中学")
    county = factory.SubFactory(CountyFactory)
    kind = pl.SchoolKind.ASSISTED


class SpecialtyFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = nd.SpecialtyFamily
        django_get_or_create = ("code",)

    # The code has at most 4 characters; the sequence runs on over the whole suite.
    code = factory.Sequence(lambda n: f"F{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"测试大类{n}")


class SpecialtyClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = nd.SpecialtyClass
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n % 100000:05d}")
    name = factory.Sequence(lambda n: f"测试类{n}")
    family = factory.SubFactory(SpecialtyFamilyFactory)


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = nd.Specialty
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试专业{n}")
    family = factory.SubFactory(SpecialtyFamilyFactory)
    specialty_class = factory.SubFactory(
        SpecialtyClassFactory, family=factory.SelfAttribute("..family")
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.SCHOOL_STAFF
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def counties(self, create, extracted, **kwargs):
        if create and extracted:
            self.counties.set(extracted)
        if create:
            self.save()


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = nd.Need

    school = factory.SubFactory(SchoolFactory)
    specialty = factory.SubFactory(SpecialtyFactory)
    kind = nd.NeedKind.TEACHING
    title = factory.Sequence(lambda n: f"需求{n}")
    description = "需要一名教师"
    headcount = 1
    start_date = TODAY
    end_date = TODAY + dt.timedelta(days=120)
    urgency = 3
    status = nd.NeedStatus.DRAFT
    created_by = factory.SubFactory(UserFactory)


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = tm.Teacher

    name = factory.Sequence(lambda n: f"教师{n}")
    home_school = factory.SubFactory(
        SchoolFactory,
        kind=pl.SchoolKind.SUPPORTING,
        county=factory.SubFactory(CountyFactory, province="江苏省"),
    )
    title = "讲师"
    county = factory.SubFactory(CountyFactory)
    available_from = TODAY
    available_until = TODAY + dt.timedelta(days=365)
    capacity = 2


class TeacherSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = tm.TeacherSkill

    teacher = factory.SubFactory(TeacherFactory)
    specialty = factory.SubFactory(SpecialtyFactory)
    level = 4


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = tm.Team

    name = factory.Sequence(lambda n: f"帮扶团队{n}")
    county = factory.SubFactory(CountyFactory)
    start_date = TODAY
    end_date = TODAY + dt.timedelta(days=365)


class MatchingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = mt.MatchingRun

    county = factory.SubFactory(CountyFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = mt.Assignment

    need = factory.SubFactory(NeedFactory, status=nd.NeedStatus.OPEN)
    teacher = factory.SubFactory(TeacherFactory)
    status = mt.AssignmentStatus.PROPOSED
    score = 50.0


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ac.Activity

    assignment = factory.SubFactory(AssignmentFactory, status="accepted")
    date = TODAY
    kind = ac.ActivityKind.LESSON
    hours = 2
    local_teachers_reached = 3
    students_reached = 40


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ev.Framework

    name = factory.Sequence(lambda n: f"评价体系{n}")


class EvaluationCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ev.EvaluationCycle

    name = factory.Sequence(lambda n: f"2026年度考核{n}")
    county = factory.SubFactory(CountyFactory)
    framework = factory.SubFactory(FrameworkFactory)
    start_date = TODAY
    end_date = TODAY + dt.timedelta(days=180)
