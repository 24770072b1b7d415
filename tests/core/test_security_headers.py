"""Every response carries the security headers (contest.core.security and Django's
SecurityMiddleware); no template brings back inline script, event handlers or styles; the
production settings pass ``check --deploy``. In Chromium: tests/e2e/test_csp_browser.py."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from contest.core.security import SecurityHeadersMiddleware
from tests.registration.factories import organizer_for, superuser

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "contest"

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22})'")
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)


def policy_with(nonce: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


def security_headers(response) -> dict[str, str | None]:
    names = (
        "Content-Security-Policy",
        "Permissions-Policy",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
    )
    return {name: response.headers.get(name) for name in names}


def expected_headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": policy_with(nonce),
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }


def nonce_of(response) -> str:
    match = NONCE.search(response.headers.get("Content-Security-Policy", ""))
    assert match, response.headers.get("Content-Security-Policy")
    return match.group(1)


def script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


# --- headers on representative responses ---------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("who", "url", "status", "content_type"),
    [
        ("anyone", "/", 200, "text/html; charset=utf-8"),
        ("anyone", "/no-such-page/", 404, "text/html; charset=utf-8"),
        ("anyone", "/api/v1/editions", 200, "application/json; charset=utf-8"),
        ("anyone", "/api/v1/docs", 200, "text/html; charset=utf-8"),
        ("anyone", "/admin/login/", 200, "text/html; charset=utf-8"),
        ("organizer", "/console/", 200, "text/html; charset=utf-8"),
        (
            "organizer",
            "entries.xlsx",
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("secretariat", "/admin/catalog/event/", 200, "text/html; charset=utf-8"),
    ],
)
def test_security_headers_on_every_kind_of_response(client, ningbo, who, url, status, content_type):
    if who == "organizer":
        client.force_login(organizer_for(ningbo))
    elif who == "secretariat":
        client.force_login(superuser())
    if url == "entries.xlsx":
        url = reverse("console:entry_export", args=[ningbo.pk])

    response = client.get(url)
    response.close()  # as a server does once sent: a streamed download's temporary file goes now

    assert (response.status_code, response["Content-Type"]) == (status, content_type)
    assert security_headers(response) == expected_headers(nonce_of(response))


@pytest.mark.integration
def test_security_headers_on_a_redirect_and_a_csrf_refusal(ningbo):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    redirect = strict.get("/console/")
    refused = strict.post("/accounts/login/", {"username": "x", "password": "y"})

    assert (redirect.status_code, redirect["Location"]) == (302, "/accounts/login/?next=/console/")
    assert security_headers(redirect) == expected_headers(nonce_of(redirect))
    assert refused.status_code == 403
    assert security_headers(refused) == expected_headers(nonce_of(refused))


@pytest.mark.integration
def test_nonce_is_fresh_per_request_and_on_every_script_tag(client, ningbo):
    anonymous = ["/", "/", "/accounts/login/"]
    signed_in = ["/console/", reverse("review:round_create")]
    pages = anonymous + signed_in

    responses = [client.get(url) for url in anonymous]
    client.force_login(organizer_for(ningbo))
    responses += [client.get(url) for url in signed_in]

    nonces = [nonce_of(r) for r in responses]
    assert len(set(nonces)) == len(pages)
    assert [r.status_code for r in responses] == [200] * len(pages)
    for response, nonce in zip(responses, nonces, strict=True):
        tags = script_tags(response.content.decode())
        assert tags, response.request["PATH_INFO"]
        assert [tag for tag in tags if f'nonce="{nonce}"' not in tag] == []
    round_form_scripts = script_tags(responses[-1].content.decode())
    assert [re.search(r'src="([^"]+)"', tag).group(1) for tag in round_form_scripts] == [
        "/static/js/confirm.js",
        "/static/review/rubric_weights.js",
    ]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_security_headers_under_asgi_on_the_live_event_stream(restore_divisions, ningbo):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from tests.finals.factories import session_with

    session, _, _, _ = session_with(ningbo, entries=2, status="live")

    async def open_stream():
        response = await AsyncClient().get(reverse("finals:events", args=[session.pk]))
        chunks = aiter(response.streaming_content)
        first = await anext(chunks)
        await chunks.aclose()
        return response, first

    response, first = async_to_sync(open_stream)()

    assert (response["Content-Type"], first) == ("text/event-stream; charset=utf-8", b"retry: 1000\n\n")
    assert security_headers(response) == expected_headers(nonce_of(response))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("admin_list", "with_actions"), [("core_auditrecord", False), ("accounts_user", True)]
)
def test_admin_change_lists_have_no_inline_style(client, db, admin_list, with_actions):
    client.force_login(superuser())

    response = client.get(reverse(f"admin:{admin_list}_changelist"))

    html = response.content.decode()
    assert (response.status_code, 'id="changelist"' in html, 'name="action"' in html) == (
        200,
        True,
        with_actions,
    )
    assert (html.count("<style"), html.count(" style=")) == (0, 0)
    assert [tag for tag in script_tags(html) if "src=" not in tag and "application/json" not in tag] == []


@pytest.mark.unit
def test_a_policy_the_view_set_is_kept(rf: RequestFactory):
    def uploaded_file(request):
        response = HttpResponse(b"\x89PNG", content_type="image/png")
        response["Content-Security-Policy"] = "sandbox"
        return response

    response = SecurityHeadersMiddleware(uploaded_file)(rf.get("/me/entries/1/images/2"))

    assert (response["Content-Security-Policy"], response["Permissions-Policy"]) == (
        "sandbox",
        PERMISSIONS_POLICY,
    )


@pytest.mark.integration
def test_debug_error_pages_keep_their_inline_styles(client, settings, db):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "<style" in response.content.decode()  # Django's technical 404 page
    assert (response.headers.get("Content-Security-Policy"), response["Permissions-Policy"]) == (
        None,
        PERMISSIONS_POLICY,
    )


# --- templates: no inline script, handlers or styles ---------------------------------------------

# Rendered to PDF by WeasyPrint (never sent to a browser): their <style> blocks are not subject to CSP.
PDF_TEMPLATES = {"finals/templates/finals/report.html", "awards/templates/awards/certificate_pdf.html"}


def csp_problems(relative: str, text: str) -> list[str]:
    """What in one template the Content-Security-Policy would block, or leave unprotected."""
    problems = []
    for tag in script_tags(text):
        if 'type="application/json"' in tag:
            continue
        if "src=" not in tag:
            problems.append(f"{relative}: inline script {tag}")
        elif 'nonce="{{ request.csp_nonce }}"' not in tag:
            problems.append(f"{relative}: script without nonce {tag}")
    problems += [
        f"{relative}: event handler {m}" for m in re.findall(r"<[a-zA-Z][^>]*?\s(on[a-z]+\s*=)", text)
    ]
    problems += [
        f"{relative}: javascript: URL" for _ in re.findall(r"javascript:", text, flags=re.IGNORECASE)
    ]
    if relative not in PDF_TEMPLATES:
        problems += [f"{relative}: style attribute" for _ in re.findall(r"\sstyle\s*=", text)]
        problems += [f"{relative}: <style> block" for _ in re.findall(r"<style\b", text)]
    return problems


@pytest.mark.unit
def test_template_scan_finds_each_kind_of_problem():
    text = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{}</script>'
        '<form onsubmit="return confirm(\'x\')"><a href="javascript:void(0)" style="color:red">x</a></form>'
        "<style>p { color: red }</style>"
    )

    assert csp_problems("x.html", text) == [
        "x.html: inline script <script>",
        'x.html: script without nonce <script src="/static/a.js">',
        "x.html: event handler onsubmit=",
        "x.html: javascript: URL",
        "x.html: style attribute",
        "x.html: <style> block",
    ]


@pytest.mark.unit
def test_no_template_has_inline_script_handlers_or_styles():
    templates = sorted(TEMPLATES.glob("**/templates/**/*.html"))
    assert len(templates) > 100

    problems = [
        problem
        for path in templates
        for problem in csp_problems(path.relative_to(TEMPLATES).as_posix(), path.read_text(encoding="utf-8"))
    ]

    assert problems == []


# --- production settings -------------------------------------------------------------------------


@pytest.mark.integration
def test_check_deploy_with_production_settings_reports_no_issues(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "contest.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "cnmaker.example.cn",
        "CSRF_TRUSTED_ORIGINS": "https://cnmaker.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, "System check identified no issues (0 silenced).\n")
    assert "WARNINGS" not in result.stderr


@pytest.mark.unit
@pytest.mark.parametrize(
    "path", ["js/confirm.js", "review/assignment_run.js", "review/rubric_weights.js", "review/organizer.css"]
)
def test_scripts_and_styles_moved_out_of_templates_are_static_files(path):
    from django.contrib.staticfiles import finders

    found = finders.find(path)

    assert found is not None
    assert Path(found).read_text(encoding="utf-8").startswith("/* ")
