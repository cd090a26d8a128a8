"""Criminal judgments: first instance (刑初 判决书) and appeal rulings (刑终 裁定书)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flows.synth.common import Draft, closing, evidence, facts
from flows.synth.courts import Court
from flows.synth.names import party_name, person_details
from flows.synth.numerals import cn_number, ymd

CRIMINAL_LAW = "《中华人民共和国刑法》"
PROCEDURE_LAW = "《中华人民共和国刑事诉讼法》"
PLEA_SYSTEM_FROM = date(2018, 10, 26)  # 认罪认罚从宽 in the revised Criminal Procedure Law
CONFESSION_ARTICLE_FROM = date(2011, 5, 1)  # 坦白 became 刑法 第六十七条第三款 (Amendment VIII)


@dataclass(frozen=True)
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


def _defendants(draft: Draft) -> list[str]:
    rng = draft.rng
    roll = rng.random()
    count = 1 if roll < 0.75 else 2 if roll < 0.9 else 3 + int(rng.random() * 3)
    count += draft.target_chars // 20000  # the longest judgments have many defendants
    return [party_name(rng, draft.used_names, full_share=0.3) for _ in range(count)]


def _names(names: list[str]) -> str:
    return "、".join(names[:2]) + ("等" if len(names) > 2 else "")


def _sentence(draft: Draft, name: str, detained: date) -> tuple[str, str, list[str]]:
    """(result line, term note, extra articles) for one defendant."""
    rng, cause = draft.rng, draft.cause
    low, high = cause.months
    months = low + int(rng.random() * (high - low + 1))
    line = f"被告人{name}犯{cause.name}，判处{_term(months, cause.detention)}"
    extra: list[str] = []
    if months <= 36 and rng.random() < 0.25:
        line += f"，缓刑{_duration(months + 2 + int(rng.random() * 12))}"
        extra += ["第七十二条第一款", "第七十三条第一款" if cause.detention else "第七十三条第二款"]
        note = "（缓刑考验期限，从判决确定之日起计算。）"
    else:
        end = detained + timedelta(days=int(months * 30.44) - 1)
        note = (
            f"（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自{ymd(detained)}起至{ymd(end)}止。）"
        )
    if rng.random() < 0.7:
        line += f"，并处罚金人民币{cn_number(1000 * (1 + int(rng.random() * 20)))}元"
        extra += ["第五十二条", "第五十三条"]
    return line + "。", note, extra


def first_instance(draft: Draft, case_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    names = _defendants(draft)
    filed = draft.days_before(15, 90)
    detained = draft.days_before(30, 120, filed)
    first_act = draft.days_before(30, 400, detained)
    simple = rng.random() < 0.55 and cause.months[1] <= 60
    draft.add(court.name, "刑事判决书", case_number, f"公诉机关{court.procuratorate}。")
    for name in names:
        details = person_details(rng, draft.judgment_date.year, court.province_abbr)
        draft.add(
            f"被告人{name}，{details}，户籍地{court.address}。因涉嫌犯{cause.name}于"
            f"{ymd(detained)}被{court.police}刑事拘留，同年被依法逮捕。现羁押于{court.place}看守所。"
        )
        if rng.random() < 0.5:
            draft.add(f"辩护人{party_name(rng, draft.used_names)}，{court.place}某某律师事务所律师。")
    charged = _names(names)
    draft.add(
        f"{court.procuratorate}以{court.short}检刑诉〔{filed.year}〕{1 + int(rng.random() * 900)}号起诉书指控被告人"
        f"{charged}犯{cause.name}，于{ymd(filed)}向本院提起公诉。本院依法适用"
        + ("简易程序，实行独任审判" if simple else "普通程序，组成合议庭")
        + f"，公开开庭审理了本案。{court.procuratorate}指派检察员{party_name(rng, draft.used_names)}出庭支持公诉，"
        f"被告人{charged}到庭参加诉讼。现已审理终结。"
    )
    draft.add(f"公诉机关指控，被告人{charged}的行为已构成{cause.name}，提请本院依法判处。")
    if draft.judgment_date >= PLEA_SYSTEM_FROM and rng.random() < 0.6:
        draft.add(
            f"被告人{charged}对指控的事实、罪名及量刑建议没有异议，"
            + ("同意适用简易程序，" if simple else "")
            + "且签字具结，在开庭审理过程中亦无异议。"
        )
    victims = [party_name(rng, draft.used_names) for _ in range(3)]
    budget = draft.target_chars - draft.chars - 900 - 150 * len(names)
    episodes, items = facts(draft, names[0], victims, budget, first_act, detained)
    draft.add("经审理查明：" + episodes)
    if items:
        draft.add("上述事实，有经庭审举证、质证的下列证据证实：", items, "上述证据收集程序合法，内容客观真实，足以认定。")
    else:
        draft.add(f"上述事实，被告人{charged}在开庭审理过程中亦无异议，且有{evidence(rng)}等证据证实，足以认定。")
    if rng.random() < 0.2:
        mitigation = f"被告人{names[0]}犯罪以后自动投案，如实供述自己的罪行，系自首，依法可以从轻处罚。"
        extra = ["第六十七条第一款"]
    elif draft.judgment_date >= CONFESSION_ARTICLE_FROM:
        mitigation = f"被告人{charged}到案后如实供述自己的罪行，系坦白，依法可以从轻处罚。"
        extra = ["第六十七条第三款"]
    else:
        mitigation, extra = f"被告人{charged}归案后认罪态度较好，可酌情从轻处罚。", []
    if len(names) > 1:
        extra.insert(0, "第二十五条第一款")
    results, notes = [], []
    for name in names:
        line, note, more = _sentence(draft, name, detained)
        results.append(line)
        notes.append(note)
        extra += [article for article in more if article not in extra]
    articles = list(cause.articles) + extra
    basis = [CRIMINAL_LAW + article for article in articles]
    if draft.judgment_date >= PLEA_SYSTEM_FROM and rng.random() < 0.5:
        basis.append(PROCEDURE_LAW + "第十五条")
    cited = CRIMINAL_LAW + "、".join(articles) + ("，" + PROCEDURE_LAW + "第十五条" if len(basis) > len(articles) else "")
    draft.add(
        f"本院认为，被告人{charged}{cause.conduct}，其行为已构成{cause.name}。公诉机关指控的事实清楚，证据确实、充分，"
        f"指控的罪名成立。{mitigation}依照{cited}之规定，判决如下："
    )
    for line, note in zip(results, notes, strict=True):
        draft.add(line, note)
    draft.add(
        f"如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向{court.upper}提出上诉。书面上诉的，"
        "应当提交上诉状正本一份，副本二份。"
    )
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
    names = _defendants(draft)[:2]
    lower_date = draft.days_before(40, 150)
    detained = draft.days_before(60, 200, lower_date)
    article = "第二百三十六条第一款第（一）项" if draft.judgment_date >= PLEA_SYSTEM_FROM else "第二百二十五条第一款第（一）项"
    draft.add(court.name, "刑事裁定书", case_number, f"原公诉机关{lower.procuratorate}。")
    for name in names:
        details = person_details(rng, draft.judgment_date.year, court.province_abbr)
        draft.add(
            f"上诉人（原审被告人）{name}，{details}，户籍地{lower.address}。因涉嫌犯{cause.name}于"
            f"{ymd(detained)}被刑事拘留。现羁押于{lower.place}看守所。"
        )
    charged = _names(names)
    draft.add(
        f"{lower.name}审理{lower.procuratorate}指控原审被告人{charged}犯{cause.name}一案，于{ymd(lower_date)}作出"
        f"{lower_number}刑事判决。原审被告人{charged}不服，提出上诉。本院依法组成合议庭，经过阅卷，讯问上诉人，"
        "听取辩护人的意见，认为事实清楚，决定不开庭审理。现已审理终结。"
    )
    victims = [party_name(rng, draft.used_names) for _ in range(3)]
    budget = draft.target_chars - draft.chars - 900
    episodes, items = facts(draft, names[0], victims, budget, draft.days_before(200, 600, lower_date), detained)
    draft.add("原判认定：" + episodes)
    if items:
        draft.add("原判认定上述事实的证据有：", items)
    draft.add(f"上诉人{names[0]}上诉提出，原判量刑过重，请求二审从轻处罚。")
    draft.add(f"经审理查明的事实和证据与原判相同，有{evidence(rng)}等证据证实，本院予以确认。")
    draft.add(
        f"本院认为，上诉人{charged}{cause.conduct}，其行为已构成{cause.name}。原判认定事实清楚，证据确实、充分，定罪准确，"
        f"量刑适当，审判程序合法。上诉人所提上诉理由不能成立，本院不予采纳。依照{PROCEDURE_LAW}{article}之规定，裁定如下："
    )
    draft.add("驳回上诉，维持原判。", "本裁定为终审裁定。")
    closing(draft, panel=True)
    return Written(
        title=f"{_names(names)}{cause.name.removesuffix('罪')}二审刑事裁定书",
        document_type="裁定书",
        parties=[{"role": "上诉人（原审被告人）", "name": name} for name in names],
        legal_basis=[PROCEDURE_LAW + article],
    )
