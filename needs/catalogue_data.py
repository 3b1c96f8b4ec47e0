"""The 2021 secondary vocational specialty catalogue (中等职业教育专业目录(2021年)).

The 19 families (专业大类), 88 classes (专业类) and 358 specialties come from
``data/secondary-vocational-specialties-2021.csv``: a copy of the Ministry's list
(教职成〔2021〕2号) shipped inside the repository, so that ``migrate`` on a fresh
machine needs no file from elsewhere. A test compares it code by code with the
reference copy kept beside the repository. Loaded by the data migrations; later
additions (增补专业) arrive through ``manage.py import_catalogue``.

Nothing here imports Django: the migrations, the import command and the tests read
the same tuples."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "secondary-vocational-specialties-2021.csv"

#: The columns of the catalogue file, in order (the import command takes the same).
COLUMNS = ("code", "name", "class_code", "class_name", "family_code", "family_name")


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    name: str
    class_code: str
    class_name: str
    family_code: str
    family_name: str


class CatalogueFileError(ValueError):
    """A catalogue file that does not have the expected columns or codes."""


def read_catalogue(path: Path | str) -> list[CatalogueRow]:
    """The rows of a catalogue file (UTF-8 CSV with ``COLUMNS``), checked: codes of
    6, 4 and 2 digits that nest (610101 in class 6101 in family 61), no code twice."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise CatalogueFileError(f"missing columns: {', '.join(missing)}")
        rows = []
        seen: set[str] = set()
        for number, raw in enumerate(reader, start=2):
            row = CatalogueRow(*(str(raw[c] or "").strip() for c in COLUMNS))
            if not all(getattr(row, c) for c in COLUMNS):
                raise CatalogueFileError(f"line {number}: every column needs a value")
            if not (
                len(row.code) == 6
                and row.code.isdigit()
                and row.code.startswith(row.class_code)
                and len(row.class_code) == 4
                and row.class_code.startswith(row.family_code)
                and len(row.family_code) == 2
            ):
                raise CatalogueFileError(
                    f"line {number}: codes {row.code} / {row.class_code} / "
                    f"{row.family_code} do not nest (6, 4 and 2 digits)"
                )
            if row.code in seen:
                raise CatalogueFileError(f"line {number}: code {row.code} twice")
            seen.add(row.code)
            rows.append(row)
    return rows


ROWS: tuple[CatalogueRow, ...] = tuple(read_catalogue(DATA_FILE))

FAMILY_NAMES_EN: dict[str, str] = {
    "61": "Agriculture, Forestry, Animal Husbandry and Fishery",
    "62": "Resources, Environment and Safety",
    "63": "Energy, Power and Materials",
    "64": "Civil Engineering and Architecture",
    "65": "Water Conservancy",
    "66": "Equipment Manufacturing",
    "67": "Biology and Chemical Engineering",
    "68": "Light Industry and Textiles",
    "69": "Food, Pharmaceuticals and Grain",
    "70": "Transportation",
    "71": "Electronics and Information Technology",
    "72": "Medicine and Health",
    "73": "Finance, Economics and Commerce",
    "74": "Tourism",
    "75": "Culture and Arts",
    "76": "Journalism and Communication",
    "77": "Education and Sports",
    "78": "Public Security and Judicial Affairs",
    "79": "Public Administration and Services",
}

#: (code, Chinese name, English name)
FAMILIES: tuple[tuple[str, str, str], ...] = tuple(
    sorted(
        {
            (r.family_code, r.family_name, FAMILY_NAMES_EN.get(r.family_code, ""))
            for r in ROWS
        }
    )
)

#: (4-digit code, Chinese name, family code)
CLASSES: tuple[tuple[str, str, str], ...] = tuple(
    sorted({(r.class_code, r.class_name, r.family_code) for r in ROWS})
)

#: (6-digit code, Chinese name, family code)
SPECIALTIES: tuple[tuple[str, str, str], ...] = tuple(
    (r.code, r.name, r.family_code) for r in ROWS
)

