import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    ("raw", "type_code", "tribunal"),
    [
        ("（2014）秦刑再终字第3号", "刑再", None),
        ("（2014）鄂刑监一再终字第00023号", "刑再", "一"),
        ("（2013）浙绍刑抗再字第6号", "刑再", None),
        ("（2015）西刑速初字第00088号", "刑初", None),
        ("（2015）汕金法刑重字第6号", "刑初", None),
        ("（2012）海民二终字第7号", "民终", "二"),
        ("（2011）黄刑一初字第45号", "刑初", "一"),
        ("（2010）湛中法刑二初字第26号", "刑初", "二"),
    ],
)
def test_legacy_stacked_codes_reduce_to_their_stage(raw, type_code, tribunal):
    decoded = decode_case_number(raw)
    assert decoded.ok, decoded.error
    assert (decoded.case_type_code, decoded.tribunal, decoded.style) == (type_code, tribunal, "legacy")


def test_unknown_type_code_keeps_the_court_it_names():
    decoded = decode_case_number("（2017）浙0781刑254号")
    assert decoded.error == "unknown_case_type_code"
    assert (decoded.year, decoded.province_abbr, decoded.court_code, decoded.sequence) == (2017, "浙", "0781", 254)


def test_find_prefers_a_candidate_that_decodes():
    text = "某某人民法院 刑事判决书 （2014）84号 （2014）格刑初字第117号 公诉机关…"
    assert find_case_number(text) == "（2014）格刑初字第117号"
    assert find_case_number("某某人民法院 刑事判决书 （2014）84号 公诉机关…") is None


_FULLWIDTH = str.maketrans("0123456789()", "０１２３４５６７８９（）")
_TYPE_CODES = ("刑初", "刑终", "民初", "民终", "行初", "执", "执恢", "刑更", "民特", "刑再")


@given(
    year=st.integers(1990, 2030),
    province=st.sampled_from(list("京津冀晋辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新")),
    court_code=st.sampled_from([0, 2, 4]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
    type_code=st.sampled_from(_TYPE_CODES),
    sequence=st.integers(1, 999999),
    fullwidth=st.booleans(),
    spaced=st.booleans(),
    bracket=st.sampled_from(["()", "（）", "〔〕", "[]"]),
)
def test_modern_case_numbers_round_trip(year, province, court_code, type_code, sequence, fullwidth, spaced, bracket):
    raw = f"{bracket[0]}{year}{bracket[1]}{province}{court_code}{type_code}{sequence}号"
    if spaced:
        raw = raw.replace(province, f" {province} ").replace(type_code, f"{type_code} ")
    if fullwidth:
        raw = raw.translate(_FULLWIDTH)
    decoded = decode_case_number(raw)
    assert decoded.ok, (raw, decoded.error)
    assert (decoded.year, decoded.province_abbr, decoded.court_code) == (year, province, court_code)
    assert (decoded.case_type_code, decoded.sequence, decoded.style) == (type_code, sequence, "2016")


@given(
    year=st.integers(1990, 2015),
    court=st.sampled_from(["蒙", "西", "浦", "汕金法", "湛中法", "宝兴", "秦"]),
    category=st.sampled_from(["刑", "民", "行"]),
    tribunal=st.sampled_from(["", "一", "二", "三"]),
    stage=st.sampled_from(["初", "终", "再", "再终", "监", "申"]),
    sequence=st.integers(1, 99999),
    zero_pad=st.booleans(),
)
def test_legacy_case_numbers_decode(year, court, category, tribunal, stage, sequence, zero_pad):
    number = f"{sequence:05d}" if zero_pad else str(sequence)
    decoded = decode_case_number(f"（{year}）{court}{category}{tribunal}{stage}字第{number}号")
    assert decoded.ok, decoded.error
    assert (decoded.year, decoded.sequence, decoded.style, decoded.court_abbr) == (year, sequence, "legacy", court)
    assert decoded.case_type_code == category + ("再" if "再" in stage else stage)
    assert decoded.tribunal == (tribunal or None)


@given(st.text(max_size=40))
def test_decoder_never_raises(raw):
    decoded = decode_case_number(raw)
    assert decoded.ok or decoded.error
