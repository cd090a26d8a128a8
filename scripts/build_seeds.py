"""Build the dbt reference seeds from the shared reference tables.

Reads ``<reference>/wenshukt`` (courts, causes of action), ``<reference>/case_type_codes`` and
``<reference>/admin_divisions`` and writes ``ref_courts.csv``, ``ref_case_types.csv``,
``ref_provinces.csv``, ``ref_causes.csv`` and ``ref_not_public_reasons.csv`` (sorted, UTF-8, header
row) so the same input always gives byte-identical seeds.

Courts get their division (NBS 2023 code) and 案号 court code by matching the court name against
the administrative divisions, within the court's province and, where the name or the court list
says so, within its prefecture.

    uv run --frozen python scripts/build_seeds.py [--reference DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flows.resources import SEEDS_DIR, SHARED_DATA_DIR

# 案号 province abbreviations (《关于人民法院案件案号的若干规定》), keyed by the short name.
PROVINCE_ABBR = {
    "北京": "京", "天津": "津", "河北": "冀", "山西": "晋", "内蒙古": "内", "辽宁": "辽",
    "吉林": "吉", "黑龙江": "黑", "上海": "沪", "江苏": "苏", "浙江": "浙", "安徽": "皖",
    "福建": "闽", "江西": "赣", "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘",
    "广东": "粤", "广西": "桂", "海南": "琼", "重庆": "渝", "四川": "川", "贵州": "黔",
    "云南": "云", "西藏": "藏", "陕西": "陕", "甘肃": "甘", "青海": "青", "宁夏": "宁",
    "新疆": "新",
}
# The Xinjiang Production and Construction Corps courts number their cases under 兵.
CORPS = ("新疆兵团", "新疆生产建设兵团", "兵团", "兵")
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
# Courts of special jurisdiction, unless the name is a county's (阳泉市矿区, 神农架林区).
SPECIAL_COURT = re.compile(r"铁路运输|海事|军事|知识产权|互联网|金融|林区|农垦|矿区")
ORDINALS = {"第一": "01", "第二": "02", "第三": "03", "第四": "04", "第五": "05"}
LEVELS = {"1": "最高", "2": "高级", "3": "中级", "4": "基层"}
AREA_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|新区|县|区|市|旗)$")
CITY_SUFFIX = re.compile(r"(自治州|地区|盟|市)$")
PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$")

COURT_COLUMNS = [
    "court_id", "court_name", "court_level", "province_name", "province_abbr", "city_name",
    "division_code", "court_code", "parent_court_id",
]
CASE_TYPE_COLUMNS = ["case_type_code", "standard_code", "standard_name", "case_type", "procedure"]
PROVINCE_COLUMNS = ["province_abbr", "province_name", "province_short", "division_code"]
CAUSE_COLUMNS = ["cause_id", "cause_name", "parent_id", "level"]


Area = tuple[str, str, str]  # (division code, name, prefecture code)


@dataclass
class Province:
    code: str
    name: str
    short: str
    cities: dict[str, str] = field(default_factory=dict)  # city code -> name
    areas: list[Area] = field(default_factory=list)


def _stem(name: str, suffix: re.Pattern[str]) -> str:
    stem = suffix.sub("", name)
    return stem or name


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def load_provinces(divisions: Path) -> dict[str, Province]:
    """Provinces keyed by short name, each holding its prefectures and counties."""
    by_code: dict[str, Province] = {}
    for row in _read_csv(divisions / "provinces.csv"):
        by_code[row["code"]] = Province(row["code"], row["name"], _stem(row["name"], PROVINCE_SUFFIX))
    for row in _read_csv(divisions / "cities.csv"):
        by_code[row["provinceCode"]].cities[row["code"]] = row["name"]
    for row in _read_csv(divisions / "areas.csv"):
        by_code[row["provinceCode"]].areas.append((row["code"], row["name"], row["cityCode"]))
    return {province.short: province for province in by_code.values()}


def _city_named(province: Province, name: str, at_end: bool = False) -> str | None:
    """The prefecture called ``name`` (with ``at_end``: the one ``name`` ends with)."""
    best: tuple[int, str | None] = (0, None)
    for code, city in province.cities.items():
        for candidate in {city, _stem(city, CITY_SUFFIX)}:
            hit = name.endswith(candidate) if at_end else _stem(name, CITY_SUFFIX) == _stem(candidate, CITY_SUFFIX)
            if len(candidate) >= 2 and hit and len(candidate) > best[0]:
                best = (len(candidate), code)
    return best[1]


def _readings(province: Province, name: str) -> list[tuple[str | None, str]]:
    """Ways to read a court's place name as (prefecture code or None, county part), specific first."""
    texts = [name]
    for prefix in (province.name, province.short):
        if name.startswith(prefix) and len(name) > len(prefix):
            texts.insert(0, name[len(prefix):])
    readings: list[tuple[str | None, str]] = []
    for text in dict.fromkeys(texts):
        if province.short not in MUNICIPALITIES:
            for code, city in province.cities.items():
                for candidate in {city, _stem(city, CITY_SUFFIX)}:
                    if len(candidate) >= 2 and text.startswith(candidate) and len(text) > len(candidate):
                        readings.append((code, text[len(candidate):]))
        readings.append((None, text))
    return readings


