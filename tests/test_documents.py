from datetime import date

from loaders.documents import find_headers
from loaders.text_clean import clean


def test_headers_of_the_gazette(gazette_path):
    headers = find_headers(clean(gazette_path.read_text(encoding="utf-8")))
    assert [(h.doc_number, h.issuer, h.issue_date) for h in headers] == [
        ("衢政发〔2024〕7号", "衢州市人民政府", date(2024, 3, 27)),
        ("衢政办发〔2024〕9号", "衢州市人民政府办公室", date(2024, 3, 3)),
        ("衢政办发〔2024〕10号", "衢州市人民政府办公室", date(2024, 3, 4)),
        ("衢政办发〔2024〕11号", "衢州市人民政府办公室", date(2024, 3, 18)),
        ("衢政办发〔2024〕12号", "衢州市人民政府办公室", date(2024, 3, 29)),
        ("衢政干〔2024〕4号", "衢州市人民政府", date(2024, 3, 15)),
        ("衢市司发〔2024〕1号", "衢州市司法局", date(2024, 1, 12)),
    ]
    assert headers[0].plan_title == "进一步推动经济高质量发展若干政策的实施方案"
    assert headers[2].plan_title == "2024年政府工作报告重点工作责任分解"


def test_header_of_another_city():
    raw = ("（责任单位：市发改委）\n\n杭州市人民政府办公厅关于印发\n\n2025年重点工作任务\n\n分解的通知\n\n"
           "杭政办函〔2025〕3号\n\n杭州市人民政府办公厅\n\n2025 年 2 月 8 日\n\n1．推进项目。")
    [h] = find_headers(clean(raw))
    assert (h.doc_number, h.year, h.issuer, h.plan_title, h.issue_date) == (
        "杭政办函〔2025〕3号", 2025, "杭州市人民政府办公厅", "2025年重点工作任务分解", date(2025, 2, 8))


def test_no_header_in_plain_text():
    assert find_headers(clean("没有文号的文字。\n\n第二行。")) == []


def test_a_section_heading_above_the_title_is_not_part_of_the_issuer(gazette_path):
    headers = find_headers(clean(gazette_path.read_text(encoding="utf-8")))
    personnel = next(h for h in headers if h.doc_number == "衢政干〔2024〕4号")
    assert (personnel.issuer, personnel.title) == ("衢州市人民政府", "衢州市人民政府关于徐飞等同志职务任免的通知")
