"""Every stored code has its label, in English and in Chinese: a code list and its label table never drift."""
from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from webapp.labels import TEMPLATE_LABELS, label, labeller
from webapp.labels.codes import LABELLED_CODES


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.mark.parametrize("name", sorted(LABELLED_CODES))
def test_every_code_has_a_label_in_both_languages(app: Flask, name: str) -> None:
    codes, table = LABELLED_CODES[name]
    assert set(table) == set(codes), f"{name}: codes without a label or labels without a code"
    with app.test_request_context():
        for code in codes:
            with force_locale("en"):
                english = str(table[code])
            with force_locale("zh"):
                chinese = str(table[code])
            assert english and english != code, (name, code)
            assert _has_chinese(chinese), (name, code, chinese)


def test_every_label_table_is_a_template_global(app: Flask) -> None:
    for function_name in TEMPLATE_LABELS:
        assert callable(app.jinja_env.globals[function_name])
    assert callable(app.jinja_env.globals["sweep_squad_name"])


def test_an_unknown_code_shows_as_itself(app: Flask) -> None:
    table = LABELLED_CODES["visit kind"][1]
    with app.test_request_context(), force_locale("en"):
        assert label(table, "marketing") == "Marketing visit"
        assert labeller(table)("something_new") == "something_new"
        assert label(table, None) == ""
