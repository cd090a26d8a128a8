"""What a personal name after a protected role looks like, as one regular expression.

Chinese rules require courts to anonymise victims, minors and witnesses, keeping the surname
and replacing the given name (张某, 李某某, 王某1). Courts slip. A *protected role* word
(被害人, 被拐卖妇女, 证人 …) followed by a common surname and one or two given-name characters is
taken as a full name. Characters that follow a role word but are not given names (陈述 in
"被害人陈述", 家中, 的, 某) are excluded from the given-name class, so anonymised forms and
ordinary prose are left alone.

The pattern uses only what both Python's ``re`` and DuckDB's RE2 understand identically
(alternation, character classes, bounded repetition), so SQL and Python redact the same way.
"""

from __future__ import annotations

# Longest first: alternation takes the first branch that matches.
PROTECTED_ROLES = (
    "被拐卖的妇女", "被拐卖的儿童", "被拐卖妇女", "被拐卖儿童", "被收买妇女", "被拐妇女", "被拐儿童",
    "被害妇女", "被害儿童", "受害妇女", "未成年人", "被害人", "受害人", "被监护人", "证人", "幼女", "女童",
)  # fmt: skip

COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯", "端木")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
    "苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵"
    "万覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦柳邢岳齐梅莫庄辛管祝"
    "左涂谷祁舒耿牟卜詹苗凌费纪靳盛童欧甄项曲游阳裴席卫查屈鲍霍翁隋甘景薄单包司柏"
    "宁柯阮桂闵解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫苟褚廉简娄盖符奚穆党燕"
    "郎邸冀谈姬屠郜晏栾郁蒙喻揭窦迟宇敖糜鄢冷卓艾蓝巩井练仲乐虞卞封竺冼官楚佟栗"
    "匡宗巫鞠桑荆谌银扬沙伏岑习胥蔺"
)
# Characters that, right after a role word, start ordinary prose rather than a given name.
NOT_GIVEN = (
    "某甲乙丙丁戊己庚辛壬癸"  # already anonymised: 张某, 某甲
    "的之在于与和及或等向对从到把将被让给为以因由系是了着过也都又还就才所"
    "述诉称说讲供证言陈报告知称认指明表示要求请愿意不未没无已曾均各自本其该此"
    "家中内外里上下前后左右处方面部身头脸手腿脚眼口财物款钱人员们者等死伤亡病"
    "年月日时分次天晚早夜当回去来到走跑打骂行奸共经用衣裤鞋包车门窗产品具体屋间合法"
)


def _given_class() -> str:
    """[…] of every CJK unified ideograph (一-龥) except :data:`NOT_GIVEN`, as code-point ranges."""
    excluded = sorted({ord(char) for char in NOT_GIVEN})
    ranges, start = [], 0x4E00
    for point in excluded:
        if point > start:
            ranges.append((start, point - 1))
        start = max(start, point + 1)
    ranges.append((start, 0x9FA5))
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]"


ROLE_GROUP = "(" + "|".join(PROTECTED_ROLES) + ")"
SEPARATOR_GROUP = "([：:]?)"
SURNAME_GROUP = "(" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(set(SURNAMES))) + "])"
GIVEN_GROUP = "(" + _given_class() + "{1,2})"
# The character after the name, kept: anything but 某, so 欧阳某 is never read as 欧 + 阳 (a
# full name) followed by 某. ``$`` is reached only at the very end, where RE2 and Python agree.
FOLLOWING_GROUP = "([^某]|$)"
# role, optional colon, surname, given name, following character: groups 1-5.
ROLE_NAME_PATTERN = ROLE_GROUP + SEPARATOR_GROUP + SURNAME_GROUP + GIVEN_GROUP + FOLLOWING_GROUP
PLACEHOLDER = "某某"
