"""Security headers on pages, the API and errors: nosniff, frame denial, a referrer
policy, the Content-Security-Policy (pages satisfy it: tests/browser/test_csp.py),
and HSTS when (and only when) served over TLS."""

import pytest
from django.conf import settings
from django.test import Client

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def coordinator(world):
    client = Client()
    client.force_login(world.users.coord_a)
    return client


PATHS = ["/accounts/login/", "/needs/", "/dashboard/", "/api/v1/me/", "/no-such-page/"]


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(coordinator, path):
    response = coordinator.get(path)
    assert response.status_code < 500
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert policy == settings.CONTENT_SECURITY_POLICY
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_api_docs_alone_get_the_wider_policy(client):
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in docs["Content-Security-Policy"]
    assert (
        "unsafe-inline" not in client.get("/accounts/login/")["Content-Security-Policy"]
    )


def test_hsts_is_sent_over_tls_only(settings, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = False
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
        + ("; preload" * settings.SECURE_HSTS_PRELOAD)
    )
    plain = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in plain


def test_behind_the_proxy_tls_is_recognised_by_its_header(settings, client):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_SSL_REDIRECT = False
    proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert proxied["Strict-Transport-Security"].startswith("max-age=3600")


def test_plain_http_is_redirected_to_tls_in_production(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
