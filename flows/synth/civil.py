"""Civil judgments: first instance (民初 判决书, or 裁定书 when the claim is withdrawn) and appeals (民终)."""

from __future__ import annotations

from datetime import date

from flows.synth.catalog import CIVIL_LAW
from flows.synth.common import Draft, cast_of, closing, facts, recurring, template
from flows.synth.courts import Court
from flows.synth.criminal import Written
from flows.synth.names import party_name, person_details
from flows.synth.numerals import FIRST_DAY, YMD_BYTES, amount
from flows.synth.pools import escaped

CIVIL_CODE_FROM = date(2021, 1, 1)
PROCEDURE_LAW = "《中华人民共和国民事诉讼法》"


# Civil Procedure Law article numbers, renumbered by the 2021 and 2023 amendments
_ARTICLES_2024 = {
    "evidence": "第六十七条第一款",
    "default": "第一百四十七条",
    "delay": "第二百六十四条",
    "withdraw": "第一百四十八条第一款",
    "appeal": "第一百七十七条第一款第一项",
}
_ARTICLES_2022 = {
    "evidence": "第六十七条第一款",
    "default": "第一百四十七条",
    "delay": "第二百六十条",
    "withdraw": "第一百四十八条第一款",
    "appeal": "第一百七十七条第一款第一项",
}
_ARTICLES_EARLIER = {
    "evidence": "第六十四条第一款",
    "default": "第一百四十四条",
    "delay": "第二百五十三条",
    "withdraw": "第一百四十五条第一款",
    "appeal": "第一百七十条第一款第一项",
}
_AMENDED_2022, _AMENDED_2024 = date(2022, 1, 1), date(2024, 1, 1)


def _procedure_articles(day: date) -> dict[str, str]:
    return _ARTICLES_2024 if day >= _AMENDED_2024 else _ARTICLES_2022 if day >= _AMENDED_2022 else _ARTICLES_EARLIER


_PARTY = template("%s：%s，%s，住%s。")
_CLAIMANT, _DEFENDANT = template("原告"), template("被告")
_APPELLANT, _APPELLEE = template("上诉人（原审被告）"), template("被上诉人（原审原告）")
_JUDGMENT, _RULING = template("民事判决书"), template("民事裁定书")
_ORGANISATION = template("原告：%s，住所地%s。")
_HEAD = template("负责人：%s，该单位负责人。")
_AGENT = template("委托诉讼代理人：%s，%s某某律师事务所律师。")
_HEARD = template(
    "原告%s与被告%s%s一案，本院于%s立案后，依法适用%s，公开开庭进行了审理。原告%s到庭参加诉讼，被告%s%s。本案现已审理终结。"
)
_SIMPLE, _ORDINARY = template("简易程序"), template("普通程序")
_ABSENT, _PRESENT = template("经本院传票传唤无正当理由拒不到庭参加诉讼"), template("到庭参加诉讼")
_WITHDRAWAL = template("原告%s于%s向本院提出撤诉申请。")
_WITHDRAWAL_OPINION = template("本院认为，原告%s的撤诉申请符合法律规定。依照%s之规定，裁定如下：")
_WITHDRAWN = template("准许原告%s撤诉。")
_HALF_FEE = template("案件受理费%d元，减半收取，由原告%s负担。")
_DIVORCE_CLAIMS = template(
    "原告%s向本院提出诉讼请求：1.判令原告%s与被告%s离婚；2.婚生子由原告抚养；3.本案诉讼费用由被告负担。事实和理由："
)
_CLAIMS = template("原告%s向本院提出诉讼请求：1.依法判令被告%s支付人民币%d元；2.本案诉讼费用由被告负担。事实和理由：")
_NO_DEFENCE = template("被告%s未作答辩。")
_DEFENCE = template("被告%s辩称，原告所述不属实，请求驳回原告的诉讼请求。")
_EVIDENCE = template("原告为支持其诉讼请求，向本院提交了以下证据：")
_FOUND = template("本院经审理认定事实如下：")
_OPINION = template("本院认为，%s。依照%s之规定，判决如下：")
_NO_DIVORCE = template("不准原告%s与被告%s离婚。")
_DIVORCE = template("一、准予原告%s与被告%s离婚；")
_CUSTODY = template("二、婚生子由原告%s抚养，被告%s每月支付抚养费人民币%d元，至其年满十八周岁止。")
_PAY = template("一、被告%s于本判决生效之日起十日内支付原告%s人民币%d元；")
_REST_DISMISSED = template("二、驳回原告%s的其他诉讼请求。")
_DELAY = template("如果未按本判决指定的期间履行给付金钱义务，应当依照%s之规定，加倍支付迟延履行期间的债务利息。")
_FEE = template("案件受理费%d元，由被告%s负担。")
_APPEAL_NOTICE = template(
    "如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按对方当事人的人数提出副本，上诉于%s。"
)
_APPEALED = template(
    "上诉人%s因与被上诉人%s%s一案，不服%s%s民事判决，向本院提起上诉。本院于%s立案后，依法组成合议庭进行了审理。本案现已审理终结。"
)
_APPEAL_CLAIMS = template("%s上诉请求：撤销一审判决，依法改判驳回%s的全部诉讼请求。")
_APPEAL_DEFENCE = template("%s辩称，一审判决认定事实清楚，适用法律正确，请求驳回上诉，维持原判。")
_FOUND_BELOW = template("一审法院认定事实：")
_EVIDENCE_BELOW = template("一审法院认定上述事实的证据有：")
_NOTHING_NEW = template("本院二审期间，当事人没有提交新证据。本院对一审查明的事实予以确认。")
_APPEAL_OPINION = template("本院认为，%s。一审判决认定事实清楚，适用法律正确，应予维持。依照%s之规定，判决如下：")
_DISMISSED, _FINAL = template("驳回上诉，维持原判。"), template("本判决为终审判决。")
_APPEAL_FEE = template("二审案件受理费%d元，由上诉人%s负担。")


