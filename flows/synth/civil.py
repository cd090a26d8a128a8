"""Civil judgments: first instance (民初 判决书, or 裁定书 when the claim is withdrawn) and appeals (民终)."""

from __future__ import annotations

from datetime import date

from flows.synth.catalog import CIVIL_LAW
from flows.synth.common import Draft, closing, facts
from flows.synth.courts import Court
from flows.synth.criminal import Written
from flows.synth.names import party_name, person_details
from flows.synth.numerals import amount, ymd

CIVIL_CODE_FROM = date(2021, 1, 1)
PROCEDURE_LAW = "《中华人民共和国民事诉讼法》"


def _procedure_articles(day: date) -> dict[str, str]:
    """Civil Procedure Law article numbers, renumbered by the 2021 and 2023 amendments."""
    if day >= date(2024, 1, 1):
        return {
            "evidence": "第六十七条第一款",
            "default": "第一百四十七条",
            "delay": "第二百六十四条",
            "withdraw": "第一百四十八条第一款",
            "appeal": "第一百七十七条第一款第一项",
        }
    if day >= date(2022, 1, 1):
        return {
            "evidence": "第六十七条第一款",
            "default": "第一百四十七条",
            "delay": "第二百六十条",
            "withdraw": "第一百四十八条第一款",
            "appeal": "第一百七十七条第一款第一项",
        }
    return {
        "evidence": "第六十四条第一款",
        "default": "第一百四十四条",
        "delay": "第二百五十三条",
        "withdraw": "第一百四十五条第一款",
        "appeal": "第一百七十条第一款第一项",
    }


def _party(draft: Draft, role: str, name: str, place: str) -> str:
    details = person_details(draft.rng, draft.judgment_date.year, draft.court.province_abbr)
    return f"{role}：{name}，{details}，住{place}。"


def _law(draft: Draft) -> list[str]:
    law = CIVIL_LAW[draft.cause.name]
    return list(law.after if draft.judgment_date >= CIVIL_CODE_FROM else law.before)


def _result(draft: Draft, claimant: str, defendant: str, total: int) -> list[str]:
    if draft.cause.name == "离婚纠纷":
        if draft.rng.random() < 0.35:
            return [f"不准原告{claimant}与被告{defendant}离婚。"]
        return [
            f"一、准予原告{claimant}与被告{defendant}离婚；",
            f"二、婚生子由原告{claimant}抚养，被告{defendant}"
            f"每月支付抚养费人民币{amount(draft.rng, 500, 2000)}元，至其年满十八周岁止。",
        ]
    return [
        f"一、被告{defendant}于本判决生效之日起十日内支付原告{claimant}人民币{total}元；",
        f"二、驳回原告{claimant}的其他诉讼请求。",
    ]


