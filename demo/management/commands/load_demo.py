"""``manage.py load_demo``: the demo world of the 2026-2027 school year.

Liyang (溧阳市, Jiangsu) sends teams of vocational teachers to Baihe County (白河县,
Ankang, Shaanxi) and two neighbouring counties. The world holds the counties, the
assisted and supporting schools, 26 dispatched teachers with skills, windows and
capacities, three teams, 43 needs in every state with their history (transitions,
diagnoses, plan goals), the assignments of the matched and fulfilled needs with
logged activities, and an account for every role.

Idempotent: every object is found by its natural key first. Reference data (counties,
schools, teachers, teams, accounts) is brought back to the demo values when it has
drifted; a need that already exists is left exactly as it is, with its history,
assignments and activities, so running the command twice changes nothing.

The data is seeded directly (not through the services, which would need a run of
the whole workflow), keeping the invariants the services keep: ``filled`` equals the
accepted (or completed) assignments, no teacher has more live assignments than their
capacity, one live assignment per need and teacher, and every need's transitions
chain from ``""`` to its current status."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from activities.models import Activity, ActivityKind
from demo import evaluations as evaluation_demo
from demo.needs import seed_demo_thread
from demo.world import assignment_status_for, copy_transitions, need_row
from matching.models import Assignment, AssignmentStatus
from needs.models import (
    Diagnosis,
    Need,
    NeedKind,
    NeedStatus,
    PlanGoal,
    Specialty,
)
from needs.services import priority_score
from places.models import County, School, SchoolKind
from planning.models import TeamProposal
from planning.proposals import team_proposal_create
from teams.models import Teacher, TeacherSkill, Team

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed for everyone: demo accounts only

S = NeedStatus
K = NeedKind

# --- places ----------------------------------------------------------------------

COUNTIES = {
    # key: (name, province, administrative code)
    "baihe": ("白河县", "陕西省", "610929"),
    "xunyang": ("旬阳市", "陕西省", "610981"),  # a county-level city since 2021
    "pingli": ("平利县", "陕西省", "610926"),
    "liyang": ("溧阳市", "江苏省", "320481"),
}
NEIGHBOURS = [("baihe", "xunyang"), ("baihe", "pingli"), ("xunyang", "pingli")]

SCHOOLS = {
    # key: (name, county key, kind, staff username, staff name)
    "bh_zj": (
        "白河县职业教育中心",
        "baihe",
        SchoolKind.ASSISTED,
        "staff_bhzj",
        "刘红霞",
    ),
    "bh_px": (
        "白河县职业技术培训中心",
        "baihe",
        SchoolKind.ASSISTED,
        "staff_bhpx",
        "柯尊平",
    ),
    "bh_cy": (
        "白河县茶产业技能培训学校",
        "baihe",
        SchoolKind.ASSISTED,
        "staff_bhcy",
        "冯德胜",
    ),
    "xy_zj": (
        "旬阳市职业教育中心",
        "xunyang",
        SchoolKind.ASSISTED,
        "staff_xyzj",
        "张明",
    ),
    "xy_jg": ("旬阳市技工学校", "xunyang", SchoolKind.ASSISTED, "staff_xyjg", "何玉兰"),
    "pl_zj": (
        "平利县职业教育中心",
        "pingli",
        SchoolKind.ASSISTED,
        "staff_plzj",
        "杜建军",
    ),
    "pl_cl": (
        "平利县茶旅技能培训学校",
        "pingli",
        SchoolKind.ASSISTED,
        "staff_plcl",
        "李春梅",
    ),
    "ly_zz": ("江苏省溧阳中等专业学校", "liyang", SchoolKind.SUPPORTING, None, None),
    "ly_tmh": ("溧阳市天目湖中等专业学校", "liyang", SchoolKind.SUPPORTING, None, None),
    "ly_dt": ("溧阳市埭头职业高级中学", "liyang", SchoolKind.SUPPORTING, None, None),
}

COORDINATORS = [
    # (username, name, county keys)
    ("coord_baihe", "王海涛", ["baihe"]),
    ("coord_xunyang", "陈志远", ["xunyang"]),
    ("coord_pingli", "邹晓燕", ["pingli"]),
    ("coord_ankang", "吴国栋", ["baihe", "xunyang"]),
]

# --- teachers --------------------------------------------------------------------

FULL_YEAR = (dt.date(2026, 8, 25), dt.date(2027, 7, 10))
AUTUMN = (dt.date(2026, 8, 25), dt.date(2027, 1, 20))
SPRING = (dt.date(2027, 2, 20), dt.date(2027, 7, 10))
MOST_OF_YEAR = (dt.date(2026, 9, 1), dt.date(2027, 6, 30))


@dataclass(frozen=True)
class TeacherSpec:
    name: str
    username: str
    school: str
    title: str
    county: str
    skills: tuple[tuple[str, int], ...]
    window: tuple[dt.date, dt.date]
    capacity: int
    phone: str
    active: bool = True


# fmt: off
TEACHERS = [
    # Baihe County
    TeacherSpec("陈晓峰", "chenxiaofeng", "ly_zz", "高级讲师", "baihe",
                (("电子商务", 5), ("直播电商服务", 4), ("网络营销", 3)),
                FULL_YEAR, 3, "13905190101"),
    TeacherSpec("周丽萍", "zhouliping", "ly_zz", "讲师", "baihe",
                (("直播电商服务", 4), ("电子商务", 3)), FULL_YEAR, 2, "13905190102"),
    TeacherSpec("史建华", "shijianhua", "ly_zz", "正高级讲师", "baihe",
                (("汽车运用与维修", 5), ("新能源汽车运用与维修", 4)),
                FULL_YEAR, 2, "13905190103"),
    TeacherSpec("蒋文涛", "jiangwentao", "ly_tmh", "讲师", "baihe",
                (("汽车运用与维修", 3), ("汽车车身修复", 3)), FULL_YEAR, 2,
                "13905190104"),
    TeacherSpec("吴静", "wujing", "ly_tmh", "高级讲师", "baihe",
                (("幼儿保育", 5),), FULL_YEAR, 2, "13905190105"),
    TeacherSpec("潘志刚", "panzhigang", "ly_zz", "高级讲师", "baihe",
                (("计算机应用", 4), ("计算机网络技术", 4), ("数字媒体技术应用", 3)),
                AUTUMN, 2, "13905190106"),
    TeacherSpec("狄春燕", "dichunyan", "ly_tmh", "讲师", "baihe",
                (("旅游服务与管理", 4), ("导游服务", 3)), FULL_YEAR, 2, "13905190107"),
    TeacherSpec("彭海燕", "penghaiyan", "ly_tmh", "高级讲师", "baihe",
                (("会计事务", 5), ("纳税事务", 3)), FULL_YEAR, 2, "13905190108"),
    TeacherSpec("芮国强", "ruiguoqiang", "ly_dt", "高级讲师", "baihe",
                (("茶叶生产与加工", 4), ("园艺技术", 3)), FULL_YEAR, 2, "13905190109"),
    TeacherSpec("黄晓军", "huangxiaojun", "ly_zz", "讲师", "baihe",
                (("机电技术应用", 4), ("电气设备运行与控制", 3)), SPRING, 1,
                "13905190110"),
    TeacherSpec("马俊", "majun", "ly_zz", "助理讲师", "baihe",
                (("电子商务", 3), ("市场营销", 3)), FULL_YEAR, 1, "13905190111"),
    TeacherSpec("汤卫东", "tangweidong", "ly_dt", "高级讲师", "baihe",
                (("中餐烹饪", 5), ("中西面点", 3)), FULL_YEAR, 2, "13905190112"),
    TeacherSpec("沈燕", "shenyan", "ly_tmh", "讲师", "baihe",
                (("康养休闲旅游服务", 4), ("旅游服务与管理", 3)), SPRING, 2,
                "13905190113"),
    TeacherSpec("缪建平", "miaojianping", "ly_zz", "正高级讲师", "baihe",
                (("计算机应用", 5), ("大数据技术应用", 3)), FULL_YEAR, 3,
                "13905190114"),
    TeacherSpec("葛振华", "gezhenhua", "ly_zz", "讲师", "baihe",
                (("计算机应用", 3),), AUTUMN, 1, "13905190115", active=False),
    # Xunyang
    TeacherSpec("宗伟", "zongwei", "ly_zz", "高级讲师", "xunyang",
                (("电子商务", 4), ("物流服务与管理", 3)), FULL_YEAR, 2, "13905190116"),
    TeacherSpec("钱玉梅", "qianyumei", "ly_tmh", "讲师", "xunyang",
                (("幼儿保育", 4), ("音乐表演", 3)), FULL_YEAR, 2, "13905190117"),
    TeacherSpec("狄志明", "dizhiming", "ly_zz", "高级讲师", "xunyang",
                (("汽车运用与维修", 4),), FULL_YEAR, 2, "13905190118"),
    TeacherSpec("许静怡", "xujingyi", "ly_dt", "讲师", "xunyang",
                (("护理", 4), ("老年人服务与管理", 3)), AUTUMN, 1, "13905190119"),
    TeacherSpec("曹立新", "caolixin", "ly_tmh", "高级讲师", "xunyang",
                (("建筑工程施工", 4), ("建筑工程造价", 3)), FULL_YEAR, 2,
                "13905190120"),
    TeacherSpec("任晓东", "renxiaodong", "ly_zz", "讲师", "xunyang",
                (("计算机网络技术", 4), ("计算机应用", 3)), MOST_OF_YEAR, 2,
                "13905190121"),
    # Pingli
    TeacherSpec("朱红梅", "zhuhongmei", "ly_tmh", "高级讲师", "pingli",
                (("茶叶生产与加工", 5), ("食品加工工艺", 3)), FULL_YEAR, 2,
                "13905190122"),
    TeacherSpec("彭俊杰", "pengjunjie", "ly_zz", "讲师", "pingli",
                (("旅游服务与管理", 4), ("高星级饭店运营与管理", 3)), FULL_YEAR, 2,
                "13905190123"),
    TeacherSpec("孔德明", "kongdeming", "ly_dt", "高级讲师", "pingli",
                (("中草药栽培", 4), ("作物生产技术", 3)), MOST_OF_YEAR, 2,
                "13905190124"),
    TeacherSpec("黄丽", "huangli", "ly_tmh", "讲师", "pingli",
                (("直播电商服务", 4), ("电子商务", 4)), FULL_YEAR, 2, "13905190125"),
    TeacherSpec("蔡文斌", "caiwenbin", "ly_zz", "正高级讲师", "pingli",
                (("会计事务", 4), ("电子商务", 3)), FULL_YEAR, 3, "13905190126"),
]

# Teachers with management experience, who may lead a team.
CAN_LEAD = {"缪建平", "史建华", "陈晓峰", "曹立新", "蔡文斌"}

# The team proposed for the spring term of one Baihe school (not yet confirmed):
# (school key, period, smallest and largest team).
TEAM_PROPOSAL = ("bh_zj", SPRING, 3, 6)

TEAMS = [
    # (name, county key, period, leader, members)
    (
        "溧阳市赴白河县职教帮扶团队",
        "baihe",
        FULL_YEAR,
        "缪建平",
        ["缪建平", "陈晓峰", "周丽萍", "史建华", "蒋文涛", "吴静", "潘志刚", "狄春燕",
         "彭海燕", "芮国强", "黄晓军", "马俊", "汤卫东", "沈燕"],
    ),
    (
        "溧阳市赴旬阳市职教帮扶团队",
        "xunyang",
        FULL_YEAR,
        "曹立新",
        ["曹立新", "宗伟", "钱玉梅", "狄志明", "许静怡", "任晓东"],
    ),
    (
        "溧阳市赴平利县职教帮扶团队",
        "pingli",
        FULL_YEAR,
        "蔡文斌",
        ["蔡文斌", "朱红梅", "彭俊杰", "孔德明", "黄丽"],
    ),
]
# fmt: on

# --- needs -----------------------------------------------------------------------


@dataclass(frozen=True)
class NeedSpec:
    school: str
    title: str
    specialty: str
    kind: str
    description: str
    start: dt.date
    end: dt.date
    status: str
    headcount: int = 1
    urgency: int = 3
    # (urgency, students affected, industry fit, readiness), for approved needs
    diagnosis: tuple[int, int, int, int] | None = None
    goals: tuple[str, ...] = ()
    teachers: tuple[str, ...] = ()  # accepted (or completed when fulfilled)
    comment: str = ""  # return / reject comment, or cancellation reason
    cancelled_from: str = ""  # the state a cancelled need was in
    returned: bool = False  # a draft that was submitted and returned once
    created: dt.date = dt.date(2026, 6, 15)


def d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


# fmt: off
NEEDS = [
    # ---- Baihe: fulfilled --------------------------------------------------------
    NeedSpec("bh_zj", "电商直播带货实训教学（秋季短期班）", "直播电商服务", K.TEACHING,
             "电商专业二年级学生开设直播带货实训，结合白河绿茶、木耳等本地农产品，"
             "每周6课时，需教师指导直播脚本、选品与场控。",
             d(2026, 9, 1), d(2026, 11, 20), S.FULFILLED, urgency=5,
             diagnosis=(5, 4, 5, 4),
             goals=("培训本校电商专业教师4名掌握直播带货全流程",
                    "指导学生完成农产品直播带货实训不少于20场"),
             teachers=("周丽萍",), created=d(2026, 6, 10)),
    NeedSpec("bh_cy", "茶园秋管与茶叶加工技术培训", "茶叶生产与加工",
             K.TEACHER_TRAINING,
             "面向本校教师和周边茶农，开展茶园秋冬管理、绿茶杀青揉捻与烘干工艺培训，"
             "提高白河富硒茶加工品质。",
             d(2026, 9, 7), d(2026, 11, 15), S.FULFILLED, urgency=4,
             diagnosis=(4, 3, 5, 4),
             goals=("培训本校教师及茶农30人次", "形成茶叶加工实训标准作业指导书1份"),
             teachers=("芮国强",), created=d(2026, 6, 12)),
    NeedSpec("bh_zj", "汽修一体化教室布局与设备调试", "汽车运用与维修", K.LAB_SETUP,
             "学校新购置发动机实训台架和举升机，需要有经验的教师指导一体化教室布局、"
             "设备安装调试及安全管理制度建设。",
             d(2026, 9, 1), d(2026, 10, 31), S.FULFILLED, urgency=4,
             diagnosis=(4, 4, 4, 5),
             goals=("完成汽修一体化教室布局方案并投入教学使用",
                    "编写实训室安全操作规程1套"),
             teachers=("史建华",), created=d(2026, 6, 8)),
    NeedSpec("bh_px", "会计电算化实操培训", "会计事务", K.TEACHER_TRAINING,
             "面向乡镇合作社财务人员和本校财会教师，开展财务软件与电子发票实操培训。",
             d(2026, 9, 14), d(2026, 11, 13), S.FULFILLED, urgency=3,
             diagnosis=(3, 3, 4, 4),
             goals=("培训合作社财务人员20名", "本校2名教师能够独立开设会计电算化课程"),
             teachers=("彭海燕",), created=d(2026, 6, 20)),
    # ---- Baihe: matched ----------------------------------------------------------
    NeedSpec("bh_zj", "电子商务专业课程体系重构", "电子商务", K.CURRICULUM,
             "对接县域电商产业园和直播基地，重构电子商务专业课程体系，开发以农产品"
             "网络营销为特色的校本课程。",
             d(2026, 9, 1), d(2027, 1, 15), S.MATCHED, urgency=5,
             diagnosis=(5, 5, 5, 4),
             goals=("修订电子商务专业人才培养方案1套",
                    "开发校本教材《农产品网络营销》1本",
                    "培训本校电商专业教师4名"),
             teachers=("陈晓峰",), created=d(2026, 6, 5)),
    NeedSpec("bh_zj", "幼儿保育专业保育实操课程教学", "幼儿保育", K.TEACHING,
             "幼儿保育专业缺少有经验的实操教师，需承担婴幼儿生活照护、卫生保健实训"
             "课程并指导青年教师。",
             d(2026, 9, 1), d(2027, 1, 15), S.MATCHED, urgency=4,
             diagnosis=(4, 4, 3, 4),
             goals=("承担幼儿保育实训课程每周8课时", "指导青年教师2名完成公开课"),
             teachers=("吴静",), created=d(2026, 6, 18)),
    NeedSpec("bh_zj", "计算机应用专业1+X证书辅导", "计算机应用", K.TEACHING,
             "计算机应用专业三年级学生参加Web前端开发1+X证书考试，需两名教师分班"
             "辅导并带教本校教师。",
             d(2026, 9, 7), d(2027, 1, 10), S.MATCHED, headcount=2, urgency=4,
             diagnosis=(4, 4, 3, 4),
             goals=("1+X证书考试通过率达到70%以上", "本校3名教师取得考评员资格"),
             teachers=("缪建平", "潘志刚"), created=d(2026, 6, 22)),
    NeedSpec("bh_zj", "白河县旅游资源导览与讲解实训", "旅游服务与管理", K.TEACHING,
             "结合桥儿沟古民居、白河古城等景点，开展导览讲解与旅游接待实训教学。",
             d(2026, 9, 14), d(2027, 1, 15), S.MATCHED, urgency=3,
             diagnosis=(3, 3, 4, 4),
             goals=("编写白河县景点讲解词10篇", "组织学生景区跟岗实训2次"),
             teachers=("狄春燕",), created=d(2026, 7, 2)),
    NeedSpec("bh_px", "农村电商创业培训（面向返乡青年）", "电子商务",
             K.TEACHER_TRAINING,
             "面向返乡创业青年开展网店开设、农产品包装与短视频推广培训，"
             "配合县电商服务中心组织。",
             d(2026, 10, 8), d(2026, 12, 31), S.MATCHED, urgency=4,
             diagnosis=(4, 5, 5, 3),
             goals=("培训返乡青年50人", "孵化开设网店10家"),
             teachers=("陈晓峰",), created=d(2026, 8, 20)),
    # ---- Baihe: open -------------------------------------------------------------
    NeedSpec("bh_zj", "新能源汽车维修技术教学", "新能源汽车运用与维修", K.TEACHING,
             "学校计划春季开设新能源汽车维修方向，需要教师承担高压安全与动力电池"
             "检修课程。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, urgency=4,
             diagnosis=(4, 3, 4, 3),
             goals=("开设新能源汽车高压安全课程1门", "培训本校汽修教师3名"),
             created=d(2026, 10, 9)),
    NeedSpec("bh_zj", "电商直播间建设与运营指导", "直播电商服务", K.LAB_SETUP,
             "学校建设4间直播实训室，需要教师指导设备选型、直播间搭建和日常运营，"
             "并与本县茶企合作开展直播。",
             d(2027, 2, 25), d(2027, 6, 30), S.OPEN, headcount=2, urgency=5,
             diagnosis=(5, 4, 5, 3),
             goals=("建成直播实训室4间并投入使用", "与本县茶企合作开展直播40场"),
             teachers=("周丽萍",), created=d(2026, 10, 12)),
    NeedSpec("bh_cy", "白河绿茶品牌营销与网店运营", "网络营销",
             K.ENTERPRISE_PARTNERSHIP,
             "与本县茶企合作，帮助学校茶产业专业学生参与茶叶品牌策划和网店运营。",
             d(2027, 3, 1), d(2027, 6, 15), S.OPEN, urgency=3,
             diagnosis=(3, 3, 5, 3),
             goals=("为合作茶企完成品牌营销方案1份", "学生参与网店运营实训100人次"),
             created=d(2026, 10, 15)),
    NeedSpec("bh_zj", "中餐烹饪专业教学（农家乐方向）", "中餐烹饪", K.TEACHING,
             "服务全县农家乐发展，开设中餐烹饪农家乐方向，需要教师承担陕南特色菜肴"
             "实训教学。",
             d(2027, 3, 1), d(2027, 7, 5), S.OPEN, urgency=3,
             diagnosis=(3, 3, 4, 3),
             goals=("开发陕南特色菜肴实训项目12个",),
             created=d(2026, 10, 20)),
    NeedSpec("bh_px", "机电设备维修实训指导", "机电技术应用", K.TEACHING,
             "面向县内水电站、工业园区用工需求，开展机电设备维修与电气控制实训。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, urgency=3,
             diagnosis=(3, 2, 4, 3),
             goals=("培训学员40人次并取得电工证",),
             created=d(2026, 10, 22)),
    NeedSpec("bh_zj", "康养旅游专业申报与课程设置", "康养休闲旅游服务",
             K.MANAGEMENT,
             "学校拟申报康养休闲旅游服务专业，需要教师指导专业论证、人才培养方案和"
             "实训条件规划。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, urgency=2,
             diagnosis=(2, 3, 4, 2),
             goals=("完成新专业申报论证报告1份",),
             created=d(2026, 10, 25)),
    # ---- Baihe: open, and no teacher stationed here teaches it (the recruitment
    # plan's material: what the sending side should recruit next) ---------------
    NeedSpec("bh_px", "养老护理员职业技能培训", "智慧健康养老服务",
             K.TEACHER_TRAINING,
             "县内养老机构护理员持证率低，需要教师开展养老护理员职业技能培训与鉴定辅导。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, headcount=2, urgency=4,
             diagnosis=(4, 4, 4, 4),
             goals=("培训养老护理员60人次，持证率达到80%",),
             created=d(2026, 11, 2)),
    NeedSpec("bh_zj", "工业机器人操作与运维实训教学", "工业机器人技术应用",
             K.TEACHING,
             "县工业园区新上自动化产线，学校拟开设工业机器人操作与运维课程，缺少专业教师。",
             d(2027, 3, 1), d(2027, 7, 10), S.OPEN, urgency=4,
             diagnosis=(4, 3, 5, 4),
             goals=("开设工业机器人操作课程1门，学生取证20人",),
             created=d(2026, 11, 3)),
    NeedSpec("bh_cy", "富硒生猪养殖技术培训", "畜禽生产技术", K.TEACHER_TRAINING,
             "面向本校教师和养殖户，开展生猪标准化养殖与疫病防控技术培训。",
             d(2027, 3, 15), d(2027, 6, 15), S.OPEN, urgency=3,
             diagnosis=(3, 3, 4, 3),
             goals=("培训养殖户及教师40人次",),
             created=d(2026, 11, 4)),
    NeedSpec("bh_cy", "服装制作短期培训", "服装设计与工艺", K.TEACHER_TRAINING,
             "学校计划开设服装制作短期培训，但实训场地和设备尚未落实。",
             d(2027, 4, 1), d(2027, 6, 30), S.OPEN, urgency=2,
             diagnosis=(2, 2, 3, 1),
             goals=("培训学员20人次",),
             created=d(2026, 11, 5)),
    # ---- Baihe: submitted --------------------------------------------------------
    NeedSpec("bh_zj", "校园网络升级与网络课程教学", "计算机网络技术", K.TEACHING,
             "学校校园网改造后需开设网络设备配置与综合布线课程，缺少专业教师。",
             d(2027, 3, 1), d(2027, 6, 30), S.SUBMITTED, urgency=3,
             created=d(2026, 11, 9)),
    NeedSpec("bh_cy", "茶叶加工实训车间建设方案", "茶叶生产与加工", K.LAB_SETUP,
             "学校拟改造旧厂房为茶叶加工实训车间，需要教师指导设备配置和工艺流程设计。",
             d(2027, 3, 15), d(2027, 7, 1), S.SUBMITTED, urgency=4,
             created=d(2026, 11, 11)),
    NeedSpec("bh_px", "家政服务培训课程开发", "现代家政服务与管理", K.CURRICULUM,
             "配合县劳务输出工作，开发月嫂、育婴员等家政服务短期培训课程。",
             d(2027, 3, 1), d(2027, 6, 1), S.SUBMITTED, urgency=3,
             created=d(2026, 11, 13)),
    # ---- Baihe: draft ------------------------------------------------------------
    NeedSpec("bh_zj", "汽车钣金与涂装教学", "汽车车身修复", K.TEACHING,
             "汽修专业缺少钣金与涂装方向教师，需承担车身修复实训课。",
             d(2027, 3, 1), d(2027, 6, 30), S.DRAFT, urgency=3,
             created=d(2026, 11, 18)),
    NeedSpec("bh_zj", "数字媒体（短视频制作）课程教学", "数字媒体技术应用",
             K.TEACHING,
             "为电商和旅游专业学生开设短视频拍摄与剪辑课程。",
             d(2027, 3, 8), d(2027, 6, 30), S.DRAFT, urgency=3, returned=True,
             comment="请补充授课学生人数和现有拍摄设备情况后再提交。",
             created=d(2026, 11, 2)),
    NeedSpec("bh_px", "农产品电商物流与冷链知识培训", "冷链物流服务与管理",
             K.TEACHER_TRAINING,
             "面向合作社和电商从业人员，培训生鲜农产品包装、冷链配送知识。",
             d(2027, 4, 1), d(2027, 6, 15), S.DRAFT, urgency=2,
             created=d(2026, 11, 20)),
    # ---- Baihe: rejected and cancelled -------------------------------------------
    NeedSpec("bh_px", "航空服务专业建设", "航空服务", K.CURRICULUM,
             "拟开设航空服务专业，需要教师指导专业建设。",
             d(2027, 3, 1), d(2027, 7, 1), S.REJECTED, urgency=2,
             comment="与本县产业需求不符，且缺乏实训条件，建议暂缓。",
             created=d(2026, 9, 28)),
    NeedSpec("bh_zj", "舞蹈表演专业教学", "舞蹈表演", K.TEACHING,
             "希望开设舞蹈表演兴趣班。",
             d(2027, 3, 1), d(2027, 6, 30), S.REJECTED, urgency=1,
             comment="本学年无招生计划，不予立项。",
             created=d(2026, 10, 3)),
    NeedSpec("bh_zj", "焊接技术短期培训", "焊接技术应用", K.TEACHER_TRAINING,
             "为合作企业定向培训焊工20名。",
             d(2026, 11, 2), d(2026, 12, 25), S.CANCELLED, urgency=3,
             diagnosis=(3, 2, 3, 3), goals=("培训焊工20名并取得焊工证",),
             cancelled_from=S.OPEN,
             comment="合作企业调整用工计划，培训取消。",
             created=d(2026, 9, 10)),
    NeedSpec("bh_cy", "茶艺表演队组建指导", "茶叶生产与加工", K.OTHER,
             "组建学生茶艺表演队，参加县茶文化节。",
             d(2027, 3, 1), d(2027, 5, 31), S.CANCELLED, urgency=2,
             cancelled_from=S.DRAFT,
             comment="学校重新规划，并入茶叶加工实训车间需求。",
             created=d(2026, 10, 30)),
    # ---- Xunyang -----------------------------------------------------------------
    NeedSpec("xy_zj", "幼儿园见习基地共建", "幼儿保育", K.ENTERPRISE_PARTNERSHIP,
             "与城区3所幼儿园共建见习基地，需要教师制定见习方案并带队指导。",
             d(2026, 9, 1), d(2026, 11, 27), S.FULFILLED, urgency=3,
             diagnosis=(3, 4, 3, 4),
             goals=("与3所幼儿园签订见习基地协议", "组织学生见习120人次"),
             teachers=("钱玉梅",), created=d(2026, 6, 16)),
    NeedSpec("xy_zj", "汽修专业发动机拆装实训教学", "汽车运用与维修", K.TEACHING,
             "汽修专业二年级发动机拆装与检修实训，每周8课时。",
             d(2026, 9, 1), d(2027, 1, 15), S.MATCHED, urgency=4,
             diagnosis=(4, 4, 4, 4),
             goals=("学生汽车维修工中级证书通过率80%",),
             teachers=("狄志明",), created=d(2026, 6, 25)),
    NeedSpec("xy_jg", "建筑工程施工专业教学", "建筑工程施工", K.TEACHING,
             "配合县城新区建设用工需求，开设建筑施工技术与识图课程。",
             d(2026, 9, 7), d(2027, 1, 15), S.MATCHED, urgency=3,
             diagnosis=(3, 3, 4, 4),
             goals=("开设建筑识图与施工技术课程2门",),
             teachers=("曹立新",), created=d(2026, 7, 5)),
    NeedSpec("xy_zj", "物流服务与管理课程开发", "物流服务与管理", K.CURRICULUM,
             "结合旬阳港区和县电商物流中心，开发物流服务课程。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, urgency=3,
             diagnosis=(3, 3, 4, 3), goals=("开发物流仓储实训项目6个",),
             created=d(2026, 10, 14)),
    NeedSpec("xy_jg", "计算机网络综合布线实训", "计算机网络技术", K.TEACHING,
             "网络专业学生综合布线与网络设备配置实训，需两名教师。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, headcount=2, urgency=3,
             diagnosis=(3, 4, 3, 4), goals=("学生网络布线实训全员过关",),
             teachers=("任晓东",), created=d(2026, 10, 16)),
    NeedSpec("xy_zj", "护理专业实训室建设指导", "护理", K.LAB_SETUP,
             "护理专业新建模拟病房，需要教师指导实训室功能布局与设备配置。",
             d(2027, 3, 1), d(2027, 6, 30), S.SUBMITTED, urgency=4,
             created=d(2026, 11, 12)),
    NeedSpec("xy_zj", "电商直播助农实训", "直播电商服务", K.TEACHING,
             "组织学生为拐枣、狮头柑等特产开展直播助农实训。",
             d(2027, 3, 15), d(2027, 6, 30), S.DRAFT, urgency=3,
             created=d(2026, 11, 21)),
    NeedSpec("xy_jg", "无人机植保应用教学", "智能设备运行与维护", K.TEACHING,
             "开设无人机植保操作课程。",
             d(2027, 3, 1), d(2027, 6, 30), S.REJECTED, urgency=2,
             comment="学校暂无相关设备和场地，条件具备后再申报。",
             created=d(2026, 10, 8)),
    NeedSpec("xy_zj", "老年服务与管理短期培训", "老年人服务与管理",
             K.TEACHER_TRAINING,
             "为乡镇敬老院护理员开展老年照护培训。",
             d(2026, 12, 1), d(2027, 1, 15), S.CANCELLED, urgency=2,
             cancelled_from=S.SUBMITTED,
             comment="培训对象已由县民政局另行安排。",
             created=d(2026, 10, 18)),
    # ---- Pingli ------------------------------------------------------------------
    NeedSpec("pl_cl", "茶旅融合导游讲解培训", "导游服务", K.TEACHER_TRAINING,
             "围绕女娲山茶镇等茶旅线路，培训导游讲解和接待服务。",
             d(2026, 9, 1), d(2026, 11, 15), S.FULFILLED, urgency=3,
             diagnosis=(3, 3, 5, 4),
             goals=("培训茶旅讲解员25名",), teachers=("彭俊杰",),
             created=d(2026, 6, 14)),
    NeedSpec("pl_cl", "绞股蓝茶加工工艺教学", "茶叶生产与加工", K.TEACHING,
             "平利绞股蓝是地理标志产品，需教师承担绞股蓝茶加工工艺和品质检验教学。",
             d(2026, 9, 7), d(2027, 1, 10), S.MATCHED, urgency=4,
             diagnosis=(4, 3, 5, 4),
             goals=("开发绞股蓝茶加工实训项目4个", "带教本校教师2名"),
             teachers=("朱红梅",), created=d(2026, 6, 28)),
    NeedSpec("pl_zj", "电商直播带货教学", "直播电商服务", K.TEACHING,
             "电商专业直播带货课程，结合平利茶叶和富硒农产品开展实训。",
             d(2026, 9, 14), d(2027, 1, 15), S.MATCHED, urgency=4,
             diagnosis=(4, 4, 5, 3),
             goals=("学生完成直播实训30场",), teachers=("黄丽",),
             created=d(2026, 7, 8)),
    NeedSpec("pl_zj", "中药材种植技术培训", "中草药栽培", K.TEACHER_TRAINING,
             "面向种植大户和合作社，培训黄精、杜仲等中药材种植技术。",
             d(2027, 3, 1), d(2027, 6, 15), S.OPEN, urgency=3,
             diagnosis=(3, 4, 5, 3), goals=("培训种植户60人次",),
             created=d(2026, 10, 11)),
    NeedSpec("pl_zj", "会计专业实训教学", "会计事务", K.TEACHING,
             "会计专业二年级业财一体化实训教学。",
             d(2027, 3, 1), d(2027, 6, 30), S.OPEN, urgency=2,
             diagnosis=(2, 3, 3, 4), goals=("学生初级会计证书通过率60%",),
             created=d(2026, 10, 19)),
    NeedSpec("pl_zj", "高星级饭店服务实训", "高星级饭店运营与管理", K.TEACHING,
             "配合县城新开业酒店用工需求，开展客房与餐饮服务实训。",
             d(2027, 3, 1), d(2027, 6, 30), S.SUBMITTED, urgency=3,
             created=d(2026, 11, 14)),
    NeedSpec("pl_cl", "茶叶质量检测实训", "食品安全与检测技术", K.LAB_SETUP,
             "建设茶叶农残与品质检测实训室。",
             d(2027, 3, 15), d(2027, 6, 30), S.DRAFT, urgency=3,
             created=d(2026, 11, 22)),
    NeedSpec("pl_zj", "城市轨道交通运营服务专业开设", "城市轨道交通运营服务",
             K.CURRICULUM,
             "拟开设城市轨道交通运营服务专业。",
             d(2027, 3, 1), d(2027, 7, 1), S.REJECTED, urgency=1,
             comment="县域内无对口就业渠道，不予立项。",
             created=d(2026, 9, 30)),
    NeedSpec("pl_cl", "茶园观光线路设计", "旅游服务与管理", K.CURRICULUM,
             "设计茶园观光研学线路。",
             d(2027, 3, 1), d(2027, 5, 31), S.CANCELLED, urgency=2,
             diagnosis=(2, 2, 4, 3), goals=("设计研学线路3条",),
             cancelled_from=S.OPEN,
             comment="县文旅局已统一规划，需求撤回。",
             created=d(2026, 9, 25)),
]
# fmt: on

ACTIVITY_NOTES = {
    ActivityKind.LESSON: "实训课：{title}",
    ActivityKind.MENTORING: "听课评课，指导本校青年教师",
    ActivityKind.TRAINING: "专题培训：{title}",
    ActivityKind.CURRICULUM: "研讨课程标准与教学资源",
}

ROLE_NAMES = {
    Role.ADMIN: "平台管理员",
    Role.COORDINATOR: "县级协调员",
    Role.SCHOOL_STAFF: "受援学校联络员",
    Role.TEACHER: "帮扶教师",
}


def _aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


@dataclass
class Login:
    username: str
    role: str
    name: str
    scope: str


@dataclass
class World:
    counties: dict[str, County] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    teachers: dict[str, Teacher] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)  # school key -> user
    coordinators: dict[str, User] = field(default_factory=dict)  # county key -> user
    logins: list[Login] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


def upsert(model, lookup: dict[str, Any], values: dict[str, Any]):
    """Find by ``lookup``; create with ``values``, or bring drifted fields back to
    them (saving only what differs, so an unchanged object is not written)."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        if any(f.name == "updated_at" for f in model._meta.fields):
            changed.append("updated_at")
        obj.save(update_fields=changed)
    return obj, False


