"""What synthetic cases are about: causes of action with their law, facts and removal risk.

Each fact template is one episode of conduct; long judgments repeat episodes (serial thefts,
many defrauded victims, many loans). Slots: {date} {time} {d} (defendant or claimant side),
{v} (victim or other party), {place}, {amount}, and the cause's own {x} choices.
Removal risk multiplies the base takedown probability; the design's research use cases
(trafficking, 寻衅滋事 against rights defenders, divorce of trafficked women) are the ones CJO
removed most.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cause:
    name: str  # exactly as in ref_causes (案由)
    weight: float  # share among causes of its kind
    articles: tuple[str, ...]  # main articles (刑法 for crimes; see CivilLaw for civil causes)
    conduct: str  # 本院认为 clause: what makes the conduct this crime / claim well-founded
    episodes: tuple[str, ...]
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    removal: float = 1.0
    reasons: tuple[str, ...] = ("06",)  # 不公开理由 codes given when removed
    months: tuple[int, int] = (6, 36)  # sentence range; 0 < months < 12 for 拘役 causes
    detention: bool = False  # 拘役 (months) instead of 有期徒刑
    since: int = 2010  # first judgment year the cause exists
    claimant: str = ""  # civil: the claimant is this organisation ({place}: the court's place)
    serial: bool = True  # long judgments repeat episodes (thefts, loans); else one episode


PLACES = ("某某小区", "某某路", "某某镇某某村", "某某商场", "某某宾馆", "某某网吧", "某某超市", "某某工地")
ITEMS = ("电动自行车一辆", "手机一部", "现金", "黄金项链一条", "电缆线若干", "笔记本电脑一台", "香烟十余条")

CRIMES = (
    Cause(
        "盗窃罪",
        0.20,
        ("第二百六十四条",),
        "以非法占有为目的，秘密窃取他人财物，数额较大",
        (
            "{date}{time}许，被告人{d}在{place}，趁无人注意之机，窃取被害人{v}的{item}，价值人民币{amount}元。",
            "{date}{time}许，被告人{d}窜至{place}，采用撬锁的方式进入被害人{v}家中，窃得{item}，价值人民币{amount}元。",
        ),
        {"item": ITEMS},
        months=(3, 48),
    ),
    Cause(
        "危险驾驶罪",
        0.16,
        ("第一百三十三条之一第一款第（二）项",),
        "在道路上醉酒驾驶机动车",
        (
            "{date}{time}许，被告人{d}饮酒后驾驶牌号为{plate}的小型轿车行驶至{place}路段时，被执勤民警查获。"
            "经鉴定，被告人{d}血液中乙醇含量为{bac}mg/100ml。",
        ),
        {"plate": ("皖S·3K2**", "浙A·9X8**", "川A·7Q1**", "粤B·5L6**", "鲁C·2M0**")},
        months=(1, 6),
        detention=True,
        serial=False,
    ),
    Cause(
        "诈骗罪",
        0.08,
        ("第二百六十六条",),
        "以非法占有为目的，虚构事实、隐瞒真相，骗取他人财物，数额较大",
        ("{date}，被告人{d}通过微信冒充{role}，以{pretext}为由，骗取被害人{v}人民币{amount}元。",),
        {
            "role": ("公司领导", "网店客服", "公安民警", "银行工作人员"),
            "pretext": ("办理退款", "缴纳保证金", "帮忙办理贷款", "投资理财"),
        },
        months=(6, 60),
    ),
    Cause(
        "故意伤害罪",
        0.08,
        ("第二百三十四条第一款",),
        "故意伤害他人身体，致一人轻伤",
        (
            "{date}{time}许，被告人{d}在{place}因{trivia}与被害人{v}发生争执，后持{weapon}击打{v}头部，致{v}受伤。"
            "经鉴定，{v}的损伤程度为轻伤二级。",
        ),
        {"trivia": ("琐事", "停车问题", "债务纠纷", "邻里纠纷"), "weapon": ("木棍", "砖块", "啤酒瓶", "铁锹")},
        months=(6, 36),
        serial=False,
    ),
    Cause(
        "走私、贩卖、运输、制造毒品罪",
        0.07,
        ("第三百四十七条第一款", "第三百四十七条第四款"),
        "明知是毒品而贩卖",
        ("{date}{time}许，被告人{d}在{place}以人民币{amount}元的价格向{v}贩卖甲基苯丙胺（冰毒）{grams}克。",),
        months=(6, 84),
    ),
    Cause(
        "交通肇事罪",
        0.05,
        ("第一百三十三条",),
        "违反交通运输管理法规，因而发生重大事故，致一人死亡",
        (
            "{date}{time}许，被告人{d}驾驶小型普通客车行驶至{place}路口时，未注意观察路面情况，与被害人{v}驾驶的"
            "电动自行车相撞，致{v}经抢救无效死亡。经交警部门认定，被告人{d}负事故主要责任。",
        ),
        months=(6, 36),
        serial=False,
    ),
    Cause(
        "开设赌场罪",
        0.04,
        ("第三百零三条第二款",),
        "以营利为目的，开设赌场",
        ("{date}至{date2}期间，被告人{d}在{place}提供场所、赌具，组织他人以“推筒子”方式赌博，抽头渔利人民币{amount}元。",),
        months=(6, 48),
        serial=False,
    ),
    Cause(
        "寻衅滋事罪",
        0.05,
        ("第二百九十三条第一款",),
        "随意殴打他人，任意毁损他人财物，起哄闹事，破坏社会秩序",
        (
            "{date}{time}许，被告人{d}酒后在{place}无故殴打被害人{v}，致{v}轻微伤。",
            "{date}，被告人{d}多次到{office}无理缠闹，在公共场所拉横幅、起哄闹事，造成公共秩序严重混乱。",
            "{date}起，被告人{d}在网络上编造、散布虚假信息，起哄闹事，造成公共秩序严重混乱。",
        ),
        {"office": ("县人民政府", "镇政府", "信访局", "市人民政府")},
        removal=6.0,
        reasons=("06", "06", "01"),
        months=(6, 60),
    ),
    Cause(
        "抢劫罪",
        0.02,
        ("第二百六十三条",),
        "以非法占有为目的，采用暴力手段劫取他人财物",
        ("{date}{time}许，被告人{d}在{place}持刀威胁被害人{v}，劫得现金人民币{amount}元及手机一部。",),
        months=(36, 120),
    ),
    Cause(
        "帮助信息网络犯罪活动罪",
        0.03,
        ("第二百八十七条之二第一款",),
        "明知他人利用信息网络实施犯罪，为其犯罪提供支付结算帮助，情节严重",
        ("{date}，被告人{d}将本人名下银行卡{cards}张出售给他人用于接收诈骗资金，流水金额共计人民币{amount}元。",),
        {"cards": ("二", "三", "四", "五")},
        months=(6, 24),
        since=2016,
        serial=False,
    ),
    Cause(
        "非法拘禁罪",
        0.015,
        ("第二百三十八条第一款",),
        "非法剥夺他人人身自由",
        ("{date}{time}许，被告人{d}因索要债务将被害人{v}强行带至{place}关押，至次日方才放出。",),
        months=(6, 36),
        serial=False,
    ),
    Cause(
        "容留他人吸毒罪",
        0.015,
        ("第三百五十四条",),
        "容留他人吸食毒品",
        ("{date}{time}许，被告人{d}在其位于{place}的住处容留{v}吸食甲基苯丙胺（冰毒）。",),
        months=(6, 30),
    ),
    Cause(
        "拐卖妇女、儿童罪",
        0.006,
        ("第二百四十条第一款",),
        "以出卖为目的，拐卖妇女",
        (
            "{date}，被告人{d}伙同他人将被害人{v}（女，时年{age}岁，{condition}）从{origin}带至{place}，"
            "以人民币{price}元的价格卖给{buyer}为妻。",
        ),
        {
            "condition": ("智力残疾", "精神残疾", "聋哑人", "身体健康"),
            "origin": ("云南省", "贵州省", "四川省", "越南"),
            "buyer": ("当地村民", "某某村男子", "他人"),
        },
        removal=7.0,
        reasons=("06", "01", "02"),
        months=(60, 144),
    ),
    Cause(
        "收买被拐卖的妇女、儿童罪",
        0.004,
        ("第二百四十一条第一款",),
        "收买被拐卖的妇女",
        (
            "{date}，被告人{d}以人民币{price}元的价格收买被拐卖的妇女{v}（时年{age}岁，{condition}）为妻，"
            "并与其共同生活{years}年。",
        ),
        {"condition": ("智力残疾", "精神残疾", "聋哑人", "身体健康")},
        removal=7.0,
        reasons=("06", "01"),
        months=(6, 36),
        serial=False,
    ),
    Cause(
        "煽动颠覆国家政权罪",
        0.0005,
        ("第一百零五条第二款",),
        "以造谣、诽谤方式煽动颠覆国家政权",
        ("{date}至{date2}期间，被告人{d}利用互联网发布、转发文章{n}篇，煽动颠覆国家政权。",),
        removal=15.0,
        reasons=("01", "06"),
        months=(36, 120),
        serial=False,
    ),
)


# Civil law changed on 2021-01-01 (民法典); each cause names the articles before and after.
@dataclass(frozen=True)
class CivilLaw:
    before: tuple[str, ...]
    after: tuple[str, ...]


CIVIL_LAW = {
    "民间借贷纠纷": CivilLaw(
        ("《中华人民共和国合同法》第二百零六条", "《中华人民共和国合同法》第二百零七条"),
        ("《中华人民共和国民法典》第六百七十五条", "《中华人民共和国民法典》第六百七十六条"),
    ),
    "离婚纠纷": CivilLaw(
        ("《中华人民共和国婚姻法》第三十二条", "《中华人民共和国婚姻法》第三十九条"),
        ("《中华人民共和国民法典》第一千零七十九条", "《中华人民共和国民法典》第一千零八十七条"),
    ),
    "买卖合同纠纷": CivilLaw(
        ("《中华人民共和国合同法》第一百零七条", "《中华人民共和国合同法》第一百五十九条"),
        ("《中华人民共和国民法典》第五百七十七条", "《中华人民共和国民法典》第六百二十六条"),
    ),
    "机动车交通事故责任纠纷": CivilLaw(
        (
            "《中华人民共和国侵权责任法》第六条",
            "《中华人民共和国侵权责任法》第四十八条",
            "《中华人民共和国道路交通安全法》第七十六条",
        ),
        (
            "《中华人民共和国民法典》第一千一百六十五条",
            "《中华人民共和国民法典》第一千二百零八条",
            "《中华人民共和国道路交通安全法》第七十六条",
        ),
    ),
    "金融借款合同纠纷": CivilLaw(
        ("《中华人民共和国合同法》第二百零六条", "《中华人民共和国合同法》第二百零七条"),
        ("《中华人民共和国民法典》第六百七十四条", "《中华人民共和国民法典》第六百七十六条"),
    ),
    "劳务合同纠纷": CivilLaw(("《中华人民共和国合同法》第一百零九条",), ("《中华人民共和国民法典》第五百七十九条",)),
    "物业服务合同纠纷": CivilLaw(("《物业管理条例》第四十一条",), ("《中华人民共和国民法典》第九百四十四条",)),
    "信用卡纠纷": CivilLaw(
        ("《中华人民共和国合同法》第二百零六条", "《中华人民共和国合同法》第二百零七条"),
        ("《中华人民共和国民法典》第六百七十五条", "《中华人民共和国民法典》第六百七十六条"),
    ),
}

CIVIL = (
    Cause(
        "民间借贷纠纷",
        0.26,
        (),
        "合法的借贷关系受法律保护。被告向原告借款后未按约定归还，应承担还款责任",
        ("{date}，被告{v}向原告{d}借款人民币{amount}元，约定月利率{rate}%，并出具借条一份。",),
    ),
    Cause(
        "离婚纠纷",
        0.18,
        (),
        "婚姻关系以夫妻感情为基础。原、被告婚后因生活琐事经常发生矛盾，夫妻感情确已破裂",
        ("{date}，原、被告因{trivia}发生争吵，被告{v}离家外出，双方分居至今。",),
        {
            "trivia": ("家庭琐事", "子女教育", "经济问题", "赡养老人"),
            "doc": ("结婚证", "户口簿", "微信聊天记录", "出生医学证明", "情况说明"),
        },
        removal=4.0,
        reasons=("05", "05", "06"),
        serial=False,
    ),
    Cause(
        "买卖合同纠纷",
        0.15,
        (),
        "原、被告之间的买卖合同合法有效。原告依约供货后，被告未支付货款，构成违约",
        ("{date}，原告{d}向被告{v}供应{goods}，货款共计人民币{amount}元，被告出具欠条一份。",),
        {"goods": ("钢材", "建材", "饲料", "服装", "电子产品")},
    ),
    Cause(
        "机动车交通事故责任纠纷",
        0.12,
        (),
        "公民的生命健康权受法律保护。被告驾驶机动车发生交通事故，致原告受伤，应承担赔偿责任",
        (
            "{date}{time}许，被告{v}驾驶小型轿车行驶至{place}时与原告{d}驾驶的电动自行车相撞，致原告受伤，"
            "经交警部门认定被告负事故全部责任。原告住院治疗{days}天，花去医疗费人民币{amount}元。",
        ),
        serial=False,
    ),
    Cause(
        "金融借款合同纠纷",
        0.10,
        (),
        "原告与被告签订的借款合同合法有效。被告未按约定偿还借款本息，构成违约",
        ("{date}，被告{v}与原告签订《个人借款合同》，借款人民币{amount}元，期限十二个月。",),
        claimant="{place}农村商业银行股份有限公司",
        serial=False,
    ),
    Cause(
        "劳务合同纠纷",
        0.08,
        (),
        "原告为被告提供劳务，被告应当支付劳务报酬",
        ("{date}至{date2}期间，原告{d}在被告{v}承包的{place}工地务工，被告尚欠劳务费人民币{amount}元。",),
        serial=False,
    ),
    Cause(
        "物业服务合同纠纷",
        0.06,
        (),
        "原告依约提供物业服务，被告应当按约交纳物业费",
        ("{date}至{date2}期间，原告为被告{v}所有的{place}房屋提供物业服务，被告拖欠物业费人民币{amount}元。",),
        claimant="{place}某某物业服务有限公司",
        serial=False,
    ),
    Cause(
        "信用卡纠纷",
        0.05,
        (),
        "被告申领信用卡并透支消费后未按约还款，应承担还款责任",
        ("{date}，被告{v}向原告申领信用卡一张并透支消费，截至{date2}尚欠本金人民币{amount}元及利息。",),
        claimant="中国某某银行股份有限公司信用卡中心",
        serial=False,
    ),
)
