import json

import pytest

from flows.ingest.case_number import decode_case_number, find_case_number


@pytest.mark.parametrize(
    ("raw", "year", "province", "court_code", "type_code", "sequence", "style"),
    [
        ("（2016）皖1622刑初433号", 2016, "皖", "1622", "刑初", 433, "2016"),
        ("(2016)皖1622刑初433号", 2016, "皖", "1622", "刑初", 433, "2016"),
        ("（２０１６） 皖 1622 刑初 433 号", 2016, "皖", "1622", "刑初", 433, "2016"),
        ("（2017）粤刑终100号", 2017, "粤", "", "刑终", 100, "2016"),
        ("（2019）沪01刑终9号", 2019, "沪", "01", "刑终", 9, "2016"),
        ("（2020）内0102民初77号", 2020, "内", "0102", "民初", 77, "2016"),
        ("（2021）浙0102执恢3号", 2021, "浙", "0102", "执恢", 3, "2016"),
        ("（2016）最高法刑核12号", 2016, "最高法", "", "刑核", 12, "2016"),
        ("（2013）蒙刑初字第00012号", 2013, None, None, "刑初", 12, "legacy"),
        ("〔2015〕浦刑初字第1234号", 2015, None, None, "刑初", 1234, "legacy"),
    ],
)
def test_decodes_both_styles(raw, year, province, court_code, type_code, sequence, style):
    decoded = decode_case_number(raw)
    assert decoded.ok, decoded.error
    assert (decoded.year, decoded.province_abbr, decoded.court_code) == (year, province, court_code)
    assert (decoded.case_type_code, decoded.sequence, decoded.style) == (type_code, sequence, style)
    assert decoded.normalised.startswith("（") and decoded.normalised.endswith("号")


def test_tribunal_numeral_is_split_from_the_type_code():
    decoded = decode_case_number("（2014）西刑二初字第5号")
    assert (decoded.case_type_code, decoded.tribunal, decoded.court_abbr) == ("刑初", "二", "西")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), (None, "empty"), ("无", "no_case_number"), ("abc", "unrecognised_shape"),
     ("（1800）京0101刑初1号", "implausible_year"), ("（2016）京0101喵喵1号", "unknown_case_type_code")],
)  # fmt: skip
def test_refuses_with_a_reason(raw, reason):
    decoded = decode_case_number(raw)
    assert not decoded.ok and decoded.error == reason


def test_finds_the_case_number_in_the_opening_of_a_text():
    text = "上海市奉贤区人民法院 刑事判决书 （2017）沪0120刑初684号 公诉机关上海市奉贤区人民检察院。"
    assert find_case_number(text) == "（2017）沪0120刑初684号"
    assert find_case_number("没有案号的文字") is None


def test_real_judgments_decode(shared_data):
    """Every 案号 found in the JuDGE sample decodes (the sample has a handful with none)."""
    found = decoded = 0
    with open(shared_data / "judgments" / "judge_test.jsonl", encoding="utf-8") as handle:
        for line in handle:
            number = find_case_number(json.loads(line)["fd"])
            if number:
                found += 1
                decoded += decode_case_number(number).ok
    assert found >= 490
    assert decoded / found >= 0.99
