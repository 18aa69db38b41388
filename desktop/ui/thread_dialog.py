"""The Thread… dialog: a conversation as a tree, the post that opened it at the top and
each reply or comment under what it answers (Facebook comments, X replies).

The rows come from :func:`desktop.cache.threads.thread`; every text is shown through
:mod:`desktop.ui.plain` (post text is hostile). Double-clicking a row (or "Select") selects
that item in the session, so the map, the feed and the details follow.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTreeWidget, QVBoxLayout, QWidget

from desktop.engine import feed_rows
from desktop.core.timefmt import KST
from desktop.ui.plain import plain_label, plain_tree_item

TEXT_CHARS = 300  # the row shows the start of a long post; its tooltip the whole of it


class ThreadDialog(QDialog):
    def __init__(self, data: dict, item_id: int, parent: QWidget | None = None,
                 select: Callable[[int], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("threadDialog")
        self.setWindowTitle(self.tr("Thread"))
        self.resize(760, 420)
        self._select = select
        rows = data.get("items") or []
        col = QVBoxLayout(self)
        source = rows[0]["source"] if rows else ""
        summary = self.tr("%1 items in this conversation (%2)").replace("%1", str(len(rows))).replace("%2", source)
        if rows and rows[0].get("depth") != 0:
            summary += "\n" + self.tr("The post that opened it is not in the cache.")
        if data.get("cut"):
            summary += "\n" + self.tr("Only the first part of a very long thread is shown.")
        self.summary_label = plain_label(summary)
        self.summary_label.setWordWrap(True)
        col.addWidget(self.summary_label)
        self.tree = QTreeWidget()
        self.tree.setObjectName("threadTree")
        self.tree.setHeaderLabels([self.tr("Text"), self.tr("Author"), self.tr("Time")])
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        stack: list = []  # the last row shown at each depth
        current = None
        base = int(rows[0].get("depth") or 0) if rows else 0  # 1 when the opening post is missing
        for d in rows:
            depth = max(0, int(d.get("depth") or 0) - base)
            depth = min(depth, len(stack))
            parent = stack[depth - 1] if 0 < depth <= len(stack) else self.tree
            text = d.get("text") or ""
            shown = text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "…"
            author = d.get("author") or self.tr("(no author given)")
            when = feed_rows.dual_time(d["t_ms"], KST) if d.get("t_ms") is not None else ""
            row = plain_tree_item(parent, [shown.replace("\n", " "), author, when], tooltip=text, data=int(d["id"]))
            stack = stack[:depth] + [row]
            if int(d["id"]) == int(item_id):
                current = row
        self.tree.expandAll()
        hdr = self.tree.header()
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        if current is not None:
            self.tree.setCurrentItem(current)
        self.tree.itemDoubleClicked.connect(lambda row, _c: self._chosen(row))
        col.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.select_button = buttons.addButton(self.tr("Select"), QDialogButtonBox.ButtonRole.ActionRole)
        self.select_button.clicked.connect(lambda: self.tree.currentItem() and self._chosen(self.tree.currentItem()))
        buttons.rejected.connect(self.reject)
        col.addWidget(buttons)

    def item_ids(self) -> list[int]:
        out = []

        def walk(row) -> None:
            out.append(int(row.data(0, Qt.ItemDataRole.UserRole)))
            for i in range(row.childCount()):
                walk(row.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out

    def _chosen(self, row) -> None:
        if self._select is not None and row is not None:
            self._select(int(row.data(0, Qt.ItemDataRole.UserRole)))
