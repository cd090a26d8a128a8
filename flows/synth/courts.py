"""Courts and case types for synthetic judgments, read from the committed reference seeds."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flows.resources import SEEDS_DIR

_PLACE_TAIL = re.compile(r"([^省市]{1,8}?(?:自治县|自治旗|县|区|市|旗))$")


@dataclass(frozen=True)
class Court:
    """A court with everything a judgment's text needs about it."""

    court_id: str
    name: str
    level: str
    province_abbr: str
    province_name: str
    court_code: str
    place: str  # 蒙城县, 安徽省亳州市
    short: str  # pre-2016 案号 abbreviation: 蒙, 亳
    upper: str  # the court that hears appeals (name)
    procuratorate: str  # 蒙城县人民检察院
    police: str  # 蒙城县公安局
    address: str  # the place with its province: 安徽省蒙城县, 北京市石景山区
    sequence_ceilings: tuple[int, int]  # (criminal, civil): its 案号 serial numbers stay below these


@dataclass(frozen=True)
class CaseType:
    code: str  # 类型代字: 刑初
    case_type: str  # 刑事案件
    procedure: str  # 刑事一审


@dataclass(frozen=True)
class Reference:
    basic: tuple[Court, ...]  # first-instance courts with a 4-digit 案号 code
    appeals: tuple[tuple[Court, Court], ...]  # (basic court, intermediate court above it)
    case_types: dict[str, CaseType]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _place(name: str) -> str:
    return re.sub(r"(中级)?人民法院$", "", name)


def _short(place: str, court_id: str) -> str:
    """蒙城县 → 蒙; a few courts (chosen by id) use two characters, like 宝兴."""
    tail = _PLACE_TAIL.search(place)
    stem = (tail.group(1) if tail else place)[:-1] or place
    return stem[:2] if int(court_id[-3:] or 0) % 4 == 1 and len(stem) >= 2 else stem[:1]


@lru_cache(maxsize=4)
def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    rows = _read(seeds_dir / "ref_courts.csv")
    by_id = {row["court_id"]: row for row in rows}

    def court(row: dict[str, str]) -> Court:
        parent = by_id.get(row["parent_court_id"])
        place = _place(row["court_name"])
        caseload = int(row["court_id"][-6:]) * 7919  # courts differ in caseload
        return Court(
            court_id=row["court_id"],
            name=row["court_name"],
            level=row["court_level"],
            province_abbr=row["province_abbr"],
            province_name=row["province_name"],
            court_code=row["court_code"],
            place=place,
            short=_short(place, row["court_id"]),
            upper=parent["court_name"] if parent else "",
            procuratorate=place + "人民检察院",
            police=place + "公安局",
            address=place if place.startswith(row["province_name"][:2]) else row["province_name"] + place,
            sequence_ceilings=(200 + caseload % 1200, 200 + caseload % 3000),
        )

    usable = [
        row
        for row in rows
        if row["court_code"] and row["province_abbr"] and row["province_abbr"] != "兵" and row["court_level"] in ("基层", "中级")
    ]
    basic = tuple(court(row) for row in usable if row["court_level"] == "基层" and row["parent_court_id"] in by_id)
    intermediate = {row["court_id"]: court(row) for row in usable if row["court_level"] == "中级"}
    appeals = tuple(
        (c, intermediate[by_id[c.court_id]["parent_court_id"]])
        for c in basic
        if by_id[c.court_id]["parent_court_id"] in intermediate
    )
    case_types = {
        row["case_type_code"]: CaseType(row["case_type_code"], row["case_type"], row["procedure"])
        for row in _read(seeds_dir / "ref_case_types.csv")
    }
    return Reference(basic=basic, appeals=appeals, case_types=case_types)
