"""ASCII labels for chart axes: no CJK font is installed, so Chinese text would render as boxes."""

from __future__ import annotations

PROVINCES = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi", "内蒙古自治区": "Inner Mongolia",
    "辽宁省": "Liaoning", "吉林省": "Jilin", "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu",
    "浙江省": "Zhejiang", "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong", "广西壮族自治区": "Guangxi",
    "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan", "贵州省": "Guizhou", "云南省": "Yunnan",
    "西藏自治区": "Tibet", "陕西省": "Shaanxi", "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang", "新疆生产建设兵团": "XPCC", "境外": "abroad", "不详": "unknown",
}  # fmt: skip
CHARGES = {
    "寻衅滋事": "picking quarrels", "煽动颠覆国家政权": "inciting subversion", "颠覆国家政权": "subversion",
    "煽动分裂国家": "inciting separatism", "聚众扰乱公共秩序": "disturbing public order", "非法经营": "illegal business",
    "诈骗": "fraud", "利用邪教组织破坏法律实施": "cult", "为境外刺探、非法提供国家秘密、情报": "state secrets",
    "其他": "other", "不详": "unknown",
}  # fmt: skip


def ascii_label(text: object, table: dict[str, str]) -> str:
    """The English label of ``text``, else the text itself if ASCII, else ``other``."""
    value = "" if text is None else str(text)
    return table.get(value) or (value if value.isascii() and value else "other")
