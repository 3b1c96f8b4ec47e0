"""The Django admin in one language: signed in with zh-hans, no page of the admin
shows an English model, field, column, filter or fieldset name (of our apps, or of a
third-party app that the admin shows). Every changelist and add page is walked."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Words that stay as they are in Chinese text: abbreviations, product names, keys
# of the keyboard, the pinyin initials of an example, setting names.
KEPT = {
    "ID",
    "API",
    "AMQP",
    "JSON",
    "LDAP",
    "UTC",
    "RabbitMQ",
    "Redis",
    "Control",
    "Command",
    "Mac",
    "dzsw",
    "arg",
    "argument",
    "value",
}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z-]{2,}")
SETTING_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")

# Elements whose text is a label (not data); a cell of the list's body is data.
LABEL_TAGS = {"label", "legend", "h1", "h2", "h3", "caption", "title"}


class Labels(HTMLParser):
    """The texts of the labels of a page: headings, field labels, column headers,
    filter titles, help texts, the sidebar's app and model names."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.in_thead = 0
        self.in_sidebar = 0
        self.texts: list[str] = []
        self.current: list[str] = []

    def _is_label(self, tag, attrs) -> bool:
        classes = (dict(attrs).get("class") or "").split()
        if tag in LABEL_TAGS:
            return True
        if tag == "th" and self.in_thead:
            return True
        if "help" in classes:
            return True
        return bool(tag in ("a", "th") and self.in_sidebar)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "input", "img", "meta", "link", "hr"):
            return
        if tag == "thead":
            self.in_thead += 1
        if tag == "nav" and dict(attrs).get("id") == "nav-sidebar":
            self.in_sidebar += 1
        labelled = self._is_label(tag, attrs) or any(inner for _t, inner in self.stack)
        self.stack.append((tag, labelled))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _labelled = self.stack.pop()
            if open_tag == "thead":
                self.in_thead -= 1
            if open_tag == "nav" and self.in_sidebar:
                self.in_sidebar -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][1] and data.strip():
            self.texts.append(" ".join(data.split()))


def english_in(html: str) -> list[str]:
    parser = Labels()
    parser.feed(html)
    found = []
    for text in parser.texts:
        words = [
            w for w in ENGLISH_WORD.findall(SETTING_NAME.sub("", text)) if w not in KEPT
        ]
        if words:
            found.append(text)
    return sorted(set(found))


@pytest.fixture
def admin_client(world, client):
    admin_user = world.users.admin
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin_user)
    return client


def admin_pages():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        if model_admin.has_add_permission(_AdminRequest()):
            yield reverse(f"admin:{meta.app_label}_{meta.model_name}_add")


class _AdminRequest:
    """Enough of a request for ``has_add_permission`` of a superuser."""

    class user:
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(_perm, obj=None):
            return True


def test_every_admin_page_is_in_chinese(admin_client):
    problems = {}
    pages = ["/admin/", *admin_pages()]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        english = english_in(response.content.decode())
        if english:
            problems[path] = english
    assert not problems, "English labels:\n" + "\n".join(
        f"{path}: {texts}" for path, texts in problems.items()
    )


def test_the_check_finds_an_english_label():
    html = (
        "<thead><tr><th>用户</th><th>Last login</th></tr></thead>"
        "<tbody><tr><th>admin</th></tr></tbody>"
    )
    assert english_in(html) == ["Last login"]


def test_the_admin_is_english_when_chosen(admin_client):
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Role and scope" not in html  # the list, not the form
    assert "Users" in html and "用户" not in html
