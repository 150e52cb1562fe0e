"""A person changes their own password (``/me/password/``): the same policy as an administrator's reset, every
other session of theirs ends, and the one they are using stays signed in."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dutyroom.accounts.services import user_change_own_password
from dutyroom.common.clock import now as clock_now
from dutyroom.web.views.common import actor, form_service


class PasswordForm(forms.Form):
    current = forms.CharField(
        label=gettext_lazy("当前密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=gettext_lazy("新密码"),
        max_length=128,
        strip=False,
        help_text=gettext_lazy("至少 8 位；修改后，您在其他设备上的登录将失效"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=gettext_lazy("再次输入新密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, str]:
        data: dict[str, str] = super().clean() or {}
        if data.get("new") and data.get("again") is not None and data["new"] != data["again"]:
            self.add_error("again", _("两次输入的新密码不一致"))
        return data


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changed = form_service(
            form,
            lambda: user_change_own_password(
                user=user, current=form.cleaned_data["current"], new=form.cleaned_data["new"], now=clock_now()
            ),
        )
        if changed is not None:
            update_session_auth_hash(request, changed)  # this session stays; the others no longer match the hash
            messages.success(request, _("密码已修改，其他设备上的登录已失效"))
            return redirect("web:password-change")
    return render(request, "web/password.html", {"form": form}, status=400 if form.errors else 200)