def _pick(province: Province, named: str | None, hint: str | None, test: Callable[[Area], bool]) -> str | None:
    """The one county passing ``test``: within the prefecture the name gives (``named``), else within
    the one the court list gives (``hint``) and then the province; None if none or several."""
    city = named or hint
    scopes = [[area for area in province.areas if area[2] == city]] if city else []
    for scope in scopes if named else [*scopes, province.areas]:
        hits = [area for area in scope if test(area)]
        if hits:
            return hits[0][0] if len(hits) == 1 else None
    return None


def match_intermediate(province: Province, name: str) -> tuple[str, str] | None:
    """(division_code, court_code) of an intermediate court, or None."""
    rest = re.sub(r"(中级人民法院|中级人法院|中级法院)$", "", name)
    if rest.endswith("分院"):  # 新疆维吾尔自治区高级人民法院伊犁哈萨克自治州分院
        rest = rest.split("高级人民法院")[-1].removesuffix("分院")
    for prefix in (province.name, province.short):
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    ordinal = re.fullmatch(r"(?:.+市)?(第[一二三四五])", rest)
    if province.short in MUNICIPALITIES:
        return (province.code + "0000", ORDINALS[ordinal.group(1)]) if ordinal else None
    city = _city_named(province, rest) or _city_named(province, rest, at_end=True)
    if city is None or "直辖" in province.cities[city]:
        return None
    return city + "00", city[2:]


def match_basic(
    province: Province, name: str, region: str, claimed: set[str] | None = None
) -> tuple[str, bool] | None:
    """(division code, matched exactly) of a basic court, or None. Exact county names first, then
    the same stem with another suffix (a renamed county: 永年县 → 永年区); with ``claimed`` also
    suffix-less names (大同市云州 → 云州区) against counties no other court matched exactly."""
    region_city = _city_named(province, region)
    readings = _readings(province, re.sub(r"(人民法院|基层法院|法院)$", "", name))
    for city, rest in readings:

        def same_name(area: Area, rest: str = rest) -> bool:
            return area[1] == rest

        if found := _pick(province, city, region_city, same_name):
            return found, True
    for city, rest in readings:
        stem, has_suffix = _stem(rest, AREA_SUFFIX), AREA_SUFFIX.search(rest) is not None
        if len(stem) < 2 or not (has_suffix or claimed is not None):
            continue
        taken = set() if has_suffix else (claimed or set())

        def same_stem(area: Area, stem: str = stem, taken: set[str] = taken) -> bool:
            return _stem(area[1], AREA_SUFFIX) == stem and area[0] not in taken

        if found := _pick(province, city, region_city, same_stem):
            return found, False
    return None


def basic_court_code(division: str, exact: bool) -> str:
    """案号 code of a basic court: the county code's last four digits. Unknown ('') for renamed
    counties (案号 kept the pre-rename code) and development zones (案号 use 91–99, NBS 71–79)."""
    if not exact or 70 <= int(division[4:]) <= 79:
        return ""
    return division[2:]


