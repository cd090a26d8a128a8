"""Synthetic curated datasets for the demo, and the canary judgments that test the privacy gate.

:func:`plant_canaries` writes a few judgments (our JSONL contract) whose texts name a victim,
a trafficked woman, a witness and a minor with the made-up :data:`CANARY_NAMES` — exactly the
slips courts make. :func:`generate_curation` then codes the synthetic trafficking, divorce and
subversion judgments it finds in the landing zone (canary ones included, so the canaries also
reach the curated sensitive fields) and adds rows whose 案号 the archive does not hold, plus a
few deliberately bad rows that ingest must quarantine. Same landing zone and seed, same rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

import orjson
from isal import igzip

from flows.privacy.canaries import CANARY_NAMES
from flows.synth.courts import load_reference
from flows.synth.names import full_name

TRAFFICKING_CAUSES = ("拐卖妇女、儿童罪", "收买被拐卖的妇女、儿童罪")
SUBVERSION_CAUSES = ("煽动颠覆国家政权罪",)
QUARREL_CAUSES = ("寻衅滋事罪",)
DIVORCE_CAUSES = ("离婚纠纷",)
DISABILITY = {"智力残疾": "intellectual", "精神残疾": "psychosocial", "聋哑人": "physical", "身体健康": "none"}
PROVINCES = ("云南省", "贵州省", "四川省", "广西壮族自治区", "河南省", "安徽省", "江苏省", "山东省", "河北省", "福建省")
_PRICE = re.compile(r"人民币(\d+)元的价格")
_CONDITION = re.compile(r"(智力残疾|精神残疾|聋哑人|身体健康)")
_ORIGIN = re.compile(r"从(\S{2,8}?(?:省|自治区|越南))带至")
_SEQUENCE = re.compile(r"(\d+)号$")


@dataclass(frozen=True)
class Found:
    case_number: str
    cause: str
    court_name: str
    judgment_date: str
    text: str


def canary_dir(out_dir: Path, seed: int) -> Path:
    return out_dir / "scraper" / f"canary-{seed}"


def plant_canaries(out_dir: Path, seed: int = 0) -> list[str]:
    """Write one judgment per canary name, in victim, witness and minor roles; return their 案号."""
    ref = load_reference()
    rng = Random(f"wenshu-synth/canary/{seed}")
    lines, numbers = [], []
    for index, name in enumerate(CANARY_NAMES):
        court = ref.basic[int(rng.random() * len(ref.basic))]
        number = f"（2020）{court.province_abbr}{court.court_code}刑初{9000 + index}号"
        doc = hashlib.blake2b(f"wenshu-synth/canary/{seed}/{index}".encode(), digest_size=16).hexdigest()
        text = (
            f"{court.name}\n刑事判决书\n{number}\n公诉机关{court.place}人民检察院。\n被告人王某某，男，1975年3月2日出生。\n"
            f"经审理查明：2019年5月，被告人王某某伙同他人将被拐卖的妇女{name}（女，时年19岁，智力残疾）从云南省带至"
            f"{court.place}，以人民币38000元的价格卖给他人为妻。被害人{name}于2019年9月被解救。证人{name}证实了上述事实。"
            f"未成年人{name}在场。\n本院认为，被告人王某某以出卖为目的拐卖妇女，其行为已构成拐卖妇女罪。\n"
            "判决如下：被告人王某某犯拐卖妇女罪，判处有期徒刑八年。\n二〇二〇年六月十八日"
        )
        record = {
            "schema": "wenshu.judgment/1", "doc_id": doc, "case_number": number,
            "title": "王某某拐卖妇女一审刑事判决书", "court_name": court.name, "case_type": "刑事案件",
            "procedure": "刑事一审", "cause": TRAFFICKING_CAUSES[0], "document_type": "判决书",
            "judgment_date": "2020-06-18", "publish_date": "2020-07-01",
            "parties": [{"role": "被告人", "name": "王某某"}, {"role": "被害人", "name": name}],
            "legal_basis": ["《中华人民共和国刑法》第二百四十条第一款"], "text": text,
            "captured_at": "2020-07-02T08:00:00Z",
        }  # fmt: skip
        lines.append(orjson.dumps(record) + b"\n")
        numbers.append(number)
    path = canary_dir(out_dir, seed) / "part-00000.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(lines))
    return numbers


def _judgments(out_dir: Path, causes: tuple[str, ...]) -> list[Found]:
    found = []
    wanted = [cause.encode() for cause in causes]  # a cheap byte test first: most lines are other causes
    escaped = b"\\u"  # a line with JSON unicode escapes may hide a cause from the byte test
    for path in sorted((out_dir / "scraper").glob("*/*.jsonl*")):
        opener = igzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            for line in handle:
                if escaped not in line and not any(cause in line for cause in wanted):
                    continue
                record = orjson.loads(line)
                if record.get("cause") in causes and record.get("case_number"):
                    found.append(Found(record["case_number"], record["cause"], record.get("court_name") or "",
                                       record.get("judgment_date") or "", record.get("text") or ""))  # fmt: skip
    unique = {item.case_number: item for item in found}  # recaptures share a 案号
    return [unique[number] for number in sorted(unique)]


def _unheld(rng: Random, found: Found | None) -> str:
    """A 案号 the archive does not hold: a real-looking one with a sequence number past the court's."""
    base = found.case_number if found else "（2019）滇0602刑初12号"
    return _SEQUENCE.sub(f"{8000 + int(rng.random() * 900)}号", base)


