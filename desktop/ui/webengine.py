"""The one place the web engine (Chromium) is prepared, before any QApplication.

:func:`prepare_chromium` is called by :func:`desktop.ui.app.make_app`, so the window,
``sitmap snapshot`` and the smoke test start Chromium the same way: its sandbox (off
only as root, with a warning), its logging, and Qt's own messages (graphics fallbacks
go to the log file, not the terminal).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from desktop.ui.logs import LOG_FORMAT, debug_logging as _debug, file_handler as _file_handler, log_path

log = logging.getLogger("sitmap")
# The web engine's and Qt's start-up chatter: to the log file, on stderr only with SITMAP_LOG=DEBUG.
engine_log = logging.getLogger("sitmap.webengine")

SANDBOX_OFF_TEXT = {
    "en": ("⚠ Web sandbox off",
           "Sitmap is running as the administrator (root), so the map's web engine runs without "
           "its sandbox ({reason}). The map only shows Sitmap's own page, but for full protection "
           "start Sitmap from an ordinary user account."),
    "ko": ("⚠ 웹 샌드박스 꺼짐",
           "Sitmap이 관리자(root) 계정으로 실행 중이어서 지도의 웹 엔진이 샌드박스 없이 동작합니다 "
           "({reason}). 지도는 Sitmap 자체 페이지만 보여 주지만, 완전한 보호를 위해 일반 사용자 "
           "계정으로 Sitmap을 실행하십시오."),
}


@dataclass(frozen=True)
class ChromiumSetup:
    """How the web engine was started: whether its sandbox is on, and why not."""

    sandbox: bool
    reason: str  # why the sandbox is off; "" when it is on
    flags: str   # QTWEBENGINE_CHROMIUM_FLAGS as set for the engine
    log_file: Path | None

    def warning(self) -> str:
        return (f"the map's web engine runs without its sandbox ({self.reason}); "
                "start Sitmap from an ordinary user account to keep it")


def sandbox_decision(euid: int | None, env: Mapping[str, str]) -> tuple[bool, str]:
    """(sandbox on?, why not). Chromium cannot sandbox a root process, so as root it is off;
    otherwise it is on unless the web engine's own settings already turned it off."""
    if euid == 0:
        return False, "running as root, where Chromium cannot use its sandbox"
    if "--no-sandbox" in env.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split():
        return False, "QTWEBENGINE_CHROMIUM_FLAGS has --no-sandbox"
    if env.get("QTWEBENGINE_DISABLE_SANDBOX") == "1":
        return False, "QTWEBENGINE_DISABLE_SANDBOX=1"
    return True, ""


def chromium_flags(flags: str, sandbox: bool, debug: bool) -> str:
    """The engine's command line: --no-sandbox when it is off; Chromium's own logging only
    fatal errors (which say why the engine cannot start), everything with SITMAP_LOG=DEBUG.
    Logging switches the user set are kept as they are."""
    parts = flags.split()
    if not sandbox and "--no-sandbox" not in parts:
        parts.append("--no-sandbox")
    if not any(p.startswith(("--log-level", "--enable-logging", "--disable-logging")) for p in parts):
        parts += ["--enable-logging=stderr", "--log-level=0"] if debug else ["--log-level=3"]
    return " ".join(parts)


# Qt's messages that only describe the graphics fallbacks of a machine without a GPU, a
# display server or D-Bus: logged, not printed. A category listed in _KEEP (why a platform
# plugin failed to load) and anything critical or fatal is always printed.
_NOISE_CATEGORIES = ("qt.webenginecontext", "qt.webengine", "qt.rhi.", "qt.qpa.")
_KEEP_CATEGORIES = ("qt.qpa.plugin",)
_NOISE_TEXT = re.compile(
    r"(QRhiGles2: Failed to create|Failed to create RHI|This plugin does not support createPlatformVulkanInstance"
    r"|QVulkanInstance: Failed to|GBM is not supported|GPUInfo not initialized|QStandardPaths: XDG_RUNTIME_DIR not set"
    r"|QStandardPaths: runtime directory|This plugin does not support)")


def is_engine_noise(kind: str, category: str, message: str) -> bool:
    """``kind``: debug, info, warning, critical or fatal."""
    if kind in ("critical", "fatal"):
        return False
    if not category or category == "default":
        return bool(_NOISE_TEXT.match(message))
    if category.startswith(_KEEP_CATEGORIES):
        return False
    return category.startswith(_NOISE_CATEGORIES)


_setup: ChromiumSetup | None = None
_previous_handler = None


