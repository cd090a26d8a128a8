"""Criminal judgments: first instance (刑初 判决书) and appeal rulings (刑终 裁定书)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flows.synth.common import COMMA, Draft, cast_of, closing, evidence, facts, recurring, template
from flows.synth.courts import Court
from flows.synth.names import party_name, person_details
from flows.synth.numerals import FIRST_DAY, YMD_BYTES, cn_number, year_of
from flows.synth.pools import escaped

CRIMINAL_LAW = "《中华人民共和国刑法》"
PROCEDURE_LAW = "《中华人民共和国刑事诉讼法》"
PLEA_SYSTEM_FROM = date(2018, 10, 26)  # 认罪认罚从宽 in the revised Criminal Procedure Law
CONFESSION_ARTICLE_FROM = date(2011, 5, 1)  # 坦白 became 刑法 第六十七条第三款 (Amendment VIII)


@dataclass(slots=True)
class Written:
    title: str
    document_type: str
    parties: list[dict[str, str]]
    legal_basis: list[str]


def _duration(months: int) -> str:
    years, rest = divmod(months, 12)
    return (f"{cn_number(years)}年" if years else "") + (f"{cn_number(rest)}个月" if rest else "")


def _term(months: int, detention: bool) -> str:
    return f"拘役{cn_number(months)}个月" if detention else "有期徒刑" + _duration(months)


# Paragraphs are escaped templates filled with escaped fields (see common.template): sentences
# by months are written once, so a result line is a few look-ups.
LONGEST_MONTHS = 240
_TERMS = {
    detention: tuple(template(_term(months, detention)) for months in range(LONGEST_MONTHS + 1)) for detention in (False, True)
}
_PROBATION = tuple(template(f"，缓刑{_duration(months)}") for months in range(LONGEST_MONTHS + 1))
_FINES = tuple(template(f"，并处罚金人民币{cn_number(1000 * thousands)}元") for thousands in range(1, 21))
_RESULT = template("被告人%s犯%s，判处%s%s%s。")
_PROBATION_NOTE = template("（缓刑考验期限，从判决确定之日起计算。）")
_CUSTODY_NOTE = template("（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自%s起至%s止。）")
_JUDGMENT, _RULING = template("刑事判决书"), template("刑事裁定书")
_PROSECUTOR, _FORMER_PROSECUTOR = template("公诉机关%s。"), template("原公诉机关%s。")
_DEFENDANT = template("被告人%s，%s，户籍地%s。因涉嫌犯%s于%s被%s刑事拘留，同年被依法逮捕。现羁押于%s看守所。")
_COUNSEL = template("辩护人%s，%s某某律师事务所律师。")
_CHARGE = template(
    "%s以%s检刑诉〔%d〕%d号起诉书指控被告人%s犯%s，于%s向本院提起公诉。本院依法适用%s，公开开庭审理了本案。"
    "%s指派检察员%s出庭支持公诉，被告人%s到庭参加诉讼。现已审理终结。"
)
_SIMPLE, _ORDINARY = template("简易程序，实行独任审判"), template("普通程序，组成合议庭")
_ACCUSED = template("公诉机关指控，被告人%s的行为已构成%s，提请本院依法判处。")
_PLEA = template("被告人%s对指控的事实、罪名及量刑建议没有异议，%s且签字具结，在开庭审理过程中亦无异议。")
_PLEA_SIMPLE = template("同意适用简易程序，")
_FOUND = template("经审理查明：")
_EVIDENCE_LIST = template("上述事实，有经庭审举证、质证的下列证据证实：")
_EVIDENCE_SOUND = template("上述证据收集程序合法，内容客观真实，足以认定。")
_UNDISPUTED = template("上述事实，被告人%s在开庭审理过程中亦无异议，且有%s等证据证实，足以认定。")
_SURRENDER = template("被告人%s犯罪以后自动投案，如实供述自己的罪行，系自首，依法可以从轻处罚。")
_CONFESSION = template("被告人%s到案后如实供述自己的罪行，系坦白，依法可以从轻处罚。")
_REMORSE = template("被告人%s归案后认罪态度较好，可酌情从轻处罚。")
_OPINION = template(
    "本院认为，被告人%s%s，其行为已构成%s。公诉机关指控的事实清楚，证据确实、充分，指控的罪名成立。%s依照%s之规定，判决如下："
)
_APPEAL_NOTICE = template(
    "如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向%s提出上诉。书面上诉的，应当提交上诉状正本一份，副本二份。"
)
_APPELLANT = template("上诉人（原审被告人）%s，%s，户籍地%s。因涉嫌犯%s于%s被刑事拘留。现羁押于%s看守所。")
_APPEALED = template(
    "%s审理%s指控原审被告人%s犯%s一案，于%s作出%s刑事判决。原审被告人%s不服，提出上诉。本院依法组成合议庭，经过阅卷，"
    "讯问上诉人，听取辩护人的意见，认为事实清楚，决定不开庭审理。现已审理终结。"
)
_FOUND_BELOW = template("原判认定：")
_EVIDENCE_BELOW = template("原判认定上述事实的证据有：")
_TOO_HARSH = template("上诉人%s上诉提出，原判量刑过重，请求二审从轻处罚。")
_CONFIRMED = template("经审理查明的事实和证据与原判相同，有%s等证据证实，本院予以确认。")
_APPEAL_OPINION = template(
    "本院认为，上诉人%s%s，其行为已构成%s。原判认定事实清楚，证据确实、充分，定罪准确，量刑适当，审判程序合法。"
    "上诉人所提上诉理由不能成立，本院不予采纳。依照%s之规定，裁定如下："
)
_DISMISSED, _FINAL = template("驳回上诉，维持原判。"), template("本裁定为终审裁定。")
_ETC = template("等")


def _defendants(draft: Draft, first: str) -> list[str]:
    rng = draft.rng
    roll = rng.random()
    count = 1 if roll < 0.75 else 2 if roll < 0.9 else 3 + int(rng.random() * 3)
    count += draft.target_chars // 20000  # the longest judgments have many defendants
    return [first] + [party_name(rng, draft.used_names, full_share=0.3) for _ in range(count - 1)]


def _names(names: list[str]) -> str:
    return "、".join(names[:2]) + ("等" if len(names) > 2 else "")


def _escaped_names(names: list[str]) -> bytes:
    """:func:`_names`, escaped."""
    return COMMA.join(map(recurring, names[:2])) + (_ETC if len(names) > 2 else b"")


def _sentence(draft: Draft, name: str, detained: int) -> tuple[bytes, bytes, list[str]]:
    """(result line, term note, extra articles) for one defendant."""
    rng, cause = draft.rng, draft.cause
    low, high = cause.months
    months = low + int(rng.random() * (high - low + 1))
    extra: list[str] = []
    probation = b""
    if months <= 36 and rng.random() < 0.25:
        probation = _PROBATION[months + 2 + int(rng.random() * 12)]
        extra += ["第七十二条第一款", "第七十三条第一款" if cause.detention else "第七十三条第二款"]
        note = _PROBATION_NOTE
    else:
        end = detained + int(months * 30.44) - 1
        note = _CUSTODY_NOTE % (YMD_BYTES[detained - FIRST_DAY], YMD_BYTES[end - FIRST_DAY])
    fine = b""
    if rng.random() < 0.7:
        fine = _FINES[int(rng.random() * len(_FINES))]
        extra += ["第五十二条", "第五十三条"]
    line = _RESULT % (recurring(name), recurring(cause.name), _TERMS[cause.detention][months], probation, fine)
    return line, note, extra


def first_instance(draft: Draft, case_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    cast = cast_of(draft)
    names = _defendants(draft, cast.who)
    filed = draft.days_before(15, 90)
    detained = draft.days_before(30, 120, filed)
    first_act = draft.days_before(30, 400, detained)
    simple = rng.random() < 0.55 and cause.months[1] <= 60
    crime, place, procuratorate = recurring(cause.name), recurring(court.place), recurring(court.procuratorate)
    draft.add(recurring(court.name), _JUDGMENT, escaped(case_number), _PROSECUTOR % procuratorate)
    address, police, held = recurring(court.address), recurring(court.police), YMD_BYTES[detained - FIRST_DAY]
    for name in names:
        details = person_details(rng, draft.year, court.province_abbr)
        draft.add(_DEFENDANT % (recurring(name), details, address, crime, held, police, place))
        if rng.random() < 0.5:
            draft.add(_COUNSEL % (recurring(party_name(rng, draft.used_names)), place))
    charged = _escaped_names(names)
    draft.add(
        _CHARGE
        % (
            procuratorate,
            recurring(court.short),
            year_of(filed),
            1 + int(rng.random() * 900),
            charged,
            crime,
            YMD_BYTES[filed - FIRST_DAY],
            _SIMPLE if simple else _ORDINARY,
            procuratorate,
            recurring(party_name(rng, draft.used_names)),
            charged,
        )
    )
    draft.add(_ACCUSED % (charged, crime))
    if draft.judgment_date >= PLEA_SYSTEM_FROM and rng.random() < 0.6:
        draft.add(_PLEA % (charged, _PLEA_SIMPLE if simple else b""))
    budget = draft.target_chars - draft.chars - 900 - 150 * len(names)
    episodes, items = facts(draft, cast, budget, first_act, detained)
    draft.add(_FOUND + episodes)
    if items:
        draft.add(_EVIDENCE_LIST, items, _EVIDENCE_SOUND)
    else:
        draft.add(_UNDISPUTED % (charged, evidence(rng)))
    if rng.random() < 0.2:
        mitigation = _SURRENDER % recurring(names[0])
        extra = ["第六十七条第一款"]
    elif draft.judgment_date >= CONFESSION_ARTICLE_FROM:
        mitigation = _CONFESSION % charged
        extra = ["第六十七条第三款"]
    else:
        mitigation, extra = _REMORSE % charged, []
    if len(names) > 1:
        extra.insert(0, "第二十五条第一款")
    results: list[bytes] = []
    for name in names:
        line, note, more = _sentence(draft, name, detained)
        results += (line, note)
        extra += [article for article in more if article not in extra]
    articles = list(cause.articles) + extra
    basis = [CRIMINAL_LAW + article for article in articles]
    if draft.judgment_date >= PLEA_SYSTEM_FROM and rng.random() < 0.5:
        basis.append(PROCEDURE_LAW + "第十五条")
    cited = CRIMINAL_LAW + "、".join(articles) + ("，" + PROCEDURE_LAW + "第十五条" if len(basis) > len(articles) else "")
    draft.add(_OPINION % (charged, recurring(cause.conduct), crime, mitigation, escaped(cited)))
    draft.add(*results)
    draft.add(_APPEAL_NOTICE % recurring(court.upper))
    closing(draft, panel=not simple)
    return Written(
        title=f"{_names(names)}{cause.name.removesuffix('罪')}一审刑事判决书",
        document_type="判决书",
        parties=[{"role": "被告人", "name": name} for name in names],
        legal_basis=basis,
    )


def appeal(draft: Draft, case_number: str, lower: Court, lower_number: str) -> Written:
    """An intermediate court's ruling dismissing the appeal (驳回上诉，维持原判)."""
    rng, court, cause = draft.rng, draft.court, draft.cause
    cast = cast_of(draft)
    names = _defendants(draft, cast.who)[:2]
    lower_date = draft.days_before(40, 150)
    detained = draft.days_before(60, 200, lower_date)
    article = "第二百三十六条第一款第（一）项" if draft.judgment_date >= PLEA_SYSTEM_FROM else "第二百二十五条第一款第（一）项"
    crime, procuratorate = recurring(cause.name), recurring(lower.procuratorate)
    draft.add(recurring(court.name), _RULING, escaped(case_number), _FORMER_PROSECUTOR % procuratorate)
    address, place, held = recurring(lower.address), recurring(lower.place), YMD_BYTES[detained - FIRST_DAY]
    for name in names:
        details = person_details(rng, draft.year, court.province_abbr)
        draft.add(_APPELLANT % (recurring(name), details, address, crime, held, place))
    charged = _escaped_names(names)
    draft.add(
        _APPEALED
        % (
            recurring(lower.name),
            procuratorate,
            charged,
            crime,
            YMD_BYTES[lower_date - FIRST_DAY],
            escaped(lower_number),
            charged,
        )
    )
    budget = draft.target_chars - draft.chars - 900
    episodes, items = facts(draft, cast, budget, draft.days_before(200, 600, lower_date), detained)
    draft.add(_FOUND_BELOW + episodes)
    if items:
        draft.add(_EVIDENCE_BELOW, items)
    draft.add(_TOO_HARSH % recurring(names[0]))
    draft.add(_CONFIRMED % evidence(rng))
    draft.add(_APPEAL_OPINION % (charged, recurring(cause.conduct), crime, recurring(PROCEDURE_LAW + article)))
    draft.add(_DISMISSED, _FINAL)
    closing(draft, panel=True)
    return Written(
        title=f"{_names(names)}{cause.name.removesuffix('罪')}二审刑事裁定书",
        document_type="裁定书",
        parties=[{"role": "上诉人（原审被告人）", "name": name} for name in names],
        legal_basis=[PROCEDURE_LAW + article],
    )
