"""The visit form's fields as the API body (webapp/visits/forms.py): what counts as a number, and line breaks.
static/js/visit-form.js reads the same fields by the same rules (tests/browser/test_visit_body.py)."""
from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from webapp.visits.forms import confirmation_body_from_form, visit_body_from_form


@pytest.mark.parametrize(("typed", "read"), [
    ("12000", 12000.0), ("12000.50", 12000.5), ("+3", 3.0), ("-3", -3.0), (".5", 0.5), ("5.", 5.0),
    ("1e3", 1000.0), ("１２０００", 12000.0),  # fullwidth digits, as a Chinese keyboard types them
    ("12,000", "12,000"), ("1_000", "1_000"), ("0x10", "0x10"), ("inf", "inf"), ("nan", "nan"),
    ("1e999", "1e999"), ("一万", "一万"), ("٣", "٣"),
])
def test_an_amount_is_a_number_only_when_it_reads_as_a_plain_decimal(typed: str, read: Any) -> None:
    body = visit_body_from_form(MultiDict({"kind": "marketing", "application_product": "loan",
                                           "application_amount": typed}))
    assert body["outcome"]["application"]["amount"] == read


def test_line_breaks_of_a_form_post_are_the_phones() -> None:
    form = MultiDict({"kind": "post_loan", "notes_lead": "一\r\n二\r三\n", "checklist_abnormal": "yes",
                      "checklist_abnormal_detail": "  库存\r\n不足  ", "merchant_id": "²"})
    body = visit_body_from_form(form)
    assert body["notes"]["lead"] == "一\n二\n三\n"
    assert body["outcome"]["checklist"]["abnormal_detail"] == "库存\n不足"
    assert body["merchant_id"] == "²"  # not an ASCII number: left for the validator to name, never a crash
    assert confirmation_body_from_form(MultiDict({"note": "a\r\nb"}))["note"] == "a\nb"
