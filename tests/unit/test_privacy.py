"""Redaction (SQL and Python agree), the privacy gate over every file type, and the codebook policy."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.curation.codebook import codebook_datasets, load_codebook, parse_codebook
from flows.errors import PublishError
from flows.privacy import (
    CANARY_NAMES,
    PrivacyError,
    check_bytes,
    check_codebook_redaction,
    check_dataset_redaction,
    check_files,
    find_role_names,
    redact_text,
    redacted_query,
    redacted_select,
    redaction_sql,
    scan_files,
)
from flows.privacy.names import PROTECTED_ROLES

LEFT_ALONE = [
    "被害人张某", "被害人李某某", "被害人王某1", "被害人王1", "被害人张某甲", "被害人某甲", "证人江某证实", "被害人陈述", "被害人的陈述",
    "未成年人保护法", "被害人于次日", "被害人家中", "证人证言", "被拐卖的妇女某某", "被害人强行带走", "被害人房屋",
]  # fmt: skip
REDACTED = {
    "被害人张三丰，女": "被害人张某某，女",
    "被害人：刘芳。": "被害人：刘某某。",
    "收买被拐卖的妇女李小红（时年19岁）": "收买被拐卖的妇女李某某（时年19岁）",
    "被害人欧阳娜娜的陈述": "被害人欧阳某某的陈述",
    "证人王某某、被害人黄晓波": "证人王某某、被害人黄某某",
    "未成年人周梦琪在场": "未成年人周某某在场",
}


def _sql_redact(texts: list[str]) -> list[str]:
    with duckdb.connect() as con:
        con.execute("create table t (i integer, text varchar)")
        con.executemany("insert into t values (?, ?)", list(enumerate(texts)))
        return [row[0] for row in con.execute(f"select {redaction_sql('text')} from t order by i").fetchall()]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_anonymised_forms_and_prose_are_left_alone(text: str) -> None:
    assert redact_text(text) == text
    assert _sql_redact([text]) == [text]


@pytest.mark.parametrize(("text", "expected"), REDACTED.items())
def test_full_names_after_protected_roles_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert _sql_redact([text]) == [expected]
    assert redact_text(expected) == expected  # idempotent
    assert find_role_names(expected) == []


def test_every_canary_is_caught_in_every_role() -> None:
    for role in PROTECTED_ROLES:
        for name in CANARY_NAMES:
            assert name not in redact_text(f"{role}{name}，"), (role, name)


def test_sql_and_python_agree_on_real_judgments(shared_data: Path) -> None:
    texts = [json.loads(line)["text"] for line in (shared_data / "judgments" / "judge_test.jsonl").open(encoding="utf-8")]
    with gzip.open(shared_data / "judgments" / "lecard_sample200.jsonl.gz", "rt", encoding="utf-8") as handle:
        texts += [json.dumps(json.loads(line), ensure_ascii=False) for line in handle]
    python = [redact_text(text) for text in texts]
    assert _sql_redact(texts) == python
    assert sum(a != b for a, b in zip(texts, python, strict=True)) > 20  # real courts do slip
    assert not any(find_role_names(text) for text in python)


_PIECES = st.sampled_from([*PROTECTED_ROLES[:6], "证人", "张", "欧阳", "某", "三", "丰", "述", "，", "的", "a", "1", "：", "\n"])


@settings(max_examples=8, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=30).map("".join), min_size=100, max_size=200))
def test_sql_and_python_agree_on_generated_text(texts: list[str]) -> None:
    redacted = _sql_redact(texts)
    assert redacted == [redact_text(text) for text in texts]
    assert not any(find_role_names(text) for text in redacted)  # nothing left for the gate to find


def test_redacted_select_replaces_only_the_named_columns() -> None:
    with duckdb.connect() as con:
        con.execute("create table docs as select 'd1' as doc_id, '被害人张三丰' as text, '被害人张三丰' as other")
        row = con.execute(redacted_select("docs", ["text"])).fetchone()
        every_text = con.execute(redacted_query(con, "docs")).fetchone()
    assert row == ("d1", "被害人张某某", "被害人张三丰")
    assert every_text == ("d1", "被害人张某某", "被害人张某某")


def _write_files(root: Path, content: str) -> list[Path]:
    files = {
        "a.csv": content.encode(),
        "b.json": json.dumps({"text": content}).encode(),  # ASCII-escaped: \uXXXX
        "c.html": "".join(f"&#{ord(char)};" for char in content).encode(),
        "d.md": content.encode(),
        "e.xml.gz": gzip.compress(content.encode()),
        "f.png": b"\x89PNG" + content.encode() + b"\x00",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 1 as n, '{content}' as text, ['{content}'] as items) to '{root / 'g.parquet'}' (format parquet, compression zstd)"
        )
    return sorted(root.iterdir())


def test_gate_finds_a_canary_in_every_format(tmp_path: Path) -> None:
    files = _write_files(tmp_path, f"某日{CANARY_NAMES[0]}到访")
    findings = scan_files(files, CANARY_NAMES)
    assert sorted(Path(f.path).name for f in findings) == [p.name for p in files]
    assert all(f.kind == "canary" and CANARY_NAMES[0] not in str(f) for f in findings)
    with pytest.raises(PrivacyError) as raised:
        check_files(files, CANARY_NAMES)
    assert isinstance(raised.value, PublishError)
    assert CANARY_NAMES[0] not in str(raised.value)


def test_gate_finds_unredacted_role_names_and_passes_clean_files(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky"
    leaky.mkdir()
    files = [p for p in _write_files(leaky, "被害人张三丰受伤") if p.suffix != ".png"]
    assert {f.kind for f in scan_files(files)} == {"role_name"}
    assert len(scan_files(files)) == len(files)
    clean = tmp_path / "clean"
    clean.mkdir()
    check_files(_write_files(clean, "被害人张某某受伤，证人李某证实"), CANARY_NAMES)


def test_gate_finds_a_name_split_across_read_chunks(tmp_path: Path) -> None:
    from flows.privacy import gate

    path = tmp_path / "big.csv"
    padding = "x" * (gate._CHUNK - 4)
    path.write_text(padding + "被害人张三丰" + "y" * 100, encoding="utf-8")
    assert [f.kind for f in scan_files([path])] == ["role_name"]


def test_shipped_codebooks_configure_redaction_for_every_sensitive_variable() -> None:
    for dataset in codebook_datasets():
        check_codebook_redaction(load_codebook(dataset))
        check_dataset_redaction(dataset)
    check_dataset_redaction("cjo-judgments")  # not curated: nothing to check
    assert not load_codebook("rights-defender-detentions").variable("defender_name").sensitive
    assert load_codebook("trafficking-cases").variable("victim_name").redaction == "drop"


def test_a_sensitive_variable_without_redaction_blocks_publishing() -> None:
    content = {
        "name": "demo", "title": "t", "description": "d", "table": "demo", "grain": "one row per id", "key": "id",
        "variables": [
            {"name": "id", "type": "string", "description": "id", "required": True},
            {"name": "victim_note", "type": "string", "description": "coder's note", "sensitive": True},
        ],
    }  # fmt: skip
    with pytest.raises(PrivacyError, match="victim_note"):
        check_codebook_redaction(parse_codebook(content, "test"))


def test_documents_in_memory_are_checked_like_files() -> None:
    check_bytes([("catalog.json", b'{"title": "\\u88ab\\u5bb3\\u4eba\\u5f20\\u67d0"}'), ("feed.xml", "证人李某".encode())])
    with pytest.raises(PrivacyError) as refused:
        check_bytes([("index.html", "<p>被害人&#24352;三丰</p>".encode()), ("ok.md", b"fine")])
    assert [(f.path, f.kind) for f in refused.value.findings] == [("index.html", "role_name")]