def _qt_message(mode, context, message: str) -> None:
    try:
        from PySide6.QtCore import QtMsgType, qFormatLogMessage

        kinds = {QtMsgType.QtDebugMsg: "debug", QtMsgType.QtInfoMsg: "info", QtMsgType.QtWarningMsg: "warning",
                 QtMsgType.QtCriticalMsg: "critical", QtMsgType.QtFatalMsg: "fatal"}
        kind = kinds.get(mode, "warning")
        category = (getattr(context, "category", None) or "default") if context is not None else "default"
        noise = is_engine_noise(kind, category, message)
        level = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
                 "critical": logging.ERROR, "fatal": logging.CRITICAL}[kind]
        engine_log.log(level if not noise else min(level, logging.INFO), "%s: %s", category, message)
        if noise or _debug():  # with SITMAP_LOG=DEBUG the line above already went to stderr
            return
        if _previous_handler is not None:
            _previous_handler(mode, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")
            sys.stderr.flush()
    except Exception:  # never lose a message to a failure here (this runs inside Qt)
        try:
            sys.stderr.write(f"{message}\n")
        except Exception:
            pass


def _engine_logger(log_file: Path | None) -> None:
    engine_log.propagate = False
    engine_log.setLevel(logging.DEBUG)
    for h in list(engine_log.handlers):
        engine_log.removeHandler(h)
    fh = _file_handler(log_file) if log_file else None
    if fh is not None:
        engine_log.addHandler(fh)
    if _debug():
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter(LOG_FORMAT))
        engine_log.addHandler(console)
    if not engine_log.handlers:
        engine_log.addHandler(logging.NullHandler())


def prepare_chromium(log_file: Path | None = None) -> ChromiumSetup:
    """Prepares the web engine; call before the QApplication exists (:func:`make_app` does).

    - **Sandbox**: as root it is off (Chromium refuses to start a root process with it on),
      with a warning on stderr and in the log; the window also shows a notice. Otherwise
      it stays on. See README and docs/BUNDLE.md.
    - **Logging**: Chromium logs only fatal errors unless ``SITMAP_LOG=DEBUG``; Qt's
      graphics-fallback messages go to ``log_file`` (default: ``sitmap.log`` in the data
      folder), not to stderr, unless ``SITMAP_LOG=DEBUG``.

    Runs once per process; later calls return the first answer.
    """
    global _setup, _previous_handler
    if _setup is not None:
        return _setup
    from PySide6.QtCore import QCoreApplication, qInstallMessageHandler

    if QCoreApplication.instance() is not None:
        log.debug("prepare_chromium after the application started: the engine's flags may be ignored")
    debug = _debug()
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    sandbox, reason = sandbox_decision(euid, os.environ)
    flags = chromium_flags(os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", ""), sandbox, debug)
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
    if debug:  # the engine's own summary of its graphics set-up, for the log
        rules = os.environ.get("QT_LOGGING_RULES", "")
        os.environ["QT_LOGGING_RULES"] = ";".join(r for r in (rules, "qt.webenginecontext.debug=true") if r)
    log_file = Path(log_file) if log_file else log_path()
    _engine_logger(log_file)
    _previous_handler = qInstallMessageHandler(_qt_message)
    _setup = ChromiumSetup(sandbox=sandbox, reason=reason, flags=flags, log_file=log_file)
    if not sandbox:
        print(f"sitmap: warning: {_setup.warning()}", file=sys.stderr, flush=True)
        engine_log.warning("%s", _setup.warning())
    return _setup


def chromium_setup() -> ChromiumSetup | None:
    """What :func:`prepare_chromium` decided, or None before it ran."""
    return _setup


def show_sandbox_notice(win, setup: ChromiumSetup | None, language: str = "en"):
    """A lasting notice in the window's status bar when the web engine runs unsandboxed;
    returns the label (None when the sandbox is on)."""
    if setup is None or setup.sandbox:
        return None
    from PySide6.QtWidgets import QLabel

    short, long = SANDBOX_OFF_TEXT.get(language, SANDBOX_OFF_TEXT["en"])
    label = QLabel(short)
    label.setObjectName("sandboxNotice")
    label.setTextFormat(label.textFormat().PlainText)
    label.setToolTip(long.format(reason=setup.reason))
    label.setStyleSheet("QLabel { color: #8a4b00; font-weight: bold; padding: 0 6px; }")
    win.statusBar().addPermanentWidget(label)
    win.statusBar().showMessage(long.format(reason=setup.reason), 30000)
    return label
