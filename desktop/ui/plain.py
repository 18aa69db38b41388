"""Widgets that show data as text, never as markup.

Qt renders a string as HTML whenever it merely looks like HTML (``QLabel``,
``QMessageBox`` and tooltips default to ``Qt.AutoText``): a district named
``<h1 style='color:red'>전원 철수 명령</h1>`` would become a red headline, an ``<img>``
would make Qt load a local file. Everything in the window that can carry data (post
text, authors, hashtags, area and district names, callsigns, chat, alert names, file
names, skip reasons, error messages) goes through these helpers.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressDialog, QWidget

TOOLTIP_CHARS = 2000  # a 50 kB post must not become a screen-filling tooltip


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that can only ever show ``text`` literally."""
    label = QLabel(parent)
    make_plain(label)
    label.setText(text)
    return label


def make_plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(label.textInteractionFlags() & ~Qt.TextInteractionFlag.LinksAccessibleByMouse)
    return label


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that cannot be read as markup: escaped, line breaks kept."""
    if len(text) > TOOLTIP_CHARS:
        text = text[:TOOLTIP_CHARS] + "…"
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def message(parent: QWidget | None, title: str, text: str, kind: str = "warning", *, modal: bool = True) -> QMessageBox:
    """A message box whose text is plain. ``kind``: information, warning or critical.

    Modal boxes run their own loop and return when closed; ``modal=False`` opens the box
    and returns it at once (tests, and errors that must not block a timer)."""
    icons = {"information": QMessageBox.Icon.Information, "warning": QMessageBox.Icon.Warning,
             "critical": QMessageBox.Icon.Critical}
    box = QMessageBox(icons[kind], title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if modal:
        box.exec()
    else:
        box.open()
    return box


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question whose text is plain (it may name a file); True for Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Yes


def plain_progress(dlg: QProgressDialog) -> QProgressDialog:
    """A progress dialog whose label (file names) is plain text."""
    label = plain_label()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    dlg.setLabel(label)
    return dlg


def plain_tree_item(parent, texts: list[str], *, tooltip: str | None = None, data=None):
    """A tree row showing ``texts`` literally (a QTreeWidgetItem's text is never markup;
    its tooltip is, so it goes through :func:`plain_tooltip`). ``parent`` is the tree or
    the parent row; ``data`` is kept under the UserRole of column 0."""
    from PySide6.QtWidgets import QTreeWidgetItem

    row = QTreeWidgetItem(parent, [str(t) for t in texts])
    if tooltip:
        for col in range(len(texts)):
            row.setToolTip(col, plain_tooltip(tooltip))
    if data is not None:
        row.setData(0, Qt.ItemDataRole.UserRole, data)
    return row
