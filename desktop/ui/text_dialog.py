"""Small dialogs that ask for one line of text (a note, a name) or a choice and a note.

They open window-modal and return at once; what was typed goes to a callback when the
user presses Enter or OK. Prompts are plain labels and typed text is only ever read
back as text, so a name or note that looks like markup stays text.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.plain import plain_label


class TextDialog(QDialog):
    """A prompt, an optional choice, one line of text, OK and Cancel."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, *, text: str = "",
                 choices: list[tuple[str, str]] | None = None, required: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("textDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.required = required
        lay = QVBoxLayout(self)
        self.prompt = plain_label(prompt)
        self.prompt.setWordWrap(True)
        lay.addWidget(self.prompt)
        self.choice: QComboBox | None = None
        if choices:
            self.choice = QComboBox()
            self.choice.setObjectName("choice")
            for key, label in choices:
                self.choice.addItem(label, key)
            lay.addWidget(self.choice)
        self.edit = QLineEdit(text)
        self.edit.setObjectName("text")
        self.edit.setMaxLength(2000)
        lay.addWidget(self.edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.edit.textChanged.connect(self._check)
        self._check()
        self.resize(max(self.sizeHint().width(), 380), self.sizeHint().height())

    def _check(self) -> None:
        self.ok.setEnabled(bool(self.edit.text().strip()) or not self.required)

    def accept(self) -> None:
        if self.ok.isEnabled():
            super().accept()

    def value(self) -> str:
        return self.edit.text().strip()

    def chosen(self) -> str | None:
        return self.choice.currentData() if self.choice is not None else None


def ask_text(parent: QWidget | None, title: str, prompt: str, done: Callable[[str], None], *, text: str = "",
             choices: list[tuple[str, str]] | None = None, chosen: Callable[[str | None, str], None] | None = None,
             required: bool = True) -> TextDialog:
    """Open the dialog; ``done(text)`` (or ``chosen(choice, text)``) runs when it is accepted."""
    dlg = TextDialog(parent, title, prompt, text=text, choices=choices, required=required)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if chosen is not None:
        dlg.accepted.connect(lambda: chosen(dlg.chosen(), dlg.value()))
    else:
        dlg.accepted.connect(lambda: done(dlg.value()))
    dlg.open()
    dlg.edit.setFocus()
    return dlg


def with_operator(parent: QWidget | None, session, fn: Callable[[str], None]) -> TextDialog | None:
    """Run ``fn(operator)`` with the session's operator (named when the window started,
    :mod:`desktop.ui.start_dialog`); only when there is none (a view-only start without a
    name) ask once and keep the name in the session. Returns the dialog when it had to ask."""
    if session.operator:
        fn(session.operator)
        return None

    def named(name: str) -> None:
        session.operator = name
        fn(name)

    from PySide6.QtCore import QCoreApplication

    return ask_text(parent, QCoreApplication.translate("OperatorPrompt", "Operator"),
                    QCoreApplication.translate("OperatorPrompt",
                                               "Your name or call sign, recorded with every change you make:"), named)
