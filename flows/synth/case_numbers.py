"""Real-looking 案号 in both styles: （2016）皖1622刑初433号 and, before 2016, （2013）蒙刑初字第00012号."""

from __future__ import annotations

from random import Random

from flows.synth.courts import Court

NEW_STYLE_FROM = 2016
_TRIBUNALS = {"刑": ("", "", "一", "二"), "民": ("", "一", "二", "三", "四")}


def case_number(rng: Random, court: Court, year: int, type_code: str, sequence: int) -> str:
    """The 案号 of a case filed in ``year`` at ``court`` with 类型代字 ``type_code``."""
    if year >= NEW_STYLE_FROM:
        return f"（{year}）{court.province_abbr}{court.court_code}{type_code}{sequence}号"
    kind = type_code[0]
    tribunals = _TRIBUNALS.get(kind, ("",))
    tribunal = tribunals[int(rng.random() * len(tribunals))]
    padded = f"{sequence:05d}" if rng.random() < 0.4 else sequence
    return f"（{year}）{court.short}{kind}{tribunal}{type_code[1:]}字第{padded}号"


def sequence_for(rng: Random, court: Court, type_code: str) -> int:
    """A serial number below a per-court ceiling, so courts differ in caseload."""
    return 1 + int(rng.random() * court.sequence_ceilings[type_code[0] == "民"])
