"""Write data/allocations/2024_民生实事.xlsx: the hand transcription of the two livelihood tables.

The tables (2024年省市政府民生实事责任分解, in seed 004) were typeset vertically and
arrive scrambled (see DOMAIN.md). What is written here was read by a person; this
script only lays it out as the office spreadsheet and finds, for every number cell,
where its pieces sit in the source text, so the loader can check each one.

A cell is located by walking the raw text from its row label (柯城区, 全市目标任务 …):
the pieces of a cell follow each other with only white space between them
("44\\n88\\n0" is 44880). A cell that starts with "~" may be preceded by other text
(a header word printed into the row). Run it again after changing a value:

    .venv/bin/python scripts/transcribe_allocations_2024.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.allocation_sheet import (  # noqa: E402
    DATA_HEADERS_AFTER, DATA_HEADERS_BEFORE, META_SHEET, PROVENANCE_HEADERS, PROVENANCE_SHEET,
)
from loaders.text_clean import clean  # noqa: E402

SOURCE = ROOT / "data" / "sources" / "004_d96df1f4540694e4.txt"
OUT = ROOT / "data" / "allocations" / "2024_民生实事.xlsx"
JURISDICTIONS = ["市本级", "柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县", "智造新城", "智慧新城"]
COUNTIES_GOV = "各县（市、区）政府"
TOTAL = "全市目标任务"

# ----------------------------------------------------------------------------- the transcription
# Row: key, 序号, 事项分类, 事项名称 (with the text to find it by, or None), 指标, 单位, 指标类型, 目标原文,
# lead, cooperating, whether the units' row assignment is inferred, note.
PROVINCE = [
    ("1", 1, "医疗卫生", "为全省60岁以上老年人免费接种流感疫苗", "免费接种流感疫苗", "人", "数量", "",
     "市卫健委", f"市民政局、{COUNTIES_GOV}", True, ""),
    ("2", 2, "医疗卫生", "为全省重点人群免费开展结直肠癌筛查，2024年重点筛查60岁以上人群", "结直肠癌筛查", "人", "数量", "",
     "市卫健委", COUNTIES_GOV, True, ""),
    ("3", 3, "医疗卫生", "在公共场所新增配置自动体外除颤仪1万台", "公共场所新增配置自动体外除颤仪", "台", "数量", "",
     "市卫健委", f"市红十字会、{COUNTIES_GOV}", True, ""),
    ("4", 4, "医疗卫生", "培训应急救护人员5万人以上", "培训应急救护人员", "人", "数量", "",
     "市红十字会", f"市卫健委、{COUNTIES_GOV}", True, ""),
    ("5a", 5, "医疗卫生", "实行全省医保参保人员一地签约、全省共享", "基层医疗机构门诊报销比例", "%", "比例",
     "全省基层医疗机构门诊报销比例≥50%，各设区市基层医疗机构门诊报销比例≥50%",
     "市医保局", COUNTIES_GOV, True, "只有全市目标，原文未分解到县（市、区）"),
    ("5b", 5, "医疗卫生", "实行全省医保参保人员一地签约、全省共享", "省内异地结算定点医院开通率", "%", "比例",
     "全省异地结算定点医院开通率达100%，各设区市异地结算定点医院开通率达100%",
     "市医保局", f"市卫健委、{COUNTIES_GOV}", True, "只有全市目标，原文未分解到县（市、区）"),
    ("6", 6, "教育助学", "持有居住证的义务教育段随迁子女就读公办学校比例达90%以上", "随迁子女就读公办学校比例", "%", "比例",
     "≥95%", "市教育局", COUNTIES_GOV, True, ""),
    ("7", 7, "教育助学", "开工建设高校基础设施改造提升项目208个", "高校基础设施改造提升项目", "个", "数量",
     "/（无任务）", "市教育局", "/", True, "衢州无任务"),
    ("8", 8, "教育助学", "实施中小学校“示范食堂”建设行动，2024年完成1000家以上", "中小学校“示范食堂”", "家", "数量", "",
     "市市场监管局", f"市教育局、{COUNTIES_GOV}", True, ""),
    ("18", 18, "城乡宜居", ("新（改）建城市雨水管网", "新（）建城市雨水管网0公里"), "新（改）建城市雨水管网", "公里", "数量", "",
     "", f"{COUNTIES_GOV}、智造新城管委会、智慧新城管委会", True,
     "事项名称残缺（原文“新（）建城市雨水管网0公里”）；牵头单位原文缺失"),
    ("19a", 19, "城乡宜居", ("建成幸福河湖；完成农村饮用水单村水站改造，其中2024年完成2000座以上",
                          "上福湖农村水治—年所标单水改造，其中2024年完成2000座以上"),
     "幸福河湖", "公里", "数量", "", "市水利局", COUNTIES_GOV, True,
     "事项名称残缺，按残存文字（“上福湖农村水治—年所标单水改造”）补全；指标名称为推断"),
    ("19b", 19, "城乡宜居", ("建成幸福河湖；完成农村饮用水单村水站改造，其中2024年完成2000座以上",
                          "上福湖农村水治—年所标单水改造，其中2024年完成2000座以上"),
     "农村单村水站改造", "座", "数量", "", "市水利局", COUNTIES_GOV, True, "同上"),
    ("20", 20, "交通出行", "新增铁路和轨道交通运营里程284公里", "铁路和轨道交通运营里程", "公里", "数量",
     "/（无任务）", "市发改委", "/", True, "衢州无任务"),
    ("21", 21, "交通出行", "新建新能源汽车公共充电桩2万个以上", "新能源汽车公共充电桩", "个", "数量", "",
     "市发改委", f"{COUNTIES_GOV}、市城投集团、市住建局", True, ""),
    ("22", 22, "交通出行", "新（改）建农村公路1000公里以上", "新（改）建农村公路", "公里", "数量", "",
     "市交通运输局", COUNTIES_GOV, True, ""),
    ("23", 23, "交通出行", "实施水路客（货）运设施改造提升项目110个", "水路客（货）运设施改造提升项目", "个", "数量", "",
     "市交通运输局", "市水利局、衢江区政府、江山市政府", True, ""),
    ("24", 24, "文化体育", "向公众开放亚运公共体育场馆", "向公众开放亚运公共体育场馆", "个", "数量", "/（无任务）",
     "市体育局", "/", False, "衢州无任务"),
    ("25", 25, "文化体育", "改造提升历史文化街区10个", "改造提升历史文化街区", "个", "数量", "",
     "市住建局", "市文旅局、常山县政府", False, ""),
    ("26", 26, "文化体育", "修缮不可移动文物200处", "修缮不可移动文物", "处", "数量", "",
     "市文旅局", COUNTIES_GOV, False, ""),
    ("27", 27, "暖心服务", "实施户外劳动者暖心服务行动，2024年改造提升服务站点1000家以上", "改造提升户外劳动者服务站点", "家", "数量", "",
     "市总工会", f"市住建局、市综合执法局、市民政局、市人行、{COUNTIES_GOV}", True, ""),
    ("28", 28, "暖心服务", "实行群众“身后事”基本服务免费", "实行“身后事”基本服务免费", "个", "数量", "",
     "市民政局", COUNTIES_GOV, True, "单位“个”指实行的县（市、区）"),
    ("29", 29, "除险保安", "完成病险山塘整治450座", "病险山塘整治", "座", "数量", "",
     "市水利局", COUNTIES_GOV, True, ""),
    ("30", 30, "除险保安", "完成灌溉泵站机埠、堰坝水闸更新改造1500座", "灌溉泵站机埠、堰坝水闸更新改造", "座", "数量", "",
     "市水利局", COUNTIES_GOV, True, ""),
    ("31", 31, "除险保安", "实现全省乡镇（街道）应急消防管理站全覆盖", "乡镇（街道）应急消防管理站", "个", "数量", "",
     "市应急管理局、市消防救援支队", "市委编办、市委政法委", True, ""),
    ("32", 32, "除险保安", "开展阳光食品作坊建设行动，建成在全省有示范性的食品作坊2000家以上", "示范性食品作坊", "家", "数量", "",
     "市市场监管局", COUNTIES_GOV, True, ""),
    ("33", 33, "除险保安",
     "建立“浙里快处”网上平台，实现快处快赔量占非伤人交通事故总量60%以上（全年“浙里快处”处理量达160万起）",
     "“浙里快处”处理量", "起", "数量", "", "市公安局", f"市金融监管局、{COUNTIES_GOV}", True,
     "序号33为推断（原文序号行只印到32）；各地合计36300与全市目标任务36000不一致，照原文录入"),
]
CITY = [
    ("1", 1, "", "“家门口青少年宫”扩面提质行动", "“家门口青少年宫”", "个", "数量", "",
     "团市委", f"市文明办、市人力社保局、市教育局、{COUNTIES_GOV}", True, ""),
    ("2a", 2, "", "“幸福亲水”工程", "新改（扩）建公开水域游泳场所", "个", "数量", "新改（扩）建公开水域游泳场所12个。",
     "市水利局", f"市资源规划局、市应急管理局、{COUNTIES_GOV}", True,
     "常山县、开化县两格原文缺失（两县合计应为4），未推算"),
    ("2b", 2, "", "“幸福亲水”工程", "新建（改建）亲水节点", "处", "数量", "新建（改建）亲水节点24处",
     "市水利局", f"市资源规划局、市应急管理局、{COUNTIES_GOV}", True, ""),
    ("3", 3, "", "群众门诊看病“最多付一次”", "门诊全流程一次就诊“最多付一次”", "", "定性",
     "①各县区至少一家二级以上医疗机构完成“信用就医”接口改造", "市医保局", "市卫健委", False,
     "定性任务；各地工作目标见原文"),
    ("4", 4, "", "“畅饮好水”农村供水安全提升行动", "提升改造农村饮用水单村水站", "座", "数量",
     "提升改造70%农村饮用水单村水站（338座）", f"市水利局、{COUNTIES_GOV}",
     "市住建局、市卫健委、市生态环境局、市资源规划局、市供电公司", False, ""),
    ("5", 5, "", "“风雨无忧”学生接送暖心工程", "学校建设风雨长廊", "条", "数量", "",
     "市教育局", "市住建局、市资源规划局、市综合执法局", True, ""),
    ("6", 6, "", "“安居守护”困难独居老人家庭安全环境提升工程", "困难独居老年人家庭安全环境提升", "户", "数量", "",
     "市民政局", "市委社工部、市消防救援支队", True, ""),
    ("7", 7, "", "“生命接力”急救站点补盲工程", "新增农村地区标准化急救站点", "个", "数量", "",
     "市卫健委", COUNTIES_GOV, True, ""),
    ("8", 8, "", "新就业形态劳动者“暖心驿站”", "新就业形态劳动者“暖心驿站”", "个", "数量", "",
     "市总工会", f"市交通运输局、智造新城管委会、{COUNTIES_GOV}", True, ""),
    ("9", 9, "", "“爱心托班”暑期爱心托管项目", "暑期爱心托班", "个", "数量", "",
     "市总工会", f"市教育局、团市委、市妇联、{COUNTIES_GOV}、智造新城管委会", True, ""),
    ("10a", 10, "", "“绘就共富”农民转移就业服务工程", "开发农民转移就业岗位", "个", "数量", "开发农民转移就业岗位8000个",
     "市人力社保局", f"市农业农村局、市民政局、市妇联、市工商联、{COUNTIES_GOV}", False, ""),
    ("10b", 10, "", "“绘就共富”农民转移就业服务工程", "培训农村转移劳动力", "人次", "数量", "培训农村转移劳动力1000人次",
     "市人力社保局", f"市农业农村局、市民政局、市妇联、市工商联、{COUNTIES_GOV}", False, ""),
    ("10c", 10, "", "“绘就共富”农民转移就业服务工程", "建设零工驿站", "家", "数量", "建设零工驿站15家",
     "市人力社保局", f"市农业农村局、市民政局、市妇联、市工商联、{COUNTIES_GOV}", False, ""),
    ("10d", 10, "", "“绘就共富”农民转移就业服务工程", "建设共富工坊", "家", "数量", "建设共富工坊15家",
     "市人力社保局", f"市农业农村局、市民政局、市妇联、市工商联、{COUNTIES_GOV}", False, ""),
]

# Pages: (text that opens the page in the raw source, [(row label, [(row key, printed cell), …]), …]).
# Printed cells are in the order their pieces appear after the label; "/" = no task.
J = JURISDICTIONS
PROVINCE_PAGES = [
    ("号 1 2 3 4 5 6 7 8", [
        (TOTAL, [("1", "233000"), ("2", "75000"), ("3", "230"), ("4", "1150"),
                 ("5a", "全省基层医疗机构门诊报销比例≥50%，各设区市基层医疗机构门诊报销比例≥50%"),
                 ("5b", "全省异地结算定点医院开通率达100%，各设区市异地结算定点医院开通率达100%"),
                 ("6", "≥95%"), ("7", "/（无任务）"), ("8", "40")]),
        ("市本级", [("1", "0"), ("2", "0"), ("3", "20"), ("4", "100"), ("6", "95%"), ("8", "0")]),
        ("柯城区", [("1", "44880"), ("2", "19600"), ("3", "20"), ("4", "100"), ("6", "100%"), ("8", "5")]),
        ("衢江区", [("1", "38840"), ("2", "11500"), ("3", "40"), ("4", "200"), ("6", "95%"), ("8", "6")]),
        ("龙游县", [("1", "40200"), ("2", "11800"), ("3", "40"), ("4", "200"), ("6", "100%"), ("8", "6")]),
        ("江山市", [("1", "52380"), ("2", "15300"), ("3", "60"), ("4", "300"), ("6", "95%"), ("8", "9")]),
        ("常山县", [("1", "28100"), ("2", "8200"), ("3", "25"), ("4", "125"), ("6", "100%"), ("8", "6")]),
        ("开化县", [("1", "28600"), ("2", "8600"), ("3", "25"), ("4", "125"), ("6", "100%"), ("8", "6")]),
        ("智造新城", [("1", "/"), ("2", "/"), ("3", "/"), ("4", "/"), ("6", "/"), ("8", "0")]),
        ("智慧新城", [("1", "/"), ("2", "/"), ("3", "/"), ("4", "/"), ("6", "/"), ("8", "2")]),
    ]),
    ("号 18 19 20 21 22 23", [
        (TOTAL, [("18", "23"), ("19a", "185.2"), ("19b", "158"), ("20", "/（无任务）"), ("21", "500"),
                 ("22", "80"), ("23", "2")]),
        ("市本级", [("18", "5"), ("19a", "0"), ("19b", "0"), ("21", "206"), ("22", "0"), ("23", "0")]),
        ("柯城区", [("18", "1"), ("19a", "26.5"), ("19b", "7"), ("21", "72"), ("22", "5"), ("23", "0")]),
        ("衢江区", [("18", "3"), ("19a", "38"), ("19b", "30"), ("21", "82"), ("22", "19"), ("23", "1")]),
        ("龙游县", [("18", "4"), ("19a", "25"), ("19b", "12"), ("21", "21"), ("22", "6"), ("23", "0")]),
        ("江山市", [("18", "2"), ("19a", "32.2"), ("19b", "14"), ("21", "35"), ("22", "12"), ("23", "1")]),
        ("常山县", [("18", "0.5"), ("19a", "38.5"), ("19b", "30"), ("21", "46"), ("22", "17"), ("23", "0")]),
        ("开化县", [("18", "2"), ("19a", "25"), ("19b", "65"), ("21", "38"), ("22", "21"), ("23", "0")]),
        ("智造新城", [("18", "2"), ("19a", "/"), ("19b", "/"), ("21", "/"), ("22", "/"), ("23", "/")]),
        ("智慧新城", [("18", "3.5"), ("19a", "/"), ("19b", "/"), ("21", "/"), ("22", "/"), ("23", "/")]),
    ]),
    ("号 24 25 26 27 28 29 30 31 32", [
        (TOTAL, [("24", "/（无任务）"), ("25", "1"), ("26", "11"), ("27", "50"), ("28", "6"), ("29", "72"),
                 ("30", "74"), ("31", "134"), ("32", "262"), ("33", "36000")]),
        ("市本级", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 1 2 0 0 0 0 0 0".split())]),
        ("柯城区", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 0 8 1 7 5 21 33 8800".split())]),
        ("衢江区", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 1 8 1 13 14 30 40 4800".split())]),
        ("龙游县", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 3 8 1 16 16 20 52 4500".split())]),
        ("江山市", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 1 8 1 35 15 26 51 6900".split())]),
        ("常山县", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "1 3 8 1 0 14 19 46 3900".split())]),
        ("开化县", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                         "0 2 8 1 1 10 18 40 2700".split())]),
        ("智造新城", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                           "/ / / / / / / / 4700（集聚区）".split())]),
        ("智慧新城", [(k, v) for k, v in zip(["25", "26", "27", "28", "29", "30", "31", "32", "33"],
                                           "/ / / / / / / / 0".split())]),
    ]),
]
CITY_PAGES = [
    ("号 1 2", [
        ("全市任务", [("1", "12"), ("2a", "12"), ("2b", "24")]),
        ("市本级", [("1", "/"), ("2a", "/"), ("2b", "/")]),
        ("柯城区", [("1", "3"), ("2a", "2"), ("2b", "4")]),
        ("衢江区", [("1", "2"), ("2a", "2"), ("2b", "4")]),
        ("龙游县", [("1", "2"), ("2a", "2"), ("2b", "4")]),
        ("江山市", [("1", "1"), ("2a", "2"), ("2b", "4")]),
        ("常山县", [("1", "1"), ("2b", "~4")]),
        ("开化县", [("1", "1"), ("2b", "~4")]),
        ("智造新城", [("1", "1"), ("2b", "~/")]),
        ("智慧新城", [("1", "1"), ("2b", "~/")]),
    ]),
    ("号 3 4", [
        ("全市任务", [("3", "①各县区至少一家二级以上医疗机构完成“信用就医”接口改造"), ("4", "~338")]),
        ("市本级", [("3", "①市人民医院继续深化信用就医应用"), ("4", "~/")]),
        ("柯城区", [("3", "①实现至少一家二级以上医院打通信用就医"), ("4", "~29")]),
        ("衢江区", [("4", "44")]),
        ("龙游县", [("4", "29")]),
        ("江山市", [("4", "46")]),
        ("常山县", [("4", "35")]),
        ("开化县", [("4", "155")]),
        ("智造新城", [("3", "/"), ("4", "/")]),
        ("智慧新城", [("3", "/"), ("4", "/")]),
    ]),
    ("号 5 6 7 8 9", [
        ("全市任务", [("5", "20"), ("6", "1000"), ("7", "6"), ("8", "33"), ("9", "200")]),
        ("市本级", [("5", "/"), ("6", "/"), ("7", "/"), ("8", "2"), ("9", "30")]),
        ("柯城区", [("5", "4"), ("6", "160"), ("7", "1"), ("8", "5"), ("9", "26")]),
        ("衢江区", [("5", "4"), ("6", "170"), ("7", "1"), ("8", "5"), ("9", "26")]),
        ("龙游县", [("5", "2"), ("6", "170"), ("7", "1"), ("8", "5"), ("9", "30")]),
        ("江山市", [("5", "4"), ("6", "170"), ("7", "1"), ("8", "5"), ("9", "30")]),
        ("常山县", [("5", "3"), ("6", "170"), ("7", "1"), ("8", "5"), ("9", "26")]),
        ("开化县", [("5", "3"), ("6", "160"), ("7", "1"), ("8", "5"), ("9", "26")]),
        ("智造新城", [("5", "/"), ("6", "/"), ("7", "/"), ("8", "1"), ("9", "6")]),
        ("智慧新城", [("5", "/"), ("6", "/"), ("7", "/"), ("8", "/"), ("9", "/")]),
    ]),
    ("号 10", [
        ("全市任务", [("10a", "8000"), ("10b", "1000"), ("10c", "15"), ("10d", "15")]),
        ("市本级", [("10a", "/"), ("10b", "/"), ("10c", "/"), ("10d", "/")]),
        ("柯城区", [("10a", "1200"), ("10b", "180"), ("10c", "3"), ("10d", "3")]),
        ("衢江区", [("10a", "1100"), ("10b", "180"), ("10c", "3"), ("10d", "3")]),
        ("龙游县", [("10a", "1000"), ("10b", "200"), ("10c", "2"), ("10d", "2")]),
        ("江山市", [("10a", "1200"), ("10b", "200"), ("10c", "3"), ("10d", "3")]),
        ("常山县", [("10a", "800"), ("10b", "140"), ("10c", "2"), ("10d", "2")]),
        ("开化县", [("10a", "700"), ("10b", "100"), ("10c", "2"), ("10d", "2")]),
        ("智造新城", [("10a", "1500"), ("10b", "/"), ("10c", "/"), ("10d", "/")]),
        ("智慧新城", [("10a", "500"), ("10b", "/"), ("10c", "/"), ("10d", "/")]),
    ]),
]
# Cells not printed in the text, filled from what the text says about the whole row.
INFERRED = {
    ("省", "7"): ("/", "全市目标任务为“/（无任务）”，各地亦无任务"),
    ("省", "20"): ("/", "全市目标任务为“/（无任务）”，各地亦无任务"),
    ("省", "24"): ("/", "全市目标任务为“/（无任务）”，各地亦无任务"),
}
NOTES = {  # (table, key, jurisdiction) -> note on a read cell
    ("市", "10a", "智造新城"): "原文“15 0 0”，按全市任务8000核对为1500",
    ("省", "33", "智造新城"): "原文注“（集聚区）”",
}


class Cursor:
    """Walks the raw text; a cell's pieces may have white space between them."""

    def __init__(self, raw: str, pos: int = 0):
        self.raw, self.pos = raw, pos

    def seek(self, label: str) -> None:
        pattern = r"\s*".join(map(re.escape, label))
        m = re.compile(pattern).search(self.raw, self.pos)
        if not m:
            raise SystemExit(f"label {label!r} not found after offset {self.pos}")
        self.pos = m.end()

    def cell(self, printed: str) -> tuple[int, int]:
        loose = printed.startswith("~")
        printed = printed.lstrip("~")
        pattern = re.compile(r"\s*".join(map(re.escape, printed)))
        start = self.pos
        while start < len(self.raw) and self.raw[start].isspace():
            start += 1
        m = pattern.search(self.raw, start, start + 2000) if loose else pattern.match(self.raw, start)
        if not m:
            raise SystemExit(f"cell {printed!r} not at offset {start}: {self.raw[start:start + 40]!r}")
        self.pos = m.end()
        return m.start(), m.end()