class Command(BaseCommand):
    help = (
        "Load the demo world (Liyang teachers, Baihe and neighbouring counties, a "
        "school year of needs) and print every demo login. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo password again on demo accounts that already exist.",
        )

    def handle(self, *args, **options):
        self.reset_passwords = options["reset_passwords"]
        self.password_hash = make_password(DEMO_PASSWORD)
        world = World()
        with transaction.atomic():
            self.places(world)
            self.accounts(world)
            self.supply(world)
            self.needs(world)
            seed_demo_thread()
            self.team_proposal(world)
        for cycle, what in evaluation_demo.load().items():
            self.stdout.write(f"考核周期 {cycle}：{what}")
        self.report(world)

    # --- reference data ----------------------------------------------------------
    def places(self, world: World) -> None:
        for key, (name, province, code) in COUNTIES.items():
            county, created = upsert(
                County, {"code": code}, {"name": name, "province": province}
            )
            world.counties[key] = county
            world.count("counties", created)
        for a, b in NEIGHBOURS:
            world.counties[a].neighbours.add(world.counties[b])
        for key, (name, county_key, kind, _u, _n) in SCHOOLS.items():
            school, created = upsert(
                School,
                {"county": world.counties[county_key], "name": name},
                {"kind": kind},
            )
            world.schools[key] = school
            world.count("schools", created)

    def user(self, world: World, username: str, name: str, role: str, **values) -> User:
        user, created = upsert(
            User,
            {"username": username},
            {"first_name": name, "last_name": "", "role": role, **values},
        )
        if created or self.reset_passwords:
            user.password = self.password_hash
            user.save(update_fields=["password"])
        world.count("users", created)
        return user

    def accounts(self, world: World) -> None:
        admin = self.user(
            world,
            "admin",
            "平台管理员",
            Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
        world.logins.append(
            Login("admin", ROLE_NAMES[Role.ADMIN], "平台管理员", "全部")
        )
        del admin
        for username, name, county_keys in COORDINATORS:
            user = self.user(world, username, name, Role.COORDINATOR)
            counties = [world.counties[k] for k in county_keys]
            user.counties.set(counties)
            if len(county_keys) == 1:
                world.coordinators.setdefault(county_keys[0], user)
            world.logins.append(
                Login(
                    username,
                    ROLE_NAMES[Role.COORDINATOR],
                    name,
                    "、".join(c.name for c in counties),
                )
            )
        for key, (school_name, _c, kind, username, name) in SCHOOLS.items():
            if kind != SchoolKind.ASSISTED:
                continue
            school = world.schools[key]
            world.staff[key] = self.user(
                world, username, name, Role.SCHOOL_STAFF, school=school
            )
            world.logins.append(
                Login(username, ROLE_NAMES[Role.SCHOOL_STAFF], name, school_name)
            )

    # --- teachers and teams ------------------------------------------------------
    def supply(self, world: World) -> None:
        specialties = {s.name: s for s in Specialty.objects.current()}
        for spec in TEACHERS:
            user = self.user(world, spec.username, spec.name, Role.TEACHER)
            school = world.schools[spec.school]
            teacher, created = upsert(
                Teacher,
                {"home_school": school, "name": spec.name},
                {
                    "title": spec.title,
                    "county": world.counties[spec.county],
                    "phone": spec.phone,
                    "available_from": spec.window[0],
                    "available_until": spec.window[1],
                    "capacity": spec.capacity,
                    "can_lead": spec.name in CAN_LEAD,
                    "active": spec.active,
                    "user": user,
                },
            )
            world.count("teachers", created)
            wanted = {}
            for name, level in spec.skills:
                if name not in specialties:
                    raise CommandError(f"{name} is not in the specialty catalogue")
                wanted[specialties[name].pk] = level
            current = {s.specialty_id: s for s in teacher.skills.all()}
            for specialty_id, skill in current.items():
                if specialty_id not in wanted:
                    skill.delete()
            for specialty_id, level in wanted.items():
                _skill, made = upsert(
                    TeacherSkill,
                    {"teacher": teacher, "specialty_id": specialty_id},
                    {"level": level},
                )
                world.count("skills", made)
            world.teachers[spec.name] = teacher
            world.logins.append(
                Login(
                    spec.username,
                    ROLE_NAMES[Role.TEACHER],
                    spec.name,
                    f"{school.name} → {world.counties[spec.county].name}"
                    + ("" if spec.active else "（已停用）"),
                )
            )
        for name, county_key, (start, end), leader, members in TEAMS:
            team, created = upsert(
                Team,
                {
                    "county": world.counties[county_key],
                    "name": name,
                    "start_date": start,
                },
                {"end_date": end, "leader": world.teachers[leader]},
            )
            team.members.set([world.teachers[m] for m in members])
            world.count("teams", created)

    def team_proposal(self, world: World) -> None:
        school_key, (start, end), low, high = TEAM_PROPOSAL
        school = world.schools[school_key]
        if TeamProposal.objects.filter(school=school, start_date=start).exists():
            return
        team_proposal_create(
            actor=world.coordinators["baihe"],
            school=school,
            start_date=start,
            end_date=end,
            min_size=low,
            max_size=high,
        )
        world.count("team proposals", True)

    # --- needs and their history -------------------------------------------------
    def needs(self, world: World) -> None:
        specialties = {s.name: s for s in Specialty.objects.current()}
        now = timezone.now()
        for index, spec in enumerate(NEEDS):
            school = world.schools[spec.school]
            if Need.objects.filter(
                school=school, title=spec.title, start_date=spec.start
            ).exists():
                continue  # seeded before: leave it and its history alone
            if spec.specialty not in specialties:
                raise CommandError(f"{spec.specialty} is not in the catalogue")
            self.seed_need(world, index, spec, specialties[spec.specialty], now)
            world.count("needs", True)
        self.check_capacity(world)

    def seed_need(
        self,
        world: World,
        index: int,
        spec: NeedSpec,
        specialty: Specialty,
        now: dt.datetime,
    ) -> None:
        school = world.schools[spec.school]
        staff = world.staff[spec.school]
        county_key = SCHOOLS[spec.school][1]
        coordinator = world.coordinators[county_key]
        minute = index % 50
        reviewed_at = _aware(spec.created + dt.timedelta(days=7), 15, minute)
        at = {
            "create": _aware(spec.created, 9, minute),
            "submit": _aware(spec.created + dt.timedelta(days=2), 10, minute),
            "return": reviewed_at,
            "reject": reviewed_at,
            "approve": reviewed_at,
            "accept": _aware(
                max(
                    spec.created + dt.timedelta(days=20),
                    spec.start - dt.timedelta(days=10),
                ),
                16,
                minute,
            ),
            "confirm": min(_aware(spec.end + dt.timedelta(days=1), 11), now),
            "cancel": _aware(
                min(spec.created + dt.timedelta(days=30), now.date()), 14, minute
            ),
        }
        comments = {
            "return": spec.comment,
            "reject": spec.comment,
            "approve": "诊断通过，纳入帮扶计划。",
            "confirm": "帮扶目标已完成，确认结项。",
            "cancel": spec.comment,
        }
        approved = spec.diagnosis is not None
        filled = len(spec.teachers)
        if filled > spec.headcount:
            raise CommandError(f"{spec.title}: more teachers than headcount")
        if spec.status in (S.MATCHED, S.FULFILLED) and filled != spec.headcount:
            raise CommandError(f"{spec.title}: a matched need fills every place")
        priority = (
            priority_score(
                urgency=spec.diagnosis[0],
                students_affected=spec.diagnosis[1],
                industry_fit=spec.diagnosis[2],
                readiness=spec.diagnosis[3],
            )
            if approved
            else None
        )
        need, transitions = need_row(
            spec.status,
            staff=staff,
            coordinator=coordinator,
            at=at,
            comments=comments,
            cancelled_from=spec.cancelled_from or S.DRAFT,
            returned=spec.returned,
            school=school,
            specialty=specialty,
            kind=spec.kind,
            title=spec.title,
            description=spec.description,
            headcount=spec.headcount,
            start_date=spec.start,
            end_date=spec.end,
            urgency=spec.urgency,
            priority_score=priority,
            taken=filled,
        )
        need.save()
        Need.objects.filter(pk=need.pk).update(
            created_at=at["create"], updated_at=transitions[-1].created_at
        )
        copy_transitions([(need.pk, transitions)])
        matched_at = need.matched_at
        if approved:
            urgency, students, fit, readiness = spec.diagnosis
            Diagnosis.objects.create(
                need=need,
                urgency=urgency,
                students_affected=students,
                industry_fit=fit,
                readiness=readiness,
                priority_score=priority,
                diagnosed_by=coordinator,
            )
            # Unmarked: the schools and teachers mark them where the work
            # happens (demo/evaluations.py, through the services).
            for position, text in enumerate(spec.goals):
                PlanGoal.objects.create(need=need, text=text, position=position)
        for number, teacher_name in enumerate(spec.teachers):
            teacher = world.teachers[teacher_name]
            self.seed_assignment(
                need,
                teacher,
                number,
                coordinator,
                decided=matched_at or _aware(spec.created + dt.timedelta(days=15), 10),
                status=assignment_status_for(spec.status),
            )

    def seed_assignment(
        self,
        need: Need,
        teacher: Teacher,
        number: int,
        coordinator: User,
        *,
        decided: dt.datetime,
        status: str,
    ) -> None:
        weights = settings.MATCHING_WEIGHTS
        # As the solver scores it: the best of exact, same class and same family.
        skills = list(teacher.skills.select_related("specialty"))
        need_class = need.specialty.specialty_class_id
        specialty_part = max(
            [weights["specialty_family"] * s.level / 5 for s in skills]
            + [
                weights["specialty_class"] * s.level / 5
                for s in skills
                if need_class is not None
                and s.specialty.specialty_class_id == need_class
            ]
            + [
                weights["specialty_exact"] * s.level / 5
                for s in skills
                if s.specialty_id == need.specialty_id
            ],
            default=weights["specialty_family"] / 5,
        )
        need_days = (need.end_date - need.start_date).days + 1
        overlap_days = (
            min(need.end_date, teacher.available_until)
            - max(need.start_date, teacher.available_from)
        ).days + 1
        breakdown = {
            "specialty": round(specialty_part, 2),
            "overlap": round(weights["overlap"] * max(overlap_days, 0) / need_days, 2),
            "place": weights["place_same"],
            "priority": round(
                weights["priority"] * (need.priority_score or 0) / 100, 2
            ),
            "coverage": weights["coverage"] if number == 0 else 0.0,
        }
        assignment = Assignment.objects.create(
            need=need,
            teacher=teacher,
            status=status,
            score=round(sum(breakdown.values()), 2),
            breakdown=breakdown,
            decided_by=coordinator,
            decided_at=decided,
        )
        Assignment.objects.filter(pk=assignment.pk).update(created_at=decided)
        self.seed_activities(assignment, need)

    def seed_activities(self, assignment: Assignment, need: Need) -> None:
        last_day = min(need.end_date, timezone.localdate() - dt.timedelta(days=2))
        kinds = {
            K.TEACHING: [ActivityKind.LESSON, ActivityKind.MENTORING],
            K.CURRICULUM: [ActivityKind.CURRICULUM, ActivityKind.MENTORING],
            K.TEACHER_TRAINING: [ActivityKind.TRAINING, ActivityKind.MENTORING],
            K.LAB_SETUP: [ActivityKind.OTHER, ActivityKind.TRAINING],
        }.get(need.kind, [ActivityKind.LESSON, ActivityKind.TRAINING])
        day = need.start_date + dt.timedelta(days=3 + assignment.teacher_id % 4)
        number = 0
        while day <= last_day and number < 6:
            kind = kinds[number % len(kinds)]
            note = ACTIVITY_NOTES.get(kind, "{title}：现场指导").format(
                title=need.title
            )
            Activity.objects.create(
                assignment=assignment,
                date=day,
                kind=kind,
                hours=Decimal(4 if kind == ActivityKind.TRAINING else 2),
                local_teachers_reached=3 + (number + need.pk) % 6
                if kind != ActivityKind.LESSON
                else 1,
                students_reached=0
                if kind == ActivityKind.MENTORING
                else 35 + number * 3,
                note=note,
            )
            number += 1
            day += dt.timedelta(days=14)

    def check_capacity(self, world: World) -> None:
        for teacher in world.teachers.values():
            live = teacher.assignments.filter(
                status__in=[AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED]
            ).count()
            if live > teacher.capacity:
                raise CommandError(
                    f"{teacher.name}: {live} live assignments, "
                    f"capacity {teacher.capacity}"
                )

    # --- output ------------------------------------------------------------------
    def report(self, world: World) -> None:
        out = self.stdout
        labels = {
            "counties": "县",
            "schools": "学校",
            "users": "账号",
            "teachers": "帮扶教师",
            "skills": "专业技能",
            "teams": "团队",
            "needs": "需求",
            "team proposals": "组团方案",
        }
        summary = "，".join(
            f"{labels.get(k, k)} {v}" for k, v in world.created.items() if v
        )
        out.write(
            self.style.SUCCESS(
                "演示数据已就绪"
                + (f"（本次新建：{summary}）" if summary else "（无变化，已是最新）")
            )
        )
        out.write(
            f"县 {County.objects.count()} · 学校 {School.objects.count()} · "
            f"帮扶教师 {Teacher.objects.count()} · 团队 {Team.objects.count()} · "
            f"需求 {Need.objects.count()} · 用户 {User.objects.count()}"
        )
        out.write("")
        out.write(f"演示账号（所有账号的密码均为：{DEMO_PASSWORD}）")
        headers = ("用户名", "角色", "姓名", "范围")
        rows = [(x.username, x.role, x.name, x.scope) for x in world.logins]
        widths = [
            max(_width(str(row[i])) for row in [headers, *rows]) for i in range(4)
        ]
        line = "  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))
        out.write(line.rstrip())
        out.write("  ".join("-" * w for w in widths))
        for row in rows:
            out.write(
                "  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        if not self.reset_passwords:
            out.write("（已存在的账号保留原密码；用 --reset-passwords 恢复演示密码。）")