def _parent(key: str, level: str, keys: set[str], source_parent: str) -> str:
    """The court above: basic → its intermediate court, intermediate → high, high → SPC."""
    if level == "2":
        return "0010000" if "0010000" in keys else ""
    if len(key) >= 12 and key.startswith("001"):
        intermediate, high = key[:9] + "000", key[:6] + "000"
        if level == "4" and intermediate in keys and intermediate != key:
            return intermediate
        if high in keys and high != key:
            return high
    return source_parent


def _place(row: dict[str, str], province: Province, division: str, court_code: str) -> None:
    row["division_code"] = division
    row["court_code"] = "" if row["province_abbr"] == "兵" else court_code  # 兵 codes: unknown
    city = province.cities.get(division[:4], "")
    if province.short in MUNICIPALITIES:
        row["city_name"] = province.name if division[2:] != "0000" else ""
    elif city and "直辖" not in city:
        row["city_name"] = city


def build_courts(reference: Path) -> tuple[list[dict[str, str]], Counter[str]]:
    """ref_courts rows (sorted by court_id) and match statistics."""
    courts = json.loads((reference / "wenshukt" / "court.json").read_text(encoding="utf-8"))
    provinces = load_provinces(reference / "admin_divisions")
    keys = {court["key"] for court in courts}
    rows: dict[str, dict[str, str]] = {}
    claimed: set[str] = set()
    pending = []
    for court in courts:
        name, level, region = court["court"].strip(), court["level"], court["region"].strip()
        row = rows[court["key"]] = {
            "court_id": court["key"], "court_name": name,
            "court_level": "专门" if SPECIAL_COURT.search(name) else LEVELS[level],
            "province_name": "", "province_abbr": "", "city_name": "", "division_code": "",
            "court_code": "", "parent_court_id": _parent(court["key"], level, keys, court["parentkey"]),
        }
        corps = court["province"].strip() in CORPS
        province = provinces.get("新疆" if corps else court["province"].strip())
        if province is None or level == "1":
            continue
        row["province_name"] = "新疆生产建设兵团" if corps else province.name
        row["province_abbr"] = "兵" if corps else PROVINCE_ABBR[province.short]
        region_city = _city_named(province, region)
        if province.short in MUNICIPALITIES and level in "34":
            row["city_name"] = province.name
        elif region_city and "直辖" not in province.cities[region_city]:
            row["city_name"] = province.cities[region_city]
        matched = match_basic(province, name, region) if level == "4" else None
        if row["court_level"] == "专门" and not (matched and matched[1]):
            continue
        if level == "2":
            _place(row, province, province.code + "0000", "")
        elif level == "3":
            if intermediate := match_intermediate(province, name):
                _place(row, province, *intermediate)
        elif matched:
            row["court_level"] = LEVELS[level]
            _place(row, province, matched[0], basic_court_code(*matched))
            claimed.add(matched[0])
        else:
            pending.append((row, province, region))
    for row, province, region in pending:
        if matched := match_basic(province, row["court_name"], region, claimed):
            _place(row, province, matched[0], basic_court_code(*matched))
    ordered = [rows[key] for key in sorted(rows)]
    stats: Counter[str] = Counter(f"{row['court_level']} courts" for row in ordered)
    for row in ordered:
        if row["court_level"] in ("中级", "基层"):
            stats[f"{row['court_level']} with division_code"] += bool(row["division_code"])
            stats[f"{row['court_level']} with court_code"] += bool(row["court_code"])
    return ordered, stats


