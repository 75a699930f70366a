"""Issue 15.5: a printer URL is checked when saved; file:// only under the operator's device folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Hall


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///dev/usb/../../etc/passwd",
        "file:///dev/usb/",
        "file://host/dev/usb/lp0",
        "file:///dev/usb/sub/lp0",
        "tcp://",
        "tcp://printer:9100/path?x=1",
        "tcp://printer:99999",
        "lpt://nowhere",
        "serial:///etc/passwd?baudrate=9600",
        "usb://0x0416",
        "agent://../x",
        "tcp://print er:9100",
        "file:///dev/usb/lp0\x00",
    ],
)
def test_an_admin_cannot_give_a_device_a_bad_or_dangerous_printer_url(
    sqlite_hall: Hall, url: str
) -> None:
    admin = sqlite_hall.client("admin")
    r = admin.post("/api/v1/devices", json={"name": "k2", "kind": "kiosk", "printer_url": url})
    assert r.status_code == 422, (url, r.get_json())
    assert (
        r.get_json()["error"]["code"] == "invalid_input"
        and r.get_json()["error"]["field"] == "printer_url"
    )
    r = admin.patch(f"/api/v1/devices/{sqlite_hall.ids['kiosk']}", json={"printer_url": url})
    assert r.status_code == 422, url
    assert admin.get("/api/v1/devices").get_json()["items"][0]["printer_url"] is None
    assert not any(d["name"] == "k2" for d in admin.get("/api/v1/devices").get_json()["items"])


@pytest.mark.parametrize(
    "url",
    [
        "file:///dev/usb/lp0",
        "tcp://192.168.1.50:9100",
        "tcp://printer.local",
        "usb://0x0416:0x5011",
        "serial:///dev/ttyUSB0?baudrate=9600",
        "serial:///dev/serial/by-id/usb-Prolific-if00",
        "agent://usb",
    ],
)
def test_ordinary_printer_urls_are_accepted(sqlite_hall: Hall, url: str) -> None:
    admin = sqlite_hall.client("admin")
    r = admin.patch(f"/api/v1/devices/{sqlite_hall.ids['kiosk']}", json={"printer_url": url})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["printer_url"] == url


def test_the_instance_secret_and_database_are_never_a_printer(
    sqlite_hall: Hall, tmp_path: Path
) -> None:
    admin = sqlite_hall.client("admin")
    inst = sqlite_hall.app.instance_path
    for target in (f"{inst}/secret_key", str(tmp_path / "qh.db")):
        r = admin.patch(
            f"/api/v1/devices/{sqlite_hall.ids['kiosk']}", json={"printer_url": f"file://{target}"}
        )
        assert r.status_code == 422, target


def test_file_printers_follow_the_operators_device_folders(
    sqlite_hall: Hall, tmp_path: Path
) -> None:
    dev = tmp_path / "devices"
    dev.mkdir()
    os.mkfifo(dev / "lp0")  # stands in for a character device: a FIFO is no regular file either
    (dev / "notes.txt").write_text("keep me")
    secret = tmp_path / "secret"
    secret.write_text("s3cret")
    (dev / "lp9").symlink_to(secret)
    sqlite_hall.app.config["PRINTER_DEVICE_DIRS"] = [str(dev)]
    sqlite_hall.ctx.config["PRINTER_DEVICE_DIRS"] = [str(dev)]
    admin = sqlite_hall.client("admin")
    kiosk = f"/api/v1/devices/{sqlite_hall.ids['kiosk']}"
    assert admin.patch(kiosk, json={"printer_url": f"file://{dev}/lp0"}).status_code == 200
    assert (
        admin.patch(kiosk, json={"printer_url": f"file://{dev}/lp1"}).status_code == 200
    )  # not plugged in yet
    assert admin.patch(kiosk, json={"printer_url": f"file://{dev}/notes.txt"}).status_code == 422
    assert (
        admin.patch(kiosk, json={"printer_url": f"file://{dev}/lp9"}).status_code == 422
    )  # link out of the folder
    # the default folder is no longer allowed once the operator names others
    assert admin.patch(kiosk, json={"printer_url": "file:///dev/usb/lp0"}).status_code == 422
    assert secret.read_text() == "s3cret" and (dev / "notes.txt").read_text() == "keep me"


def test_the_spooler_will_not_open_a_file_saved_before_the_check(
    sqlite_hall: Hall, tmp_path: Path
) -> None:
    from server.services.printing.spooler import Spooler

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    spooler = Spooler(sqlite_hall.ctx)
    with pytest.raises(ValueError, match="device files"):
        spooler._printer(f"file://{victim}")
    assert victim.read_text() == "precious"
