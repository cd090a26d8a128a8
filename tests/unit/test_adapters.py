"""Per-record format detection and field mapping, on synthetic records of every shape and on
the real captures in ../shared/data/raw_cjo."""

import json

import pytest

from flows.ingest.adapters import JUDGMENT_ADAPTERS, PayloadError, detect
from flows.ingest.adapters.cjo_codes import cjo_date, crawl_timestamp, literal_list
from flows.ingest.adapters.cjo_legacy import parse_page
from flows.ingest.inspect import inspect_file, inspect_record

HTML = "<div>某某县人民法院</div><div>刑 事 判 决 书</div><div>（2016）皖1622刑初1号</div><div>被告人甲某。</div>"


def _detect(obj):
    adapter = detect(obj, JUDGMENT_ADAPTERS)
    return adapter.name if adapter else None


WEB = {"id": "1", "doc_id": "abc", "channel": "web", "crawl_time": "2020-01-06 16:38:51",
       "source": json.dumps({"s1": "甲盗窃一审刑事判决书", "s2": "某某县人民法院", "s5": "abc", "s6": "01",
                             "s7": "（2016）皖1622刑初1号", "s8": "刑事案件", "s9": "刑事一审", "s31": "2016-12-20",
                             "s41": "2017-01-05", "s17": "['甲', '乙']", "s11": "['盗窃罪']",
                             "s47": "[{'tkx': '第二百六十四条', 'fgmc': '《中华人民共和国刑法》', 'fgid': '1'}]",
                             "qwContent": HTML}, ensure_ascii=False)}  # fmt: skip
APP = {"doc_id": "d-1", "channel": "app", "source": json.dumps({"Title": "t", "PubDate": "2017-01-05", "Html": HTML})}
PAGE = ('$(function(){var caseinfo=JSON.stringify({"文书ID":"p-1","案号":"（2016）皖1622刑初1号","法院名称":"某某县人民法院",'
        '"案件类型":"1","上传日期":"/Date(1388039700000)/","DocContent":""});});'
        '\nvar jsonHtmlData = "{\\"Title\\":\\"t\\",\\"PubDate\\":\\"2013-12-26\\",\\"Html\\":\\"<div>01lydyh01甲01lydyh01</div>\\"}";')  # fmt: skip


@pytest.mark.parametrize(
    ("obj", "name"),
    [
        ({"schema": "wenshu.judgment/1", "doc_id": "a", "text": "x"}, "wenshu_jsonl"),
        ({"doc_id": "a", "text": "x"}, "wenshu_jsonl"),
        (WEB, "cjo_web_api"),
        (json.loads(WEB["source"]), "cjo_web_api"),
        (APP, "cjo_app"),
        ({**APP, "source": json.loads(APP["source"])}, "cjo_app"),
        (PAGE, "cjo_legacy_page"),
        ({"文书ID": "p-1", "案号": "无"}, "cjo_legacy_page"),
        ({"text_id": "u", "fd": "全文", "text": "事实", "la": [264]}, "judge_dump"),
        ({"writId": "w", "qw": "全文", "writName": "t", "ajName": "n"}, "lecard_dump"),
        ({"something": "else"}, None),
        ("a bare string", None),
        ([1, 2], None),
    ],
)
def test_each_shape_is_detected(obj, name):
    assert _detect(obj) == name


def test_web_api_fields_decode_nested_json_and_repr_lists():
    fields = detect(WEB, JUDGMENT_ADAPTERS).to_fields(WEB)
    assert fields["doc_id"] == "abc" and fields["document_type"] == "判决书" and fields["cause"] == "盗窃罪"
    assert fields["parties"] == [{"name": "甲"}, {"name": "乙"}]
    assert fields["legal_basis"] == ["《中华人民共和国刑法》第二百六十四条"]
    assert fields["captured_at"] == "2020-01-06T08:38:51+00:00"  # crawl_time is China time


def test_legacy_page_is_read_not_executed():
    caseinfo = parse_page(PAGE)
    assert caseinfo["文书ID"] == "p-1" and caseinfo["jsonHtmlData"]["PubDate"] == "2013-12-26"
    fields = detect(PAGE, JUDGMENT_ADAPTERS).to_fields(PAGE)
    assert fields["publish_date"] == "2013-12-26" and fields["case_type"] == "刑事案件"
    assert fields["text"] == "<div>'甲'</div>"
    with pytest.raises(PayloadError):
        parse_page("var caseinfo=JSON.stringify({broken")


def test_value_parsers():
    assert cjo_date("/Date(1388039700000)/") == "2013-12-26" and cjo_date("2013-12-20") == "2013-12-20"
    assert literal_list("['a', 'b']") == ["a", "b"] and literal_list('["a"]') == ["a"] and literal_list("") == []
    assert crawl_timestamp("2019-05-15 09:10:10") == "2019-05-15T01:10:10+00:00"
    with pytest.raises(PayloadError):
        literal_list("[unclosed")


def test_bad_nested_source_is_quarantined_with_a_reason():
    verdict = inspect_record(1, {**WEB, "source": '{"s5": "abc", "qwContent": '})
    assert (verdict["format"], verdict["status"], verdict["reason"]) == ("cjo_web_api", "quarantined", "invalid_payload")


def test_inspect_recovers_missing_fields_from_the_text():
    verdict = inspect_record(1, APP)
    fields = verdict["fields"]
    assert verdict["format"] == "cjo_app"
    assert (fields["court_name"], fields["document_type"], fields["case_number"]) == (
        "某某县人民法院",
        "判决书",
        "（2016）皖1622刑初1号",
    )
    assert set(fields["recovered_fields"]) >= {"court_name", "document_type", "case_number"}
    assert "text" not in fields and fields["party_roles"] == {"被告人": 1}


def test_inspect_file_reports_each_record_and_unreadable_files(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([json.dumps(APP), "{truncated", json.dumps(PAGE)]), encoding="utf-8")
    verdicts = list(inspect_file(path))
    assert [(v["line"], v["format"], v["status"]) for v in verdicts] == [
        (1, "cjo_app", "accepted"), (2, None, "quarantined"), (3, "cjo_legacy_page", "accepted")
    ]  # fmt: skip
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert [v["reason"] for v in inspect_file(broken)] == ["unreadable_file"]


def test_real_captures_are_detected(shared_data):
    raw = shared_data / "raw_cjo"
    assert [v["format"] for v in inspect_file(raw / "sample1.json")] == ["cjo_app"]
    assert [v["format"] for v in inspect_file(raw / "sample3.json")] == ["cjo_web_api"]
    page = (raw / "content.xhr").read_text(encoding="utf-8")
    assert inspect_record(1, page)["fields"]["doc_id"] == inspect_record(1, parse_page(page))["fields"]["doc_id"]
