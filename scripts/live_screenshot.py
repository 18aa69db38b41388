"""docs/screenshot-live.png: the demo replayed as a live feed into a fresh cache, with
units moving, a chat message from the field and a fired alert.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/live_screenshot.py
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # only for taking pictures here, never in the app
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")


def pump(app, seconds: float) -> None:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    os.environ["SITMAP_DATA_DIR"] = str(tmp)
    os.environ.setdefault("SITMAP_OPERATOR", "상황실1")  # who works and why: the window starts without asking
    os.environ.setdefault("SITMAP_PURPOSE", "public-order")
    os.environ["SITMAP_DAILY_PURGE"] = "0"
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo
    from desktop.live.alert_rules import AlertRule
    from desktop.live.alerts import save_rule
    from desktop.live.replay import replay
    from desktop.ui.app import install_translations, make_app
    from tests.ui.test_live_window import _chat

    demo, live = tmp / "demo.db", tmp / "live.db"
    with Cache.open(demo) as c:
        write_demo(c, seed=7)
    with Cache.open(live) as c:
        save_rule(c, AlertRule.count("#집회 surge", 150, 10, hashtags=["집회"]))
    app = make_app()
    install_translations(app, "en")
    from desktop.ui.main_window import MainWindow

    win = MainWindow(live, restore=False)
    win.resize(1600, 1000)
    win.show()
    pump(app, 3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    capture = tmp / "posts.jsonl"
    capture.touch()
    win.live.live.start_tcp_server("127.0.0.1", port, rate=50_000, burst=50_000)
    win.live.live.start_jsonl(str(capture))
    win.live.live.engine.reload_rules()
    t = threading.Thread(target=replay, args=(demo,), kwargs=dict(cot=f"tcp://127.0.0.1:{port}", jsonl=capture,
                                                                   speed=600, max_seconds=20), daemon=True)
    t.start()
    pump(app, 4)
    win.set_live(True)
    while t.is_alive():
        pump(app, 0.5)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_chat("ANDROID-JONGNO-1", "종로1", "시청 방향 행진 선두 도착, 충돌 우려 — 기동대 지원 요청", 37.5690, 126.9780))
        pump(app, 3)
    win.bridge.send({"type": "view", "center": [37.5700, 126.9775], "zoom": 16})
    win.live.chat_dock.raise_()
    pump(app, 4)
    win.grab().save(str(ROOT / "docs" / "screenshot-live.png"))
    print("alerts:", win.live.alerts.list.count(), "chat:", win.live.chat.list.count(),
          "items:", win.last_result.total if win.last_result else 0)
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
