"""Metadata recovered from full text: heading, parties, closing block, citations (synthetic texts)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.ingest.extract import extract_metadata
from flows.ingest.extract.numerals import parse_cn_date, small_number

CRIMINAL = (
    "某甲盗窃一审刑事判决书 安徽省蒙城县人民法院 刑 事 判 决 书 （2016）皖1622刑初433号 "
    "公诉机关安徽省蒙城县人民检察院。 被告人甲某，男，1980年1月1日出生。因涉嫌犯盗窃罪于2016年3月1日被刑事拘留。 "
    "辩护人乙某，安徽某律师事务所律师。 被告人丙某，女，1985年2月2日出生。 "
    "安徽省蒙城县人民检察院以蒙检刑诉〔2016〕100号起诉书指控被告人甲某、丙某犯盗窃罪，于2016年5月1日向本院提起公诉。"
    "本院认为，……依照《中华人民共和国刑法》第二百六十四条、第二十五条第一款、第六十七条第三款及"
    "《最高人民法院关于审理盗窃刑事案件适用法律若干问题的解释》第一条之规定，判决如下： 一、被告人甲某犯盗窃罪…… "
    "审 判 长 张三 人民陪审员 李四 人民陪审员 王五 二〇一六年十二月二十日 书 记 员 赵六 "
    "附：相关法律条文 《中华人民共和国刑法》 第二百六十四条 …… 本法自一九九七年十月一日起施行。"
)
CIVIL = (
    "重庆市渝中区人民法院\n民事判决书\n（2018）渝0103民初21102号\n原告：某银行股份有限公司重庆市分行。\n"
    "负责人：甲。\n委托诉讼代理人：乙。\n被告：丙，男。\n第三人：丁公司。\n"
    "原告某银行股份有限公司重庆市分行与被告丙信用卡纠纷一案，本院于2018年9月1日立案后……\n"
    "审判员　戊\n二○一八年十一月十五日\n书记员　己"
)


def test_criminal_judgment_heading_parties_and_closing():
    meta = extract_metadata(CRIMINAL)
    assert (meta.court_name, meta.document_type, meta.document_type_line) == ("安徽省蒙城县人民法院", "判决书", "刑事判决书")
    assert meta.case_number == "（2016）皖1622刑初433号"
    assert meta.party_roles == {"公诉机关": 1, "被告人": 2} and meta.parties_count == 3
    assert meta.judgment_date == date(2016, 12, 20)  # not the 1997 date of the appended law text
    assert meta.judges_count == 3
    assert meta.cause == "盗窃罪"
    assert meta.legal_basis == [
        "《中华人民共和国刑法》第二百六十四条",
        "《中华人民共和国刑法》第二十五条第一款",
        "《中华人民共和国刑法》第六十七条第三款",
        "《最高人民法院关于审理盗窃刑事案件适用法律若干问题的解释》第一条",
    ]


def test_civil_judgment_counts_roles_not_representatives():
    meta = extract_metadata(CIVIL, title="某银行与丙信用卡纠纷一审民事判决书")
    assert meta.court_name == "重庆市渝中区人民法院" and meta.document_type == "判决书"
    assert meta.party_roles == {"原告": 1, "被告": 1, "第三人": 1}
    assert (meta.judgment_date, meta.judges_count) == (date(2018, 11, 15), 1)
    assert meta.cause == "信用卡纠纷"


def test_nothing_is_guessed_from_a_text_without_structure():
    meta = extract_metadata("这是一段没有任何结构的文字。")
    assert meta.court_name is None and meta.case_number is None and meta.judgment_date is None
    assert meta.party_roles == {} and meta.judges_count is None and meta.legal_basis == []


def test_document_type_from_the_title_when_the_text_has_no_type_line():
    meta = extract_metadata("某某人民法院 被告人甲某……", title="甲某故意伤害死刑复核刑事裁定书")
    assert meta.document_type == "裁定书"


def test_unknown_civil_wording_is_not_taken_as_cause():
    """Words before 纠纷 can be a name: only a cause on the reference list is taken."""
    assert extract_metadata("原告张三与李四之间的张三李四纠纷一案").cause is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇一六年十二月二十日", date(2016, 12, 20)),
        ("二零一七年元月三日", date(2017, 1, 3)),
        ("二○一五年十月十日", date(2015, 10, 10)),
        ("二Ο一七年二月二十三日", date(2017, 2, 23)),
        ("二〇一九年一月三十一日", date(2019, 1, 31)),
        ("2016年12月20日", date(2016, 12, 20)),
        ("二〇一六年二月三十日", None),
        ("二〇一六年十三月一日", None),
        ("二〇一六年四月××日", None),
    ],
)
def test_chinese_numeral_dates(text, expected):
    assert parse_cn_date(text) == expected


_DIGITS = "〇一二三四五六七八九"


def _cn_small(n: int, zero: str) -> str:
    tens, units = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "十" if tens else "") + (_DIGITS[units] if units else "")


@given(day=st.dates(date(1949, 10, 1), date(2099, 12, 31)), zero=st.sampled_from("〇零○"))
def test_any_date_written_in_chinese_numerals_parses_back(day, zero):
    year = "".join(_DIGITS[int(d)] for d in str(day.year)).replace("〇", zero)
    assert parse_cn_date(f"{year}年{_cn_small(day.month, zero)}月{_cn_small(day.day, zero)}日") == day


@given(st.integers(1, 99))
def test_small_numbers(n):
    assert small_number(_cn_small(n, "〇")) == n