def build_case_types(reference: Path) -> list[dict[str, str]]:
    """One row per 类型代字; a 代字 shared by sibling codes carries their common parent."""
    table = _read_csv(reference / "case_type_codes" / "case_type_codes.csv")
    by_code = {row["code"]: row for row in table}

    def ancestor(row: dict[str, str], level: str) -> dict[str, str]:
        while row["level"] > level:
            row = by_code[row["parent_code"]]
        return row

    groups: dict[str, list[dict[str, str]]] = {}
    for row in table:
        if row["type_daizi"]:
            groups.setdefault(row["type_daizi"], []).append(row)
    out = []
    for daizi, members in groups.items():
        parents = {member["parent_code"] for member in members}
        standard = members[0] if len(members) == 1 or len(parents) != 1 else by_code[parents.pop()]
        out.append({
            "case_type_code": daizi,
            "standard_code": standard["code"],
            "standard_name": standard["name"],
            "case_type": ancestor(standard, "1")["cjo_spcx_name"],
            "procedure": ancestor(standard, "2")["cjo_spcx_name"] if standard["level"] > "1" else "",
        })
    return sorted(out, key=lambda row: (row["standard_code"], row["case_type_code"]))


def build_provinces(reference: Path) -> list[dict[str, str]]:
    rows = [
        {"province_abbr": PROVINCE_ABBR[p.short], "province_name": p.name, "province_short": p.short,
         "division_code": p.code}
        for p in load_provinces(reference / "admin_divisions").values()
    ]
    rows.append({"province_abbr": "兵", "province_name": "新疆生产建设兵团", "province_short": "兵团",
                 "division_code": ""})
    return sorted(rows, key=lambda row: (row["division_code"] == "", row["division_code"]))


def build_causes(reference: Path) -> list[dict[str, str]]:
    causes = json.loads((reference / "wenshukt" / "anyou.json").read_text(encoding="utf-8"))["anyou"]
    parent = {cause["id"]: cause["parentid"] for cause in causes}

    def depth(cause_id: str) -> int:
        level = 1
        while parent.get(cause_id, "0") in parent:
            cause_id, level = parent[cause_id], level + 1
        return level

    rows = [
        {"cause_id": c["id"], "cause_name": c["name"].strip(),
         "parent_id": c["parentid"] if c["parentid"] in parent else "", "level": str(depth(c["id"]))}
        for c in causes
    ]
    return sorted(rows, key=lambda row: (not row["cause_id"].isdigit(), row["cause_id"].zfill(12)))


NOT_PUBLIC_REASON_COLUMNS = ["reason_code", "reason_text"]


def build_not_public_reasons(reference: Path) -> list[dict[str, str]]:
    """CJO's 不公开理由 list (why a document is withheld): ``code=text;`` pairs in cls.json."""
    lists = json.loads((reference / "wenshukt" / "cls.json").read_text(encoding="utf-8"))["cls"]
    [value] = [entry["value"] for entry in lists if entry["cls"] == "不公开理由"]
    pairs = (pair.split("=", 1) for pair in value.split(";") if pair.strip())
    return sorted(({"reason_code": code.strip(), "reason_text": text.strip()} for code, text in pairs),
                  key=lambda row: row["reason_code"])


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(reference: Path, out: Path) -> Counter[str]:
    """Write the seeds into ``out``; returns the court match statistics."""
    out.mkdir(parents=True, exist_ok=True)
    courts, stats = build_courts(reference)
    write_csv(out / "ref_courts.csv", COURT_COLUMNS, courts)
    write_csv(out / "ref_case_types.csv", CASE_TYPE_COLUMNS, build_case_types(reference))
    write_csv(out / "ref_provinces.csv", PROVINCE_COLUMNS, build_provinces(reference))
    write_csv(out / "ref_causes.csv", CAUSE_COLUMNS, build_causes(reference))
    write_csv(out / "ref_not_public_reasons.csv", NOT_PUBLIC_REASON_COLUMNS, build_not_public_reasons(reference))
    stats["courts"] = len(courts)
    stats["with court_code"] = sum(1 for row in courts if row["court_code"])
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=SHARED_DATA_DIR / "reference")
    parser.add_argument("--out", type=Path, default=SEEDS_DIR)
    args = parser.parse_args(argv)
    if not (args.reference / "wenshukt" / "court.json").is_file():
        print(f"reference tables not found under {args.reference}", file=sys.stderr)
        return 2
    stats = build(args.reference, args.out)
    for key in sorted(stats):
        print(f"{key}: {stats[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
