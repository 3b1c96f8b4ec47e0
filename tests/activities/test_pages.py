"""The activity form, reached from an assignment's card, has that assignment chosen."""

from .. import factories as f


def test_the_form_chooses_the_assignment_the_card_asked_for(world, client):
    accepted, other = (
        f.AssignmentFactory(
            need=f.NeedFactory(
                school=world.school_a, specialty=world.ecommerce, status="matched"
            ),
            teacher=world.teacher_a,
            status="accepted",
        )
        for _ in range(2)
    )
    client.force_login(world.users.teacher_a)
    form = client.get(f"/activities/new/?assignment={accepted.pk}").content.decode()
    assert f'<option value="{accepted.pk}" selected>' in form
    assert f'<option value="{other.pk}">' in form
    # Another teacher's assignment is neither offered nor chosen.
    others = f.AssignmentFactory(teacher=world.teacher_b, status="accepted")
    form = client.get(f"/activities/new/?assignment={others.pk}").content.decode()
    assert f'value="{others.pk}"' not in form
    assert f'<option value="{accepted.pk}">' in form
    assert f'<option value="{other.pk}">' in form
