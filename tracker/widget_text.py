"""Chinese for the words Streamlit's own widgets and plotly's chart toolbar print in English.

Streamlit has no interface language setting. Where a widget takes its words as a parameter, the pages
pass them (``placeholder=`` :data:`NO_OPTIONS` on every selectbox: without it an empty list says
"No options to select."; the multiselects name what "none chosen" means, e.g. 全部单位). Where it does
not, :data:`CSS` shows Chinese in place of the English (CSS ``::after`` over text set to size 0):

* the file uploader: "Drag and drop file here" and "Browse files" (the size line "Limit 50MB per file •
  XLSX, XLS, CSV" is hidden: each page's caption above its uploader says what to upload and how big it
  may be), and a file it refused ("File must be 50.0MB or smaller.", "application/pdf files are not
  allowed.") as :data:`REFUSED_FILE`;
* under a text box: "Press Enter to apply" / "Press Enter to submit form" / "Press Ctrl+Enter to …";
* the tooltips of the buttons over a table or chart: "Download as CSV", "Search", "Show/hide columns",
  "Fullscreen" (:data:`TOOLBAR_TIPS`);
* the calendar of a date box: weekday heads (Mo Tu …) and month names (September) as 一 二 … and 9月.

A table without rows is shown as a caption (:func:`dataframe`): Streamlit writes "empty" into it.

Plotly's toolbar and any date axis take :data:`PLOTLY_CONFIG` (a locale of our own: Streamlit ships no
plotly locale bundle, and none is fetched at run time). Keyed on the ``data-testid`` attributes of the
Streamlit version in requirements.txt; tests/e2e/test_upload_journey.py reads the words back in Chromium.
"""
from __future__ import annotations

import streamlit as st

DROP_HERE = "将文件拖放到此处"
BROWSE = "选择文件"
NO_OPTIONS = "无可选项"
ENTER_APPLY = "按回车键确认"
ENTER_SUBMIT = "按回车键提交"
CTRL_ENTER_APPLY = "按 Ctrl+回车键确认"
CTRL_ENTER_SUBMIT = "按 Ctrl+回车键提交"


def _max_upload_mb() -> int:
    return int(st.config.get_option("server.maxUploadSize"))


#: What a file the uploader refused (too large, a type not listed) says instead of Streamlit's English.
REFUSED_FILE = f"未能上传：文件类型不符或超过{_max_upload_mb()}MB"

_ZONE = '[data-testid="stFileUploaderDropzone"]'
_WORDS = '[data-testid="stFileUploaderDropzoneInstructions"] > div'
_FILE_ERROR = '[data-testid="stFileUploaderFileErrorMessage"]'
_HINT = '[data-testid="InputInstructions"] > span:first-child'
_FORM = '[data-testid="stForm"]'
_AREA = '[data-testid="stTextArea"]'

#: The tooltips of the buttons over a table or chart (Streamlit's element toolbar), by the button's aria-label.
TOOLBAR_TIPS = {"Download as CSV": "下载为 CSV 文件", "Search": "搜索", "Show/hide columns": "显示或隐藏列",
                "Fullscreen": "全屏", "Close fullscreen": "退出全屏"}
_TIP = '[data-baseweb="tooltip"] [data-testid="stTooltipContent"] p'


def _tip_rule(english: str, chinese: str) -> str:
    # the tooltip sits in a portal at the end of <body>, apart from its button: :has() ties them together
    hovered = f'[data-testid="stElementToolbarButton"] button[aria-label="{english}"]:hover'
    return (f'body:has({hovered}) {_TIP} {{ font-size: 0 !important; }}\n'
            f'body:has({hovered}) {_TIP}::after {{ content: "{chinese}"; font-size: 0.875rem; }}')