def _trafficking_rows(rng: Random, found: list[Found]) -> Iterator[dict[str, Any]]:
    for index, item in enumerate(found):
        price = _PRICE.search(item.text)
        condition = _CONDITION.search(item.text)
        origin = _ORIGIN.search(item.text)
        canary = next((name for name in CANARY_NAMES if name in item.text), "")
        excerpt = f"被拐卖的妇女{canary}（女，时年19岁）被卖给他人为妻。" if canary else "被害人李某某（女）被卖给他人为妻。"
        yield {
            "编号": f"TC{index + 1:04d}", "案号": item.case_number, "判决年份": item.judgment_date[:4],
            "法院层级": "中级" if "中级" in item.court_name else "基层",
            "来源省份": origin.group(1) if origin and origin.group(1) != "越南" else ("境外" if origin else "不详"),
            "目的地省份": PROVINCES[int(rng.random() * len(PROVINCES))], "被害人数": 1 + int(rng.random() ** 3 * 5),
            "残疾类型": DISABILITY[condition.group(1)] if condition else "unknown",
            "陌生人拐卖": "是" if rng.random() < 0.6 else "否", "价格": price.group(1) if price else "",
            "被卖次数": 1 + int(rng.random() ** 2 * 4), "解救前年数": f"{rng.random() * 12:.1f}",
            "刑期月数": 60 + int(rng.random() * 84), "事实摘录": excerpt, "被害人姓名": canary,
        }  # fmt: skip
    for extra in range(max(3, len(found) // 3)):
        yield {
            "编号": f"TC{len(found) + extra + 1:04d}", "案号": _unheld(rng, found[extra % len(found)] if found else None),
            "判决年份": str(2014 + int(rng.random() * 8)), "法院层级": "基层", "来源省份": PROVINCES[extra % 4],
            "目的地省份": PROVINCES[4 + extra % 6], "被害人数": "1",
            "残疾类型": ("intellectual", "psychosocial", "physical", "none")[extra % 4], "陌生人拐卖": "否",
            "价格": str(5000 + int(rng.random() * 60000)), "被卖次数": "1", "解救前年数": "2", "刑期月数": "72",
            "事实摘录": "被害人王某（女）被卖至外省。", "被害人姓名": "",
        }  # fmt: skip


def _divorce_rows(rng: Random, found: list[Found]) -> Iterator[list[Any]]:
    chosen = found[: max(10, len(found) // 10)]
    for index, item in enumerate(chosen):
        granted = "不准原告" not in item.text
        yield [f"TD{index + 1:04d}", item.case_number, int(item.judgment_date[:4] or 2018), None, "是" if rng.random() < 0.5 else "否",
               "是" if granted else "否", 1 if granted and rng.random() < 0.5 else 2 + int(rng.random() * 3),
               round(rng.random() * 20, 1), "原告称其系被拐卖的妇女，证人赵某某证实其被卖至本村。"]  # fmt: skip
    for extra in range(5):
        yield [f"TD{len(chosen) + extra + 1:04d}", _unheld(rng, chosen[0] if chosen else None), 2017, "云南省", "是", "否", 3, 15,
               "原告称其系被拐卖的妇女。"]  # fmt: skip


def _detention_rows(rng: Random, subversion: list[Found], quarrels: list[Found]) -> Iterator[dict[str, Any]]:
    """40 reports; the first cite synthetic subversion and quarrel (寻衅滋事) judgments by 案号."""
    found = subversion + quarrels[:8]
    charges = ("寻衅滋事", "煽动颠覆国家政权", "颠覆国家政权", "寻衅滋事", "聚众扰乱公共秩序")
    statuses = ("detained", "residential_surveillance", "awaiting_trial", "sentenced", "released", "released_on_bail")
    for index in range(40):
        item = found[index] if index < len(found) else None
        detained = f"{2015 + int(rng.random() * 8)}-{1 + int(rng.random() * 12):02d}-{1 + int(rng.random() * 28):02d}"
        sentenced = item is not None or rng.random() < 0.4
        yield {
            "record_id": f"RD{index + 1:04d}", "defender_name": full_name(rng),
            "charge": item.cause.removesuffix("罪") if item else charges[int(rng.random() * len(charges))],
            "case_number": item.case_number if item else "", "province": PROVINCES[int(rng.random() * len(PROVINCES))],
            "detention_date": detained, "sentencing_date": item.judgment_date if item else "",
            "sentence_months": str(36 + int(rng.random() * 84)) if sentenced else "",
            "status": "sentenced" if sentenced else statuses[int(rng.random() * 3)],
            "source_url": f"https://example.org/reports/{index + 1}", "reported_date": detained,
        }  # fmt: skip


def _csv(rows: list[dict[str, Any]], bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def _xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.properties.created = workbook.properties.modified = datetime(2020, 1, 1)
    workbook.save(path)


def generate_curation(out_dir: Path, seed: int = 0) -> dict[str, int]:
    """Write the three curated datasets under ``out_dir/curation/``; return rows written per dataset."""
    rng = Random(f"wenshu-synth/curation/{seed}")
    root = Path(out_dir) / "curation"
    trafficking = list(_trafficking_rows(rng, _judgments(out_dir, TRAFFICKING_CAUSES)))
    trafficking += [  # bad rows: an unknown disability code, a negative price, no case id
        {**trafficking[0], "编号": "TC9001", "残疾类型": "blind"},
        {**trafficking[0], "编号": "TC9002", "价格": "-300"},
        {**trafficking[0], "编号": ""},
    ]
    divorce = list(_divorce_rows(rng, _judgments(out_dir, DIVORCE_CAUSES)))
    divorce.append(["TD9001", None, 2018, None, "maybe", "否", 1, 3, ""])  # bad: not a boolean
    detentions = list(_detention_rows(rng, _judgments(out_dir, SUBVERSION_CAUSES), _judgments(out_dir, QUARREL_CAUSES)))
    detentions.append(
        {**detentions[0], "record_id": "RD9001", "source_url": "", "charge": "游行"}
    )  # bad: no source, unknown charge
    for folder in ("trafficking-cases", "trafficking-divorce", "rights-defender-detentions"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "trafficking-cases" / f"coded-{seed}.csv").write_bytes(_csv(trafficking, bom=True))
    header = ["case_id", "案号", "judgment_year", "court_province", "认定拐卖", "准予离婚", "suits_count", "years_married",
              "statement_excerpt"]  # fmt: skip
    _xlsx(root / "trafficking-divorce" / f"coded-{seed}.xlsx", header, divorce)
    (root / "rights-defender-detentions" / f"reported-{seed}.csv").write_bytes(_csv(detentions, bom=False))
    return {
        "trafficking-cases": len(trafficking),
        "trafficking-divorce": len(divorce),
        "rights-defender-detentions": len(detentions),
    }
