"""Helpers shared by the web views: the signed-in user, domain errors turned into pages and form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse
from django.utils import translation
from django.utils.translation import get_language

from dutyroom.accounts.models import User
from dutyroom.common.errors import DomainError, ValidationFailed
from dutyroom.reports.intake import REPORT_PREFIX

T = TypeVar("T")

# Service field names (the API's JSON paths) → form field names.
FIELD_ALIASES = {"location.address": "address", "location.area": "area"}


def actor(request: HttpRequest) -> User:
    """The signed-in user (every view that calls this is behind ``login_required``)."""
    return cast(User, request.user)


def message_of(error: DomainError) -> str:
    """The error in the UI language: Chinese unless the user switched to English."""
    language = get_language() or "zh-hans"
    return error.message_en if language.startswith("en") else error.message


def add_service_errors(form: forms.Form, error: ValidationFailed) -> None:
    """Put each ``ValidationFailed`` field error next to the form field it concerns."""
    english = (get_language() or "").startswith("en")
    for field, (zh, en) in error.errors.items():
        name = FIELD_ALIASES.get(field.removeprefix(REPORT_PREFIX), field.removeprefix(REPORT_PREFIX))
        if name.startswith("casualties."):
            name = name.split(".", 1)[1]
        text = en if english else zh
        if name in form.fields and name not in form.errors:
            form.add_error(name, text)
        elif name not in form.fields:
            form.add_error(None, f"{form_label(form, field)}：{text}")


def form_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Run a service for a submitted form: its result, or ``None`` with the refusal written onto the form.

    Field errors go beside their boxes (``add_service_errors``); any other refusal (forbidden, conflict)
    goes at the top of the form, in the page's language.
    """
    try:
        return call()
    except ValidationFailed as error:
        add_service_errors(form, error)
    except DomainError as error:
        form.add_error(None, message_of(error))
    return None


def form_label(form: forms.Form, field: str) -> str:
    name = FIELD_ALIASES.get(field, field)
    found = form.fields.get(name)
    return str(found.label) if found is not None and found.label else field


def not_found(request: HttpRequest) -> HttpResponse:
    """Missing and forbidden look the same (architecture convention 5)."""
    return render(request, "web/not_found.html", status=404)


def forbidden(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": message_of(error)}, status=403)


def render_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Re-show a form with its errors. 200, as Django does, so progressive enhancement can swap it in."""
    return render(request, template, context)


def browser_language(request: HttpRequest) -> str:
    """The first page a user sees (a GET without a language cookie): English only when the browser's first
    preference is English; the choice is kept in the cookie, which the header's switch changes."""
    return browser_language_of(request.headers.get("Accept-Language", ""))


def browser_language_of(header: str) -> str:
    from django.utils.translation.trans_real import parse_accept_lang_header

    ranked = parse_accept_lang_header(header[:200])
    first = ranked[0][0].lower() if ranked else ""
    return "en" if first.startswith("en") else settings.LANGUAGE_CODE


def chinese_first(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages speak Chinese unless the user chose another language (Django's ``set_language`` cookie) or, before
    any choice, the browser prefers English first (``browser_language``).

    LocaleMiddleware would otherwise follow the browser's Accept-Language, so an English-language browser
    in a Taicang office would get English pages nobody there asked for; English is a choice made with the
    header's switch, which sets the cookie. Template responses are rendered inside the override.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        first_page = chosen not in dict(settings.LANGUAGES) and request.method == "GET"
        language = (
            chosen
            if chosen in dict(settings.LANGUAGES)
            else (browser_language(request) if first_page else settings.LANGUAGE_CODE)
        )
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
        if first_page:  # the browser's preference, decided on the first page, holds until the user switches
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=settings.LANGUAGE_COOKIE_AGE
            )
        return response

    return wrapped