def compact(text: str) -> str:
    return "".join(text.split())


def number(printed: str):
    if printed.startswith("/"):
        return "/"
    m = re.search(r"\d+(?:\.\d+)?", printed)
    if m is None:
        return None
    value = float(m.group())
    return int(value) if value.is_integer() else value


def build_sheet(raw: str, doc, rows, pages, table: str):
    cells: dict[tuple[str, str], tuple] = {}  # (key, column) -> (value, basis, start, end, note)
    for opening, labelled in pages:
        cursor = Cursor(raw, raw.index(opening))
        for label, printed_cells in labelled:
            cursor.seek(label)
            column = TOTAL if label in (TOTAL, "全市任务") else label
            for key, printed in printed_cells:
                s, e = cursor.cell(printed)
                value = number(printed.lstrip("~"))
                note = NOTES.get((table, key, column), "")
                cells[(key, column)] = (value, "原文", s, e, note)
    for (t, key), (value, note) in INFERRED.items():
        if t != table:
            continue
        for j in JURISDICTIONS:
            cells.setdefault((key, j), (value, "推断", None, None, note))
    data, provenance = [], []
    search_from = 0
    for n, (key, no, category, name, indicator, unit, kind, target_text, lead, coop, units_inferred, note) in enumerate(rows):
        excel_row = n + 3
        shown, find = (name if isinstance(name, tuple) else (name, name))
        at = doc.text.find(find, search_from if table == "市" else 0)
        if at < 0:
            raise SystemExit(f"name {find!r} not found")
        s, e = doc.source_span(at, at + len(find))
        provenance.append([f"{table}", excel_row, "事项名称", shown, "原文" if shown == find else "推断", s, e,
                           compact(raw[s:e]), "" if shown == find else "按残存原文补全"])
        total = cells.get((key, TOTAL))
        total_value = total[0] if total else None
        if kind == "定性":
            total_value = None
        line = [no, category, shown, indicator, unit, kind, total_value, target_text]
        if total:
            provenance.append([table, excel_row, TOTAL, total[0] if kind != "定性" else "", total[1],
                               total[2], total[3], compact(raw[total[2]:total[3]]), total[4]])
        for j in JURISDICTIONS:
            c = cells.get((key, j))
            if c is None or kind == "定性":
                line.append(c[0] if c and c[0] == "/" else None)
                provenance.append([table, excel_row, j, "", "缺失" if c is None else "原文",
                                   c[2] if c else None, c[3] if c else None,
                                   compact(raw[c[2]:c[3]]) if c and c[2] is not None else "",
                                   "原文无此格" if c is None else "定性任务，原文为文字"])
                continue
            line.append(c[0])
            provenance.append([table, excel_row, j, c[0], c[1], c[2], c[3],
                               compact(raw[c[2]:c[3]]) if c[2] is not None else "", c[4]])
        line += [lead, coop, note]
        basis = "推断" if units_inferred else "原文"
        why = "原文中牵头、配合单位各成一列，按事项顺序对应" if units_inferred else ""
        provenance.append([table, excel_row, "牵头单位", lead, basis if lead else "缺失", None, None, "", why])
        provenance.append([table, excel_row, "配合单位", coop, basis, None, None, "", why])
        data.append(line)
    return data, provenance


