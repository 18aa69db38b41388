"""Who works and why: the operator, the purpose and the case reference of a window session.

The values come from the window command's ``--operator/--purpose/--case``, else
$SITMAP_OPERATOR/$SITMAP_PURPOSE/$SITMAP_CASE, else the last values used (settings).
When the options and the environment say everything the purpose needs, the window
starts without asking (:func:`resolve`); otherwise :class:`StartDialog` asks, prefilled.
Its purpose list is :mod:`desktop.core.purposes` (labels in the UI language, the legal
basis shown below the choice). Cancel starts a view-only session: nothing is collected.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.core import purposes
from desktop.core.errors import SitmapError
from desktop.ui.plain import plain_label

KEYS = ("operator", "purpose", "case")
ENV = {"operator": "SITMAP_OPERATOR", "purpose": "SITMAP_PURPOSE", "case": "SITMAP_CASE"}


def ui_language() -> str:
    from PySide6.QtWidgets import QApplication

    return "ko" if getattr(QApplication.instance(), "_sitmap_translators", None) else "en"


def _clean(v) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


def complete(operator: str | None, purpose: str | None, case_ref: str | None) -> bool:
    """Whether these say all that is needed: a name, a known purpose, its case reference if it needs one."""
    if not operator or not purpose:
        return False
    try:
        p = purposes.get(purpose)
    except SitmapError:
        return False
    return bool(case_ref) or not p.case_required


def resolve(options: dict | None, saved: dict | None = None) -> tuple[dict, bool]:
    """(values, known): each of operator/purpose/case from the options, else the environment,
    else ``saved`` (the last values); ``known`` when options and environment alone are complete."""
    options = options or {}
    saved = saved or {}
    given = {k: _clean(options.get(k)) or _clean(os.environ.get(ENV[k])) for k in KEYS}
    values = {k: given[k] or _clean(saved.get(k)) for k in KEYS}
    return values, complete(given["operator"], given["purpose"], given["case"])


class StartDialog(QDialog):
    """Operator, purpose (with its legal basis), case reference; OK or View only."""

    def __init__(self, parent: QWidget | None, operator: str | None = None, purpose: str | None = None,
                 case_ref: str | None = None, *, lang: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startDialog")
        self.setWindowTitle(self.tr("Operator and purpose"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.lang = lang or ui_language()
        intro = plain_label(self.tr("Sitmap records who works and why with everything collected, looked at, "
                                    "changed or passed on in this session."))
        intro.setWordWrap(True)
        self.operator = QLineEdit(operator or "")
        self.operator.setObjectName("startOperator")
        self.operator.setMaxLength(200)
        self.operator.setPlaceholderText(self.tr("your name or call sign"))
        self.purpose = QComboBox()
        self.purpose.setObjectName("startPurpose")
        try:
            self.known = purposes.load()
        except SitmapError as exc:  # a damaged purpose list: say so, view only
            self.known = ()
            intro.setText(str(exc))
        self.purpose.addItem(self.tr("— choose the purpose —"), None)
        for p in self.known:
            self.purpose.addItem(p.label(self.lang), p.code)
        self.basis = plain_label()
        self.basis.setObjectName("startBasis")
        self.basis.setWordWrap(True)
        self.basis.setEnabled(False)
        self.case = QLineEdit(case_ref or "")
        self.case.setObjectName("startCase")
        self.case.setMaxLength(200)
        self.case_label = plain_label(self.tr("Case reference"))
        form = QFormLayout()
        form.addRow(plain_label(self.tr("Operator")), self.operator)
        form.addRow(plain_label(self.tr("Purpose")), self.purpose)
        form.addRow(plain_label(""), self.basis)
        form.addRow(self.case_label, self.case)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.view_only = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.view_only.setText(self.tr("View only"))
        self.view_only.setToolTip(self.tr("Look without a purpose: imports and live feeds stay off"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        i = self.purpose.findData(purpose) if purpose else -1
        self.purpose.setCurrentIndex(max(i, 0))
        self.purpose.currentIndexChanged.connect(self._check)
        self.operator.textChanged.connect(self._check)
        self.case.textChanged.connect(self._check)
        self._check()
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def chosen(self):
        code = self.purpose.currentData()
        return next((p for p in self.known if p.code == code), None)

    def _check(self) -> None:
        p = self.chosen()
        if p is None:
            self.basis.setText("")
        else:
            self.basis.setText(self.tr("Legal basis: {basis}").format(basis=p.legal_basis(self.lang)) + "\n"
                               + self.tr("Kept for {days} days").format(days=p.retention_days))
        required = p is not None and p.case_required
        self.case_label.setText(self.tr("Case reference (required)") if required else self.tr("Case reference"))
        operator, purpose, case_ref = self.values()
        self.ok.setEnabled(complete(operator, purpose, case_ref))

    def accept(self) -> None:
        if self.ok.isEnabled():
            super().accept()

    def values(self) -> tuple[str | None, str | None, str | None]:
        return _clean(self.operator.text()), self.purpose.currentData(), _clean(self.case.text())


def purpose_label(code: str | None, lang: str | None = None) -> str:
    """A purpose's label in the UI language (its code when no longer listed)."""
    if not code:
        return QCoreApplication.translate("StartDialog", "view only")
    try:
        return purposes.get(code).label(lang or ui_language())
    except SitmapError:
        return code


__all__ = ["StartDialog", "complete", "purpose_label", "resolve", "ui_language"]


def refuse_without_purpose(parent: QWidget | None, session, what: str, ask=None):
    """No purpose, no collection: when the session cannot collect (no purpose, an unknown one,
    or a case reference missing), say why in a box offering to set the purpose (``ask()``),
    and return the box; None when collecting may go ahead."""
    from PySide6.QtWidgets import QMessageBox

    try:
        purposes.require(session.purpose, what, session.case_ref)
        return None
    except SitmapError as exc:
        if not session.purpose:
            text = QCoreApplication.translate("StartDialog", "{what}: this session has no purpose, so nothing is collected (no purpose, "
                                     "no collection). Say why you collect: File → Operator and purpose…").format(
                what=what)
        else:
            text = str(exc)
    title = QCoreApplication.translate("StartDialog", "No purpose, no collection")
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("noPurposeBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    set_button = box.addButton(QCoreApplication.translate("StartDialog", "Set the purpose…"),
                               QMessageBox.ButtonRole.AcceptRole)
    set_button.setObjectName("setPurposeButton")
    if ask is not None:
        set_button.clicked.connect(lambda: ask())
    box.open()
    return box