#: The calendar of a date box (baseweb's): weekday heads by their ``alt`` attribute, the month shown by the
#: days of its grid (each day's aria-label names its month: "Choose Sunday, September 1st 2024. …"), the
#: month list by position (the list of exactly twelve options).
WEEKDAYS = {"Monday": "一", "Tuesday": "二", "Wednesday": "三", "Thursday": "四", "Friday": "五",
            "Saturday": "六", "Sunday": "日"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_CALENDAR = '[data-baseweb="calendar"]'
_MONTH_BUTTON = 'button[aria-haspopup="true"]:nth-of-type(2)'   # previous, month, year, next
_MONTH_LIST = 'ul[role="listbox"]:has(> li[role="option"]:nth-child(12):last-child)'


def _calendar_rules() -> str:
    rules = [f'{_CALENDAR} div[alt] {{ font-size: 0 !important; }}',
             f'{_CALENDAR} {_MONTH_BUTTON} {{ font-size: 0 !important; }}',
             f'{_MONTH_LIST} > li {{ font-size: 0 !important; }}']
    rules += [f'{_CALENDAR} div[alt="{english}"]::after {{ content: "{chinese}"; font-size: 0.875rem; }}'
              for english, chinese in WEEKDAYS.items()]
    for n, english in enumerate(MONTHS, 1):
        rules.append(f'{_CALENDAR}:has([role="gridcell"][aria-label*=", {english} "]) {_MONTH_BUTTON}::before '
                     f'{{ content: "{n}月"; font-size: 1rem; }}')
        rules.append(f'{_MONTH_LIST} > li:nth-child({n})::after {{ content: "{n}月"; font-size: 1rem; }}')
    return "\n".join(rules)


#: The container of the invisible component that keeps the sign-in cookie (tracker.session.COOKIE_CONTAINER).
SIGN_IN_COOKIE = "signin_cookie"

#: A <style> block for every page (the words only; layouts are left as they are).
CSS = f"""<style>
{_WORDS} > :first-child, {_ZONE} button, {_FILE_ERROR}, {_HINT} {{ font-size: 0 !important; }}
{_WORDS} > :not(:first-child) {{ display: none !important; }}
{_WORDS} > :first-child::after {{ content: "{DROP_HERE}"; font-size: 1rem; }}
{_ZONE} button::after {{ content: "{BROWSE}"; font-size: 0.875rem; }}
{_FILE_ERROR}::after {{ content: "{REFUSED_FILE}"; font-size: 0.875rem; }}
{_HINT}::after {{ content: "{ENTER_APPLY}"; font-size: 0.75rem; }}
{_FORM} {_HINT}::after {{ content: "{ENTER_SUBMIT}"; }}
{_AREA} {_HINT}::after {{ content: "{CTRL_ENTER_APPLY}"; }}
{_FORM} {_AREA} {_HINT}::after {{ content: "{CTRL_ENTER_SUBMIT}"; }}
{chr(10).join(_tip_rule(english, chinese) for english, chinese in TOOLBAR_TIPS.items())}
{_calendar_rules()}
.st-key-{SIGN_IN_COOKIE} {{ display: none !important; }}
</style>"""

#: For an account without the 导出 permission (a visitor in demo mode, a department or county clerk): the
#: "Download as CSV" button over every table is not shown, as exports need 市领导, 督查 or 系统管理员 (README,
#: Accounts). A convenience, not a control: whoever sees a table can copy it. Streamlit 1.51 has no setting for
#: it (``client.disableDataExport`` came later).
NO_TABLE_DOWNLOAD_CSS = ('<style>[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"])'
                         ' { display: none !important; }</style>')


#: plotly.js words (toolbar tooltips, messages) and formats (months, decimal point) in Chinese.
PLOTLY_LOCALE = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "框选", "Click to enter Colorscale title": "点击输入色标标题",
        "Compare data on hover": "悬停时比较数据", "Double-click to zoom back out": "双击还原",
        "Download plot": "下载图表", "Download plot as a PNG": "下载图表（PNG）",
        "Download plot as a png": "下载图表（PNG）", "Lasso Select": "套索选择", "Pan": "平移",
        "Produced with Plotly.js": "由 Plotly.js 生成", "Reset": "重置", "Reset axes": "重置坐标轴",
        "Reset view": "重置视图", "Reset views": "重置视图", "Show closest data on hover": "悬停时显示最近的数据",
        "Snapshot succeeded": "图片已生成", "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
        "Toggle Spike Lines": "显示或隐藏辅助线", "Toggle show closest data on hover": "切换悬停显示最近的数据",
        "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小", "trace": "数据系列", "new text": "新文本",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)], "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",",
    },
}
#: ``config=`` of every st.plotly_chart: Chinese toolbar, no plotly logo.
PLOTLY_CONFIG = {"locale": "zh-CN", "locales": {"zh-CN": PLOTLY_LOCALE}, "displaylogo": False}

#: What a table without rows says (Streamlit draws "empty" in it, on its canvas, out of reach of CSS).
NO_ROWS = "（无记录）"


def dataframe(data, *, empty: str = NO_ROWS, **kwargs) -> None:
    """``st.dataframe(data, **kwargs)``, or ``empty`` as a caption when ``data`` (a frame or a Styler) has no rows."""
    from pandas.io.formats.style import Styler

    frame = data.data if isinstance(data, Styler) else data
    if frame is not None and len(frame) == 0:
        st.caption(empty)
    else:
        st.dataframe(data, **kwargs)