def main() -> int:
    raw = SOURCE.read_text(encoding="utf-8")
    doc = clean(raw)
    wb = Workbook()
    meta = wb.active
    meta.title = META_SHEET
    for row in (["项目", "内容"], ["标题", "2024年省市政府民生实事责任分解"], ["年份", 2024], ["城市", "衢州市"],
                ["文号", "衢政办发〔2024〕10号"], ["来源文件", SOURCE.name],
                ["说明", "原文为竖排表格，抽取后文字错乱；本表为人工转录。省政府民生实事第9—17项在原文中几乎全部丢失，"
                       "未转录（团市委、市妇联、市交通运输局等配合单位无法对应到事项）。每格依据见“来源”表。"]):
        meta.append(row)
    headers = DATA_HEADERS_BEFORE + JURISDICTIONS + DATA_HEADERS_AFTER
    all_provenance = []
    for table, title, rows, pages in (("省", "省政府民生实事", PROVINCE, PROVINCE_PAGES),
                                      ("市", "市政府民生实事", CITY, CITY_PAGES)):
        ws = wb.create_sheet(title)
        ws.append([f"2024年{'省政府十方面' if table == '省' else '市政府'}民生实事责任分解（衢州市）"])
        ws.append(headers)
        for c in ws[2]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True)
        data, provenance = build_sheet(raw, doc, rows, pages, table)
        for line in data:
            ws.append(line)
        for p in provenance:
            p[0] = title
        all_provenance += provenance
        ws.freeze_panes = "D3"
    prov = wb.create_sheet(PROVENANCE_SHEET)
    prov.append(PROVENANCE_HEADERS)
    for p in all_provenance:
        prov.append(p)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {sum(1 for _ in all_provenance)} provenance rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
