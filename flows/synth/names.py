"""Synthetic people: anonymised party names (张某, 李某某, 王某1), officials' names, personal details.

Every name is made up from common surnames and given-name characters; nothing is taken from a
real judgment.
"""

from __future__ import annotations

from random import Random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
    "苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海波斌鹏辉飞宇浩俊峰文亮成林"
ETHNICITIES = {
    "新": ("维吾尔族", "汉族", "哈萨克族", "回族"),
    "藏": ("藏族", "汉族"),
    "桂": ("壮族", "汉族"),
    "宁": ("回族", "汉族"),
    "内": ("蒙古族", "汉族"),
    "黔": ("苗族", "布依族", "汉族"),
}
EDUCATION = ("文盲", "小学文化", "初中文化", "初中文化", "初中文化", "高中文化", "中专文化", "大学文化")
OCCUPATION = ("无业", "农民", "务工", "个体经营者", "无固定职业", "司机", "公司职员")


# Prebuilt from a fixed stream, so drawing a name is one random number.
_GIVEN_RNG = Random("wenshu-synth/names")
FULL_NAMES = tuple(
    SURNAMES[int(_GIVEN_RNG.random() * len(SURNAMES))]
    + GIVEN[int(_GIVEN_RNG.random() * len(GIVEN))]
    + (GIVEN[int(_GIVEN_RNG.random() * len(GIVEN))] if _GIVEN_RNG.random() < 0.7 else "")
    for _ in range(4096)
)
ANONYMISED = tuple(surname + suffix for surname in SURNAMES for suffix in ("某",) * 10 + ("某某",) * 7 + ("某1", "某2", "某3"))
BACKGROUNDS = tuple(f"{education}，{occupation}" for education in EDUCATION for occupation in OCCUPATION)


def pick(rng: Random, items: tuple[str, ...] | str) -> str:
    return items[int(rng.random() * len(items))]


def full_name(rng: Random) -> str:
    """A made-up full name (officials and, sometimes, defendants): 王伟文."""
    return FULL_NAMES[int(rng.random() * len(FULL_NAMES))]


def anonymised(rng: Random, used: set[str]) -> str:
    """张某 / 张某某 / 张某1, distinct within one document."""
    random, count = rng.random, len(ANONYMISED)
    for _ in range(20):
        name = ANONYMISED[int(random() * count)]
        if name not in used:
            used.add(name)
            return name
    name = f"{pick(rng, SURNAMES)}某{len(used) + 1}"
    used.add(name)
    return name


def party_name(rng: Random, used: set[str], full_share: float = 0.0) -> str:
    """A party's name: anonymised, or with ``full_share`` probability a made-up full name."""
    if full_share and rng.random() < full_share:
        name = full_name(rng)
        if name not in used:
            used.add(name)
            return name
    return anonymised(rng, used)


DETAILS = 1024  # clauses drawn per province's ethnicities
_DETAILS: dict[tuple[str, ...], tuple[tuple[bytes, int, bytes], ...]] = {}
_HAN = ("汉族",)


def person_details(rng: Random, year: int, province_abbr: str) -> bytes:
    """男，1985年3月2日出生，汉族，初中文化，务工 — the clause after a party's name (UTF-8), ``year`` the judgment's.

    One of DETAILS clauses (sex, age, birthday, ethnicity, background) per province's ethnicities,
    drawn once per process from a fixed stream; only the birth year is written per document.
    """
    ethnicities = ETHNICITIES.get(province_abbr, _HAN)
    clauses = _DETAILS.get(ethnicities)
    if clauses is None:
        clauses = _DETAILS[ethnicities] = _details(ethnicities)
    sex, age, rest = clauses[int(rng.random() * DETAILS)]
    return b"%s%d%s" % (sex, year - age, rest)


def _details(ethnicities: tuple[str, ...]) -> tuple[tuple[bytes, int, bytes], ...]:
    rng = Random(f"wenshu-synth/details/{'/'.join(ethnicities)}")
    random = rng.random

    def clause() -> tuple[bytes, int, bytes]:
        sex = "男，" if random() < 0.85 else "女，"
        age = 18 + int(random() * 45)
        born = f"年{1 + int(random() * 12)}月{1 + int(random() * 28)}日出生"
        ethnicity = pick(rng, ethnicities) if random() < 0.6 else "汉族"
        return sex.encode(), age, f"{born}，{ethnicity}，{BACKGROUNDS[int(random() * len(BACKGROUNDS))]}".encode()

    return tuple(clause() for _ in range(DETAILS))
