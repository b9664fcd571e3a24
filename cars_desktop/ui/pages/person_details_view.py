"""Who the person is, at the top of the person page: name, date of birth, aliases, area, PNC ID.

Address and phone appear only when the service sent them (casework roles); otherwise the rows say
so rather than look empty. Every value is selectable text, reachable by a screen reader.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from cars_desktop.services.person_record import PersonDetails, reference_name
from cars_desktop.ui.widgets.typed_dates import uk_long_date


def age_on(born: date, today: date) -> int:
    """Age in whole years."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PersonDetailsView(QWidget):
    """A form layout of read-only values about one person."""

    ROWS = ("Name", "Date of birth", "Also known as", "Local authority", "PNC ID", "Address", "Phone")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Person's details")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for name in self.ROWS:
            value = QLabel("")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAccessibleName(name)
            layout.addRow(f"{name}:", value)
            self.values[name] = value

    def set_details(self, details: PersonDetails | None, today: date | None = None) -> None:
        """Show one person (None clears the view)."""
        if details is None:
            for value in self.values.values():
                self._set(value, "")
            return
        today = today or date.today()
        born = details.date_of_birth
        address = (
            "No fixed abode"
            if details.no_fixed_abode
            else ", ".join(part for part in (details.address, details.postcode) if part)
        )
        texts = {
            "Name": details.full_name,
            "Date of birth": f"{uk_long_date(born)} (age {age_on(born, today)})",
            "Also known as": ", ".join(details.aliases) or "None recorded",
            "Local authority": reference_name("local_authorities", details.local_authority)
            if details.local_authority
            else "Not recorded",
            "PNC ID": details.pnc_id or "Not recorded",
            "Address": (address or "Not recorded") if details.shows_contact else "Not shown for your role",
            "Phone": (details.phone or "Not recorded")
            if details.shows_contact
            else "Not shown for your role",
        }
        for name, text in texts.items():
            self._set(self.values[name], text)

    @staticmethod
    def _set(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setAccessibleDescription(text)

    def text_of(self, name: str) -> str:
        """The value shown in a row (for tests and the screen reader check)."""
        return self.values[name].text()