def _party(draft: Draft, role: bytes, name: str, place: str) -> bytes:
    details = person_details(draft.rng, draft.year, draft.court.province_abbr)
    return _PARTY % (role, recurring(name), details, recurring(place))


def _law(draft: Draft) -> list[str]:
    law = CIVIL_LAW[draft.cause.name]
    return list(law.after if draft.judgment_date >= CIVIL_CODE_FROM else law.before)


def _result(draft: Draft, claimant: bytes, defendant: bytes, total: int) -> list[bytes]:
    if draft.cause.name == "离婚纠纷":
        if draft.rng.random() < 0.35:
            return [_NO_DIVORCE % (claimant, defendant)]
        return [_DIVORCE % (claimant, defendant), _CUSTODY % (claimant, defendant, amount(draft.rng, 500, 2000))]
    return [_PAY % (defendant, claimant, total), _REST_DISMISSED % claimant]


def first_instance(draft: Draft, case_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    organisation = cause.claimant.format(place=court.place)
    cast = cast_of(draft)
    claimant, defendant = organisation or cast.who, cast.others[0]
    claimant_b, defendant_b = recurring(claimant), recurring(defendant)
    filed = draft.days_before(30, 180)
    articles = _procedure_articles(draft.judgment_date)
    withdrawn = rng.random() < 0.12
    kind = "民事裁定书" if withdrawn else "民事判决书"
    draft.add(recurring(court.name), _RULING if withdrawn else _JUDGMENT, escaped(case_number))
    if organisation:
        draft.add(_ORGANISATION % (claimant_b, recurring(court.address)), _HEAD % recurring(party_name(rng, draft.used_names)))
    else:
        draft.add(_party(draft, _CLAIMANT, claimant, court.address))
    if rng.random() < 0.6:
        draft.add(_AGENT % (recurring(party_name(rng, draft.used_names)), recurring(court.place)))
    draft.add(_party(draft, _DEFENDANT, defendant, court.address))
    absent = rng.random() < 0.3
    procedure = _SIMPLE if rng.random() < 0.7 else _ORDINARY
    draft.add(
        _HEARD
        % (claimant_b, defendant_b, recurring(cause.name), YMD_BYTES[filed - FIRST_DAY], procedure, claimant_b, defendant_b,
           _ABSENT if absent else _PRESENT)
    )  # fmt: skip
    title = f"{claimant}与{defendant}{cause.name}一审{kind}"
    parties = [{"role": "原告", "name": claimant}, {"role": "被告", "name": defendant}]
    if withdrawn:
        withdraw = PROCEDURE_LAW + articles["withdraw"]
        draft.add(
            _WITHDRAWAL % (claimant_b, YMD_BYTES[draft.days_before(1, 20) - FIRST_DAY]),
            _WITHDRAWAL_OPINION % (claimant_b, recurring(withdraw)),
            _WITHDRAWN % claimant_b,
            _HALF_FEE % (amount(rng, 50, 2000), claimant_b),
        )
        closing(draft, panel=False)
        return Written(title, "裁定书", parties, [withdraw])
    budget = int((draft.target_chars - draft.chars - 800) / (1.6 if cause.serial else 1.1))
    episodes, items = facts(draft, cast, budget, draft.days_before(200, 1500, filed), filed)
    total = amount(rng, 3000, 300000)
    if cause.name == "离婚纠纷":
        claims = _DIVORCE_CLAIMS % (claimant_b, claimant_b, defendant_b)
    else:
        claims = _CLAIMS % (claimant_b, defendant_b, total)
    draft.add(claims + episodes, (_NO_DEFENCE if absent else _DEFENCE) % defendant_b)
    if items:
        draft.add(_EVIDENCE, items)
    draft.add(_FOUND + episodes)
    law = _law(draft)
    basis = law + [PROCEDURE_LAW + articles["evidence"]] + ([PROCEDURE_LAW + articles["default"]] if absent else [])
    draft.add(_OPINION % (recurring(cause.conduct), recurring("、".join(basis))))
    draft.add(*_result(draft, claimant_b, defendant_b, total))
    if cause.name != "离婚纠纷":
        draft.add(_DELAY % recurring(PROCEDURE_LAW + articles["delay"]))
    draft.add(_FEE % (amount(rng, 50, 5000), defendant_b))
    draft.add(_APPEAL_NOTICE % recurring(court.upper))
    closing(draft, panel=rng.random() < 0.3)
    return Written(title, "判决书", parties, basis)


def appeal(draft: Draft, case_number: str, lower: Court, lower_number: str) -> Written:
    rng, court, cause = draft.rng, draft.court, draft.cause
    cast = cast_of(draft)
    appellant, appellee = cast.others[0], cast.who  # the defendant below appeals
    appellant_b, appellee_b = recurring(appellant), recurring(appellee)
    articles = _procedure_articles(draft.judgment_date)
    filed = draft.days_before(30, 120)
    draft.add(
        recurring(court.name),
        _JUDGMENT,
        escaped(case_number),
        _party(draft, _APPELLANT, appellant, lower.address),
        _party(draft, _APPELLEE, appellee, lower.address),
    )
    draft.add(
        _APPEALED
        % (
            appellant_b,
            appellee_b,
            recurring(cause.name),
            recurring(lower.name),
            escaped(lower_number),
            YMD_BYTES[filed - FIRST_DAY],
        )
    )
    draft.add(_APPEAL_CLAIMS % (appellant_b, appellee_b), _APPEAL_DEFENCE % appellee_b)
    budget = draft.target_chars - draft.chars - 700
    episodes, items = facts(draft, cast, budget, draft.days_before(300, 1500, filed), filed)
    draft.add(_FOUND_BELOW + episodes)
    if items:
        draft.add(_EVIDENCE_BELOW, items)
    draft.add(_NOTHING_NEW)
    basis = [PROCEDURE_LAW + articles["appeal"]]
    draft.add(_APPEAL_OPINION % (recurring(cause.conduct), recurring(basis[0])))
    draft.add(_DISMISSED, _APPEAL_FEE % (amount(rng, 50, 5000), appellant_b), _FINAL)
    closing(draft, panel=True)
    parties = [{"role": "上诉人", "name": appellant}, {"role": "被上诉人", "name": appellee}]
    return Written(f"{appellant}、{appellee}{cause.name}二审民事判决书", "判决书", parties, basis)
