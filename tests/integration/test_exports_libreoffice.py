"""Issue 18's "done when": the exports open in LibreOffice with readable Chinese headers. A scripted
month's assessment and report table (CSV and XLSX) are converted by `soffice --headless` to PDF and
read back as CSV: the Chinese headers, 即办率 and 按时办结率 among them, come back as written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ARTIFACTS, Hall
from tests.integration.test_scripted_month import MONTH, play_month

SOFFICE = shutil.which("soffice")


def _convert(src: Path, to: str, out: Path) -> Path:
    assert SOFFICE, (
        "LibreOffice is needed here (scripts/setup.sh --tests installs libreoffice-calc-nogui)"
    )
    profile = out / "lo-profile"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / (src.stem + "." + to.split(":")[0])


def test_the_scripted_month_s_exports_open_in_libreoffice_with_chinese_headers(
    hall: Hall, tmp_path: Path
) -> None:
    play_month(hall)
    sup = hall.client("super")
    files = {
        "assessment.xlsx": f"/api/v1/reports/assessment?by=window&month={MONTH}&format=xlsx",
        "table.xlsx": "/api/v1/reports/table?from=2026-12-01&to=2026-12-31&by=window&format=xlsx",
        "assessment-en.xlsx": f"/api/v1/reports/assessment?by=window&month={MONTH}&format=xlsx&lang=en",
        "table.csv": "/api/v1/reports/table?from=2026-12-01&to=2026-12-31&by=window&format=csv",
    }
    for name, url in files.items():
        r = sup.get(url)
        assert r.status_code == 200, (url, r.status_code)
        (tmp_path / name).write_bytes(r.get_data())
    # 44,34,76: comma, double quote, UTF-8
    back = {
        name: _convert(tmp_path / name, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
        .read_text(encoding="utf-8")
        .splitlines()[0]
        .split(",")
        for name in ("assessment.xlsx", "table.xlsx", "assessment-en.xlsx")
    }
    # rates are headed with their unit: 即办率（%）
    assert {"综合得分", "效率", "即办率（%）", "按时办结率（%）", "应办结", "纪律"} <= set(
        back["assessment.xlsx"]
    )
    assert {"转入", "转出", "好评率（%）", "差评率（%）", "即办率（%）", "按时办结率（%）"} <= set(
        back["table.xlsx"]
    )
    assert {"Score", "Done-on-the-spot rate (%)", "On-time rate (%)"} <= set(
        back["assessment-en.xlsx"]
    )
    for name in ("assessment.xlsx", "table.csv"):
        pdf = _convert(tmp_path / name, "pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    # as LibreOffice lays the sheet out (HTML), kept to look at
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(
        _convert(tmp_path / "assessment.xlsx", "html", tmp_path), ARTIFACTS / "assessment-xlsx.html"
    )