def first_instance(draft: Draft, case_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    organisation = cause.claimant.format(place=court.place)
    claimant = organisation or party_name(rng, draft.used_names)
    defendant = party_name(rng, draft.used_names)
    filed = draft.days_before(30, 180)
    articles = _procedure_articles(draft.judgment_date)
    withdrawn = rng.random() < 0.12
    kind = "民事裁定书" if withdrawn else "民事判决书"
    draft.add(court.name, kind, case_number)
    if organisation:
        draft.add(
            f"原告：{organisation}，住所地{court.address}。", f"负责人：{party_name(rng, draft.used_names)}，该单位负责人。"
        )
    else:
        draft.add(_party(draft, "原告", claimant, court.address))
    if rng.random() < 0.6:
        draft.add(f"委托诉讼代理人：{party_name(rng, draft.used_names)}，{court.place}某某律师事务所律师。")
    draft.add(_party(draft, "被告", defendant, court.address))
    absent = rng.random() < 0.3
    draft.add(
        f"原告{claimant}与被告{defendant}{cause.name}一案，本院于{ymd(filed)}立案后，依法适用"
        + ("简易程序" if rng.random() < 0.7 else "普通程序")
        + f"，公开开庭进行了审理。原告{claimant}到庭参加诉讼，被告{defendant}"
        + ("经本院传票传唤无正当理由拒不到庭参加诉讼" if absent else "到庭参加诉讼")
        + "。本案现已审理终结。"
    )
    title = f"{claimant}与{defendant}{cause.name}一审{kind}"
    parties = [{"role": "原告", "name": claimant}, {"role": "被告", "name": defendant}]
    if withdrawn:
        draft.add(
            f"原告{claimant}于{ymd(draft.days_before(1, 20))}向本院提出撤诉申请。",
            f"本院认为，原告{claimant}的撤诉申请符合法律规定。依照{PROCEDURE_LAW}{articles['withdraw']}之规定，裁定如下：",
            f"准许原告{claimant}撤诉。",
            f"案件受理费{amount(rng, 50, 2000)}元，减半收取，由原告{claimant}负担。",
        )
        closing(draft, panel=False)
        return Written(title, "裁定书", parties, [PROCEDURE_LAW + articles["withdraw"]])
    budget = int((draft.target_chars - draft.chars - 800) / (1.6 if cause.serial else 1.1))
    episodes, items = facts(draft, claimant, [defendant], budget, draft.days_before(200, 1500, filed), filed)
    total = amount(rng, 3000, 300000)
    claims = (
        f"1.判令原告{claimant}与被告{defendant}离婚；2.婚生子由原告抚养；3.本案诉讼费用由被告负担。"
        if cause.name == "离婚纠纷"
        else f"1.依法判令被告{defendant}支付人民币{total}元；2.本案诉讼费用由被告负担。"
    )
    draft.add(f"原告{claimant}向本院提出诉讼请求：{claims}事实和理由：" + episodes)
    draft.add(f"被告{defendant}未作答辩。" if absent else f"被告{defendant}辩称，原告所述不属实，请求驳回原告的诉讼请求。")
    if items:
        draft.add("原告为支持其诉讼请求，向本院提交了以下证据：", items)
    draft.add("本院经审理认定事实如下：" + episodes)
    law = _law(draft)
    basis = law + [PROCEDURE_LAW + articles["evidence"]] + ([PROCEDURE_LAW + articles["default"]] if absent else [])
    draft.add(f"本院认为，{cause.conduct}。依照" + "、".join(basis) + "之规定，判决如下：")
    draft.add(*_result(draft, claimant, defendant, total))
    if cause.name != "离婚纠纷":
        draft.add(
            f"如果未按本判决指定的期间履行给付金钱义务，应当依照{PROCEDURE_LAW}{articles['delay']}之规定，"
            "加倍支付迟延履行期间的债务利息。"
        )
    draft.add(f"案件受理费{amount(rng, 50, 5000)}元，由被告{defendant}负担。")
    draft.add(
        f"如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按对方当事人的人数提出副本，上诉于{court.upper}。"
    )
    closing(draft, panel=rng.random() < 0.3)
    return Written(title, "判决书", parties, basis)


def appeal(draft: Draft, case_number: str, lower: Court, lower_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    appellant, appellee = party_name(rng, draft.used_names), party_name(rng, draft.used_names)
    articles = _procedure_articles(draft.judgment_date)
    filed = draft.days_before(30, 120)
    draft.add(
        court.name,
        "民事判决书",
        case_number,
        _party(draft, "上诉人（原审被告）", appellant, lower.address),
        _party(draft, "被上诉人（原审原告）", appellee, lower.address),
    )
    draft.add(
        f"上诉人{appellant}因与被上诉人{appellee}{cause.name}一案，不服{lower.name}{lower_number}民事判决，"
        f"向本院提起上诉。本院于{ymd(filed)}立案后，依法组成合议庭进行了审理。本案现已审理终结。"
    )
    draft.add(f"{appellant}上诉请求：撤销一审判决，依法改判驳回{appellee}的全部诉讼请求。")
    draft.add(f"{appellee}辩称，一审判决认定事实清楚，适用法律正确，请求驳回上诉，维持原判。")
    budget = draft.target_chars - draft.chars - 700
    episodes, items = facts(draft, appellee, [appellant], budget, draft.days_before(300, 1500, filed), filed)
    draft.add("一审法院认定事实：" + episodes)
    if items:
        draft.add("一审法院认定上述事实的证据有：", items)
    draft.add("本院二审期间，当事人没有提交新证据。本院对一审查明的事实予以确认。")
    basis = [PROCEDURE_LAW + articles["appeal"]]
    draft.add(f"本院认为，{cause.conduct}。一审判决认定事实清楚，适用法律正确，应予维持。依照{basis[0]}之规定，判决如下：")
    draft.add("驳回上诉，维持原判。", f"二审案件受理费{amount(rng, 50, 5000)}元，由上诉人{appellant}负担。", "本判决为终审判决。")
    closing(draft, panel=True)
    parties = [{"role": "上诉人", "name": appellant}, {"role": "被上诉人", "name": appellee}]
    return Written(f"{appellant}、{appellee}{cause.name}二审民事判决书", "判决书", parties, basis)
