"""Tools → Appeals…: appeals for help on the agency's accounts, in the window.

The dialog lists the cache's appeals with their state; New… composes one (Korean and
English text, an optional image, area and hashtag, the account); Publish… shows the exact
text and the account and publishes only when the user says yes (a network or service
error leaves it queued and says why); Collect replies reads the answers into the cache,
placed from their text; Show on map makes the answers an incident and shows it. Every
publication attempt and collection goes into the audit trail. All text is shown through
:mod:`desktop.ui.plain`.

Whatever talks to a service (publishing, checking an appeal left sending, collecting
replies) runs on a thread of its own with its own connection to the cache (:class:`ChannelJob`),
so a slow or unreachable service never freezes the window; its audit entries and its
outcome come back to the window's thread in the order they happened.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLineEdit, QPlainTextEdit, QPushButton, QTreeWidget, QVBoxLayout)

from desktop.core.errors import SitmapError
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import ask, message, plain_label, plain_tree_item


class ChannelJob(QObject):
    """One piece of work against a service on a Python thread, with its own cache; its
    signals arrive on the GUI thread (queued, in the order they were emitted)."""

    audited = Signal(str, object, object)  # action, objects, detail: one audit entry
    finished = Signal(object)  # the work's result, or the exception that stopped it

    def __init__(self, db: Path, work: Callable) -> None:
        super().__init__()
        self.db, self.work = db, work
        self.done = False
        self.thread = threading.Thread(target=self._run, name="sitmap-appeal", daemon=True)

    def start(self) -> "ChannelJob":
        self.thread.start()
        return self

    def _run(self) -> None:
        from desktop.cache import Cache

        try:
            with Cache.open(self.db) as cache:
                res = self.work(cache, lambda action, objects, detail: self.audited.emit(action, objects, detail))
        except BaseException as exc:  # handed to the GUI thread, which says it
            res = exc
        self.finished.emit(res)


class NewAppealDialog(QDialog):
    def __init__(self, parent, account_names: list[str]) -> None:
        super().__init__(parent)
        self.setObjectName("newAppealDialog")
        self.setWindowTitle(self.tr("New appeal"))
        form = QFormLayout(self)
        self.account = QComboBox()
        for name in account_names:
            self.account.addItem(name)
        self.ko = QPlainTextEdit()
        self.en = QPlainTextEdit()
        self.tag = QLineEdit()
        self.area = QLineEdit()
        self.image = QLineEdit()
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.image, 1)
        row.addWidget(browse)
        self.queue = QCheckBox(self.tr("Ready to publish (queued)"))
        self.queue.setChecked(True)
        form.addRow(plain_label(self.tr("Account")), self.account)
        form.addRow(plain_label(self.tr("Korean text")), self.ko)
        form.addRow(plain_label(self.tr("English text")), self.en)
        form.addRow(plain_label(self.tr("Hashtag")), self.tag)
        form.addRow(plain_label(self.tr("Area")), self.area)
        form.addRow(plain_label(self.tr("Image")), row)
        form.addRow(self.queue)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Image"), "", self.tr("Images (*.png *.jpg *.jpeg *.gif)"))
        if path:
            self.image.setText(path)


class AppealsDialog(QDialog):
    def __init__(self, panel: "AppealsPanel") -> None:
        super().__init__(panel.ctx.window)
        self.panel = panel
        self.setObjectName("appealsDialog")
        self.setWindowTitle(self.tr("Appeals"))
        self.resize(820, 420)
        col = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setObjectName("appealsTree")
        self.tree.setHeaderLabels([self.tr("No."), self.tr("State"), self.tr("Account"), self.tr("Text"),
                                   self.tr("Responses")])
        self.tree.setRootIsDecorated(False)
        hdr = self.tree.header()
        hdr.setStretchLastSection(False)
        for c in range(5):
            hdr.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c == 3 else
                                     QHeaderView.ResizeMode.ResizeToContents)
        col.addWidget(self.tree, 1)
        self.status = plain_label()
        self.status.setWordWrap(True)
        col.addWidget(self.status)
        row = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New…"))
        self.publish_button = QPushButton(self.tr("Publish…"))
        self.collect_button = QPushButton(self.tr("Collect replies"))
        self.map_button = QPushButton(self.tr("Show responses on the map"))
        for b in (self.new_button, self.publish_button, self.collect_button, self.map_button):
            row.addWidget(b)
        row.addStretch(1)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        row.addWidget(close)
        col.addLayout(row)
        self.new_button.clicked.connect(panel.new_appeal)
        self.publish_button.clicked.connect(lambda: self.current() and panel.publish(self.current()))
        self.collect_button.clicked.connect(lambda: self.current() and panel.collect(self.current()))
        self.map_button.clicked.connect(lambda: self.current() and panel.show_responses(self.current()))
        self.refresh()

    def current(self) -> int | None:
        row = self.tree.currentItem()
        return int(row.data(0, Qt.ItemDataRole.UserRole)) if row is not None else None

    def refresh(self, select: int | None = None) -> None:
        from desktop.channels import appeals

        keep = select if select is not None else self.current()
        self.tree.clear()
        conn = self.panel.ctx.writer().conn
        for a in appeals.list_appeals(conn):
            first = (a.text_ko or a.text_en).splitlines()[0] if (a.text_ko or a.text_en) else ""
            state = a.state + (f" — {a.error}" if a.error and a.state != "sent" else "")
            row = plain_tree_item(self.tree, [str(a.id), state, f"{a.account} ({a.channel})", first,
                                              str(len(appeals.responses(conn, a.id)))], tooltip=a.text, data=a.id)
            if a.id == keep:
                self.tree.setCurrentItem(row)
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(self.tree.topLevelItemCount() - 1))

    def say(self, text: str) -> None:
        self.status.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While a publication or collection runs, nothing else is sent."""
        for b in (self.publish_button, self.collect_button):
            b.setEnabled(not busy)


