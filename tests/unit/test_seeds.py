"""The committed reference seeds: exact columns, known facts, and agreement with their builder."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from flows.resources import PROJECT_ROOT, SEEDS_DIR

COLUMNS = {
    "ref_courts": ["court_id", "court_name", "court_level", "province_name", "province_abbr", "city_name",
                   "division_code", "court_code", "parent_court_id"],
    "ref_case_types": ["case_type_code", "standard_code", "standard_name", "case_type", "procedure"],
    "ref_provinces": ["province_abbr", "province_name", "province_short", "division_code"],
    "ref_causes": ["cause_id", "cause_name", "parent_id", "level"],
}  # fmt: skip


def _rows(name: str, folder: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _by(name: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in _rows(name)}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_seed_has_exact_columns_and_a_unique_key(name: str) -> None:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS[name]
    rows = _rows(name)
    key = COLUMNS[name][0]
    assert rows and len({row[key] for row in rows}) == len(rows)


def test_known_courts_and_codes() -> None:
    courts = _by("ref_courts", "court_name")
    fengxian = courts["上海市奉贤区人民法院"]
    assert (fengxian["province_abbr"], fengxian["court_code"], fengxian["division_code"]) == ("沪", "0120", "310120")
    mengcheng = courts["蒙城县人民法院"]
    assert (mengcheng["province_abbr"], mengcheng["court_code"], mengcheng["court_level"]) == ("皖", "1622", "基层")
    bozhou = courts["安徽省亳州市中级人民法院"]
    assert (bozhou["court_code"], bozhou["division_code"], bozhou["city_name"]) == ("16", "341600", "亳州市")
    assert mengcheng["parent_court_id"] == bozhou["court_id"]
    assert courts["北京市石景山区人民法院"]["court_code"] == "0107"
    assert courts["北京市第一中级人民法院"]["court_code"] == "01"
    high = courts["安徽省高级人民法院"]
    assert (high["court_level"], high["court_code"], high["division_code"]) == ("高级", "", "340000")
    assert courts["北京知识产权法院"]["court_level"] == "专门"
    assert courts["阳泉市矿区人民法院"]["court_level"] == "基层"  # a district, not a special court
    # 案号 use 内 for Inner Mongolia and 黔 for Guizhou since 2016
    assert courts["贵阳市云岩区人民法院"]["province_abbr"] == "黔"
    assert courts["乌审旗人民法院"]["province_abbr"] == "内"


def test_codes_keep_leading_zeros_and_lengths() -> None:
    courts = _rows("ref_courts")
    codes = [row["court_code"] for row in courts if row["court_code"]]
    assert any(code.startswith("0") for code in codes)
    assert all(len(code) in (2, 4) and code.isdigit() for code in codes)
    assert all(len(row["division_code"]) == 6 for row in courts if row["division_code"])
    basic = [row for row in courts if row["court_level"] == "基层"]
    assert sum(bool(row["court_code"]) for row in basic) / len(basic) > 0.85
    ids = {row["court_id"] for row in courts}
    assert all(row["parent_court_id"] in ids for row in courts if row["parent_court_id"])
    assert _by("ref_case_types", "case_type_code")["刑初"]["standard_code"] == "0201"
    assert _by("ref_provinces", "province_abbr")["京"]["division_code"] == "11"


def test_case_types_map_codes_to_type_and_procedure() -> None:
    types = _by("ref_case_types", "case_type_code")
    assert (types["刑初"]["case_type"], types["刑初"]["procedure"]) == ("刑事案件", "刑事一审")
    assert (types["刑终"]["case_type"], types["刑终"]["procedure"]) == ("刑事案件", "刑事二审")
    assert (types["民初"]["case_type"], types["民初"]["procedure"]) == ("民事案件", "民事一审")
    assert types["执"]["case_type"] == "执行案件"
    assert types["民特"]["standard_code"] == "0309"  # a shared 代字 carries the common parent


def test_provinces_and_causes() -> None:
    provinces = _by("ref_provinces", "province_abbr")
    assert len(provinces) == 32 and provinces["皖"]["province_name"] == "安徽省"
    assert provinces["兵"]["division_code"] == ""
    causes = _rows("ref_causes")
    ids = {row["cause_id"] for row in causes}
    names = {row["cause_name"] for row in causes}
    assert {"盗窃罪", "寻衅滋事罪", "拐卖妇女、儿童罪", "离婚纠纷", "民间借贷纠纷"} <= names
    assert all(row["parent_id"] in ids for row in causes if row["parent_id"])
    assert {row["cause_name"] for row in causes if row["level"] == "1"} == {
        "刑事案由", "民事案由", "行政案由", "执行案由", "国家赔偿案由"}


def test_seed_properties_match_the_csvs() -> None:
    properties = yaml.safe_load((SEEDS_DIR / "seeds.yml").read_text(encoding="utf-8"))
    seeds = {seed["name"]: seed for seed in properties["seeds"]}
    assert set(seeds) == set(COLUMNS)
    for name, seed in seeds.items():
        assert [column["name"] for column in seed["columns"]] == COLUMNS[name]
        types = seed["config"]["column_types"]
        assert all(types[column] == "varchar" for column in COLUMNS[name] if column != "level")
        for source in seed["meta"]["sources"]:
            assert source["license"] and len(source["commit"]) == 40
            assert source["commit"] in seed["description"] and source["repo"] in seed["description"]


def test_builder_reproduces_the_committed_seeds(shared_data: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_seeds", PROJECT_ROOT / "scripts" / "build_seeds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        stats = module.build(shared_data / "reference", tmp_path)
    finally:
        del sys.modules[spec.name]
    assert stats["courts"] == 3525
    for name in COLUMNS:
        assert (tmp_path / f"{name}.csv").read_bytes() == (SEEDS_DIR / f"{name}.csv").read_bytes(), name
