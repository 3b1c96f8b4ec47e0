"""The priority formula, checked against numbers worked by hand:

priority = round_half_up(100 * sum(w * (s - 1)) / (4 * sum(w))), weights 35/25/25/15
for urgency, students affected, fit with local industry, readiness."""

import pytest

from needs.services import priority_score


@pytest.mark.parametrize(
    ("scores", "expected", "worked"),
    [
        ((1, 1, 1, 1), 0, "0 / 400"),
        ((5, 5, 5, 5), 100, "400 / 400"),
        ((3, 3, 3, 3), 50, "200 / 400"),
        ((5, 3, 4, 2), 70, "(140 + 50 + 75 + 15) / 400 = 280 / 400"),
        ((5, 1, 1, 1), 35, "140 / 400"),
        ((1, 1, 1, 5), 15, "60 / 400"),
        ((2, 1, 1, 1), 9, "35 / 400 = 8.75"),
        ((3, 1, 1, 1), 18, "70 / 400 = 17.5, half up"),
        ((1, 2, 1, 2), 10, "(25 + 15) / 400 = 10"),
        ((4, 2, 5, 3), 65, "(105 + 25 + 100 + 30) / 400 = 260 / 400"),
    ],
)
def test_priority_formula(scores, expected, worked):
    urgency, students, fit, readiness = scores
    assert (
        priority_score(
            urgency=urgency,
            students_affected=students,
            industry_fit=fit,
            readiness=readiness,
        )
        == expected
    ), worked


def test_weights_come_from_settings(settings):
    settings.NEED_PRIORITY_WEIGHTS = {
        "urgency": 1,
        "students_affected": 1,
        "industry_fit": 1,
        "readiness": 1,
    }
    # plain mean of (5-1, 3-1, 4-1, 2-1) = 2.5 of 4 -> 62.5 -> 63
    assert (
        priority_score(urgency=5, students_affected=3, industry_fit=4, readiness=2)
        == 63
    )


def test_bad_weights_are_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.NEED_PRIORITY_WEIGHTS = {"urgency": 1}
    with pytest.raises(ImproperlyConfigured):
        priority_score(urgency=5, students_affected=3, industry_fit=4, readiness=2)
