"""The demo world's thread: a school's contact shows the teacher coming the state of
the training room with a photo, the teacher answers (``load_demo`` calls
:func:`seed_demo_thread`). The photo is drawn with Pillow at load time, so the
repository holds no image. Safe to run again: a need that has a thread is left
as it is."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import Role, User
from needs.models import Need, NeedComment, NeedStatus
from needs.threads import need_comment_post


def demo_photo() -> SimpleUploadedFile:
    """A 480x320 JPEG sketch of a training room: a wall, a window, two desks."""
    image = Image.new("RGB", (480, 320), (236, 231, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 230, 480, 320), fill=(180, 160, 130))  # floor
    draw.rectangle((300, 40, 440, 150), fill=(170, 210, 240), outline=(90, 90, 90))
    draw.line((370, 40, 370, 150), fill=(90, 90, 90), width=3)
    for left in (40, 170):
        draw.rectangle((left, 180, left + 100, 200), fill=(120, 85, 50))
        draw.rectangle((left + 20, 140, left + 80, 180), fill=(40, 40, 40))  # screen
        draw.rectangle((left + 25, 145, left + 75, 172), fill=(60, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("实训室现状.jpg", buffer.getvalue(), "image/jpeg")


def demo_sign_in_sheet() -> SimpleUploadedFile:
    """A 360x480 PNG sketch of a signed attendance sheet: evidence of a goal."""
    image = Image.new("RGB", (360, 480), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 330, 60), fill=(60, 90, 140))  # the sheet's title bar
    for row in range(12):
        top = 80 + row * 30
        draw.line((30, top, 330, top), fill=(170, 170, 170), width=1)
        draw.line(
            (60, top + 18, 60 + (row * 37) % 90 + 40, top + 18), fill=(30, 30, 90)
        )
        draw.line((220, top + 18, 300, top + 12), fill=(30, 30, 90), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("培训签到表.png", buffer.getvalue(), "image/png")


def seed_demo_thread() -> NeedComment | None:
    """Start the thread of the first matched need that has an accepted teacher with
    an account and a school contact; None when there is none or it has a thread."""
    needs = Need.objects.filter(
        status=NeedStatus.MATCHED,
        assignments__status="accepted",
        assignments__teacher__user__isnull=False,
    ).order_by("id")
    for need in needs.distinct():
        staff = User.objects.filter(
            role=Role.SCHOOL_STAFF, school=need.school_id, is_active=True
        ).first()
        if staff is None:
            continue
        if need.comments.exists():
            return None
        teacher_user = (
            need.assignments.filter(status="accepted", teacher__user__isnull=False)
            .select_related("teacher__user")
            .first()
            .teacher.user
        )
        first = need_comment_post(
            need=need,
            actor=staff,
            text="这是直播实训室目前的样子：两台电脑，还没有补光灯和声卡。"
            "老师到校前可以先看看，需要我们提前准备什么请在这里说。",
            files=[demo_photo()],
        )
        need_comment_post(
            need=need,
            actor=teacher_user,
            text="收到，谢谢！请先准备一块绿幕和两盏补光灯，"
            "其余设备我到校后和信息中心一起看。",
        )
        return first
    return None
