"""Chinese for the words Streamlit's own widgets print in English.

Streamlit has no interface language setting: the file uploader says "Drag and drop file here",
"Limit 50MB per file • XLSX, XLS, CSV" and "Browse files". :data:`CSS` shows Chinese in place of the
first and last (CSS ``::after``) and hides the size line: each page's caption above its uploader says
what to upload and how big it may be (the evidence of a 销号 has a smaller limit than Streamlit's).
Keyed on the uploader's ``data-testid`` attributes of the Streamlit version in requirements.txt;
tests/e2e/test_upload_journey.py reads the words back in Chromium.
"""
from __future__ import annotations

DROP_HERE = "将文件拖放到此处"
BROWSE = "选择文件"

_ZONE = '[data-testid="stFileUploaderDropzone"]'
_WORDS = '[data-testid="stFileUploaderDropzoneInstructions"] > div'

#: A <style> block for every page (the uploader's words; its layout is left as it is).
CSS = f"""<style>
{_WORDS} > :first-child, {_ZONE} button {{ font-size: 0 !important; }}
{_WORDS} > :not(:first-child) {{ display: none !important; }}
{_WORDS} > :first-child::after {{ content: "{DROP_HERE}"; font-size: 1rem; }}
{_ZONE} button::after {{ content: "{BROWSE}"; font-size: 0.875rem; }}
</style>"""
