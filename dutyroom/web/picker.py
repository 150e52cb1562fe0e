"""The widget of every form field that takes an incident number: a number field the incident picker
(static/web/incident-picker.js) adds a search-as-you-type box to, so nobody has to know the number."""

from __future__ import annotations

from django import forms


class IncidentPickerInput(forms.NumberInput):
    def __init__(self) -> None:
        super().__init__(attrs={"data-incident-picker": "", "inputmode": "numeric", "min": "1"})
