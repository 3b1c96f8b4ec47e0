"""Reading a PDF the platform made, as a person's viewer would: its text, and
whether the CJK font is embedded (a PDF that only names the font shows boxes on a
machine without it)."""

import shutil
import subprocess
from pathlib import Path


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        [shutil.which("pdftotext"), "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def assert_cjk_font_embedded(pdf: Path) -> None:
    fonts = subprocess.run(
        [shutil.which("pdffonts"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    wqy = [line for line in fonts if "WenQuanYi" in line]
    assert wqy, fonts
    # Columns: name type encoding emb sub uni object ID; the type may hold a space,
    # so count from the right: emb is the fifth.
    assert all(line.split()[-5] == "yes" for line in wqy), wqy