class AppealsPanel(Panel):
    name = "appeals"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.dialog: AppealsDialog | None = None
        self.action = QAction(self.tr("Appeals…"), ctx.window)
        self.action.setObjectName("appealsAction")
        self.action.triggered.connect(self.open)
        self.confirm = lambda title, text: ask(ctx.window, title, text)  # tests answer it
        self.job: ChannelJob | None = None  # the publication, check or collection running

    def actions(self) -> list[MenuEntry]:
        return [MenuEntry("tools", self.action)]

    def open(self) -> AppealsDialog:
        if self.dialog is None:
            self.dialog = AppealsDialog(self)
        self.dialog.refresh()
        self.dialog.show()
        self.recover()
        return self.dialog

    # work against a service, off the GUI thread ----------------------------------------
    def busy(self) -> bool:
        return self.job is not None and not self.job.done

    def _wait(self) -> None:
        self._say(self.tr("Wait: the last publication or collection is still running"))

    def _run(self, work: Callable, done: Callable, doing: str, select: int | None = None) -> ChannelJob | None:
        """Run ``work(cache, record)`` on a thread; ``done(result)`` back on this one."""
        if self.busy():
            self._wait()
            return None
        self.job = job = ChannelJob(self.ctx.db_path, work)
        job.audited.connect(self._audit)
        job.finished.connect(lambda res: self._finished(job, res, done, select))
        if self.dialog is not None:
            self.dialog.set_busy(True)
        self._say(doing)
        return job.start()

    def _finished(self, job: ChannelJob, res, done: Callable, select: int | None) -> None:
        job.done = True
        if self.dialog is not None:
            self.dialog.set_busy(False)
        if isinstance(res, SitmapError):
            self._say(str(res))
        elif isinstance(res, BaseException):
            sys.excepthook(type(res), res, res.__traceback__)  # a defect: logged, reported by the window
        else:
            done(res)
        if self.dialog is not None:
            self.dialog.refresh(select=select)

    def recover(self) -> ChannelJob | None:
        """Appeals a stopped run left 'sending' are checked against their account's own posts
        (recorded as sent when found, queued again when not) before anything else is sent."""
        from desktop.channels import accounts, appeals

        if self.busy() or not appeals.list_appeals(self.ctx.writer().conn, ("sending",)):
            return None

        def work(cache, record):
            return appeals.recover(cache.conn, lambda ap: accounts.client(accounts.get(ap.account)), record)

        def done(found):
            for a in found:
                self._say(self.tr("Appeal {n} was left sending: now {state}").format(n=a.id, state=a.state))

        return self._run(work, done, self.tr("Checking appeals left sending…"))

    def _audit(self, action: str, objects: dict, detail: dict) -> None:
        self.record("record", action, objects=objects, detail=detail)

    def _say(self, text: str) -> None:
        if self.dialog is not None:
            self.dialog.say(text)
        self.ctx.status(text, 10000)

    def new_appeal(self) -> None:
        from desktop.channels import accounts

        try:
            names = [a.name for a in accounts.accounts()]
        except SitmapError as exc:
            return self._say(str(exc))
        if not names:
            return self._say(self.tr("No account is configured yet: sitmap appeal account add NAME --channel x|facebook"))
        dlg = NewAppealDialog(self.dialog or self.ctx.window, names)
        self.new_dialog = dlg
        dlg.accepted.connect(lambda: self.add_from(dlg))
        dlg.open()

    def add_from(self, dlg: NewAppealDialog) -> int | None:
        from desktop.channels import accounts, appeals

        try:
            a = appeals.add(self.ctx.writer().conn, text_ko=dlg.ko.toPlainText(), text_en=dlg.en.toPlainText(),
                            account=accounts.get(dlg.account.currentText()), by=self.session.operator or "",
                            image_path=dlg.image.text().strip() or None, area=dlg.area.text().strip() or None,
                            hashtag=dlg.tag.text().strip() or None, queue=dlg.queue.isChecked())
        except SitmapError as exc:
            self._say(str(exc))
            return None
        self._audit("alter", {"appeal": a.id}, {"change": "appeal " + a.state, "account": a.account})
        if self.dialog is not None:
            self.dialog.refresh(select=a.id)
        self._say(self.tr("Appeal {n} saved ({state})").format(n=a.id, state=a.state))
        return a.id

    def publish(self, appeal_id: int) -> ChannelJob | None:
        """Ask with the exact text and account; on yes, publish on a thread of its own."""
        from desktop.channels import accounts, appeals

        if self.busy():
            return self._wait()
        conn = self.ctx.writer().conn
        try:
            a = appeals.get(conn, appeal_id)
            acc = accounts.get(a.account)
            if a.state == "draft":
                a = appeals.queue(conn, a.id)
        except SitmapError as exc:
            self._say(str(exc))
            return None
        shown_text, shown_account = a.text, acc.name
        if not self.confirm(self.tr("Publish appeal"), appeals.confirmation(a, acc)):
            self._say(self.tr("Not published"))
            return None

        def work(cache, record):
            return appeals.publish(cache.conn, a.id, accounts.client(acc), acc, confirmed_text=shown_text,
                                   confirmed_account=shown_account, record=record)

        def done(sent):
            if sent.state == "sent":
                self._say(self.tr("Appeal {n} published: {id}").format(n=sent.id, id=sent.remote_id))
            else:
                self._say(self.tr("Appeal {n} is still queued: {error}").format(n=sent.id, error=sent.error or ""))

        return self._run(work, done, self.tr("Publishing appeal {n} on {account}…").format(n=a.id, account=acc.name),
                         select=a.id)

    def collect(self, appeal_id: int) -> ChannelJob | None:
        from desktop.channels import accounts, appeals

        s = self.session
        operator, purpose, case_ref = s.operator or None, s.purpose or None, s.case_ref or None

        def work(cache, record):
            a = appeals.get(cache.conn, appeal_id)
            got = appeals.collect(cache, a.id, accounts.client(accounts.get(a.account)), operator=operator,
                                  purpose=purpose, case_ref=case_ref, record=record)
            return got

        def done(got):
            self.ctx.worker.reload()
            self._say(got.line())

        return self._run(work, done, self.tr("Collecting the replies to appeal {n}…").format(n=appeal_id),
                         select=appeal_id)

    def show_responses(self, appeal_id: int) -> None:
        """The answers as an incident ("Appeal N responses"), shown on the map and in the feed."""
        from desktop.cache import incidents
        from desktop.channels import appeals

        conn = self.ctx.writer().conn
        ids = appeals.responses(conn, appeal_id)
        if not ids:
            return self._say(self.tr("No responses collected yet"))
        name = f"Appeal {appeal_id} responses"
        try:
            found = incidents.find(conn, name)
            if found is not None and found.get("state") != "closed":
                iid = int(found["id"])
                incidents.add_items(conn, iid, ids, by=self.session.operator or "sitmap")
            else:
                iid = incidents.create(conn, name, by=self.session.operator or "sitmap", item_ids=ids)
        except SitmapError as exc:
            return self._say(str(exc))
        self.record("altered", ids, {"change": "appeal responses as incident", "appeal": appeal_id}, incident=iid)
        self.session.update(incident=iid, incident_name=name)
        self.ctx.window.schedule()
        self._say(self.tr("{n} responses shown on the map").format(n=len(ids)))


PANEL = AppealsPanel