#: 6-digit code -> 4-digit class code
SPECIALTY_CLASS: dict[str, str] = {r.code: r.class_code for r in ROWS}

#: Former and common names schools still write -> the 2021 code they became.
#: The 2010 names follow the Ministry's table of old and new secondary specialties
#: (中等职业教育专业目录新旧专业对照表, 2021); the others are names this platform
#: shipped before it loaded the official list, each the predecessor of one 2021
#: specialty of the same class. The upgrade migration matches stored rows by these
#: names as well as by the official names; imports answer them with a suggestion.
FORMER_NAMES: dict[str, str] = {
    # 2010 catalogue names
    "学前教育": "770101",  # 幼儿保育
    "现代农艺技术": "610102",  # 作物生产技术
    "农业机械使用与维护": "610113",  # 农机设备应用与维修
    "种子生产与经营": "610101",  # 种子生产技术
    "中草药种植": "610108",  # 中草药栽培
    "烟草生产与加工": "610109",  # 烟草栽培与加工
    "发电厂及变电站电气设备": "630101",  # 发电厂及变电站运行与维护
    "楼宇智能化设备安装与运行": "640401",  # 建筑智能化设备安装与运维
    "工程造价": "640501",  # 建筑工程造价
    "制冷和空调设备运行与维修": "660205",  # 制冷和空调设备运行与维护
    "船舶制造与修理": "660501",  # 船体修造技术
    "工业分析与检验": "670207",  # 分析检验技术
    "印刷技术": "680301",  # 印刷媒体技术
    "公路施工与养护": "700201",  # 道路与桥梁工程施工
    "通信技术": "710301",  # 现代通信技术应用
    "出版与发行": "760101",  # 出版商务
    "播音与节目主持": "760201",  # 播音与主持
    "家政服务与管理": "790301",  # 现代家政服务与管理
    "建筑装饰": "640102",  # 建筑装饰技术
    "物业管理": "640702",  # 物业服务
    "会计": "730301",  # 会计事务
    "会计电算化": "730301",  # 会计事务
    "中餐烹饪与营养膳食": "740201",  # 中餐烹饪
    "美容美体": "750111",  # 美容美体艺术
    # names this platform shipped before 2021's list was loaded
    "农业设备应用与维修": "610113",  # 农机设备应用与维修
    "水产养殖技术": "610401",  # 淡水养殖 (inland counties)
    "水利工程施工": "650202",  # 水利水电工程施工
    "纺织技术应用": "680401",  # 纺织技术与服务
    "铁道施工与养护": "700101",  # 铁道工程施工与维护
    "城市轨道交通供配电技术": "700603",  # 城市轨道交通供电
    "城市轨道交通信号技术": "700602",  # 城市轨道交通信号维护
    "财税事务": "730101",  # 纳税事务
    "美术绘画": "750107",  # 绘画
    "民族工艺品制作": "750306",  # 民族工艺品设计与制作
    # short names in everyday use
    "电商": "730701",  # 电子商务
}

#: 2021 code -> its aliases (former and common names), in the order above.
ALIASES: dict[str, tuple[str, ...]] = {}
for _former, _code in FORMER_NAMES.items():
    ALIASES[_code] = (*ALIASES.get(_code, ()), _former)

#: Entries of the catalogue shipped before 2021's list that are not 2021 secondary
#: specialties at all -> the 2021 class closest to them (None: none is close). They
#: stay, retired, for the records that use them; matching compares them by class.
RETIRED: dict[str, str | None] = {
    "农村医学": None,
    "助产": "7202",  # 护理类
    "保险事务": "7302",  # 金融类
    "机电设备安装与维修": "6602",  # 机电设备类
    "生物技术制药": "6902",  # 药品与医疗器械类
    "美术设计与制作": "7501",  # 艺术设计类
    "智能安防运营与维护": "7807",  # 安全防范类
}

#: A retired entry's code: its former code behind this mark, so that it can never
#: be mistaken for (or collide with) the 2021 specialty that now has that code.
RETIRED_CODE_PREFIX = "R"
