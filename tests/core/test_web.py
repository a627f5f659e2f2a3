"""The web shell: layout, partials, redirects, flash, errors, static files, health checks."""

from __future__ import annotations

import re

import pytest

from tests.support.people import signed_in

HTMX_FORM = {"HX-Request": "true", "HX-Target": "testplugin-note-form"}


def csp(response) -> str:
    return response.headers["content-security-policy"]


async def test_the_dashboard_is_in_russian_with_navigation_and_widgets(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        page = await client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="ru">' in html and "<title>Главная · zhurnal</title>" in html
    assert re.search(r'<a id="nav-home" href="/" aria-current="page">Главная</a>', html)
    assert 'id="nav-testplugin-notes" href="/testplugin/notes"' in html
    assert 'id="widget-school"' in html and "Школа" in html
    assert 'hx-get="/testplugin/widget" hx-trigger="load"' in html and 'href="/testplugin/widget"' in html
    assert '<div id="flash"' in html and '<main id="main">' in html
    assert "Школа для teacher" in html and "<h3>Модули</h3>" not in html  # modules are the administrator's business


async def test_every_response_carries_a_strict_csp(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        for url in ("/", "/no-such-page", "/static/0/zhurnal.css", "/healthz"):
            response = await client.get(url)
            policy = csp(response)
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
            assert "frame-ancestors 'none'" in policy
            assert response.headers["x-content-type-options"] == "nosniff"


async def test_htmx_config_is_strict_and_comes_before_htmx(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        html = (await client.get("/")).text
    config_at, script_at = html.index('name="htmx-config"'), html.index("htmx.min.js")
    assert config_at < script_at
    for setting in ('"allowEval": false', '"allowScriptTags": false', '"includeIndicatorStyles": false',
                    '"historyCacheSize": 0', '"selfRequestsOnly": true', '{"code": "422", "swap": true}'):
        assert setting in html
    assert "style=" not in html and "<script>" not in html and "hx-on" not in html


async def test_one_url_serves_page_and_partial(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        full = await client.post("/testplugin/notes", data={"text": ""})
        partial = await client.post("/testplugin/notes", data={"text": ""}, headers=HTMX_FORM)
        other_target = await client.post("/testplugin/notes", data={"text": ""}, headers={**HTMX_FORM, "HX-Target": "main"})
        restore = await client.post("/testplugin/notes", data={"text": ""}, headers={**HTMX_FORM, "HX-History-Restore-Request": "true"})
    assert full.status_code == partial.status_code == 422
    assert full.text.startswith("<!doctype html>") and "Напишите текст заметки." in full.text
    assert partial.text.lstrip().startswith('<form id="testplugin-note-form"') and "Напишите текст заметки." in partial.text
    assert 'aria-invalid="true"' in partial.text
    assert other_target.text.startswith("<!doctype html>") and restore.text.startswith("<!doctype html>")
    assert all(r.headers["vary"] == "HX-Request" for r in (full, partial))


async def test_a_plain_post_redirects_with_303_and_the_flash_survives(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        posted = await client.post("/testplugin/notes", data={"text": "Субботник"}, follow_redirects=False)
        assert posted.status_code == 303 and posted.headers["location"] == "/testplugin/notes"
        page = await client.get("/testplugin/notes")
        again = await client.get("/testplugin/notes")
    assert '<p class="flash flash--success">Заметка добавлена.</p>' in page.text
    assert "«Субботник»" in page.text  # the plugin's Jinja filter
    assert "Заметка добавлена." not in again.text  # shown once


async def test_an_htmx_post_redirects_with_hx_redirect(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        posted = await client.post("/testplugin/notes", data={"text": "Олимпиада"}, headers=HTMX_FORM)
        assert posted.status_code == 200 and posted.headers["hx-redirect"] == "/testplugin/notes"
        assert "Заметка добавлена." in (await client.get("/testplugin/notes")).text


async def test_a_forged_flash_cookie_is_ignored(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        client.cookies.set("__Host-zhurnal_flash", "W1siPHNjcmlwdD4iLCAiZXJyb3IiXV0.0000", domain="testserver.local")
        page = await client.get("/")
    assert "flash--error" not in page.text


async def test_error_pages_use_the_layout_and_hide_internals(make_client, database_url):
    async with make_client() as client:
        missing = await client.get("/no-such-page", headers={"Accept": "text/html"})
        htmx_missing = await client.get("/no-such-page", headers={"HX-Request": "true"})
    assert missing.status_code == 404
    assert "<h1>Страница не найдена</h1>" in missing.text and 'id="core-nav"' in missing.text
    assert htmx_missing.status_code == 404 and htmx_missing.headers["content-type"].startswith("text/plain")
    assert htmx_missing.text.startswith("Страница не найдена.")


async def test_english_is_one_switch_away(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        switched = await client.post("/locale", data={"locale": "en", "next": "/no-such"}, follow_redirects=False)
        assert switched.status_code == 303 and switched.headers["location"] == "/no-such"
        assert "<h1>Home</h1>" in (await client.get("/")).text
        await client.post("/locale", data={"locale": "xx", "next": "https://evil.example/"}, follow_redirects=False)
        assert "<h1>Главная</h1>" in (await client.get("/")).text
        outside = await client.post("/locale", data={"locale": "ru", "next": "//evil.example/"}, follow_redirects=False)
        assert outside.headers["location"] == "/"


async def test_static_files_have_versioned_urls_and_long_caching(make_client, database_url):
    async with make_client() as client:
        html = (await client.get("/login")).text
        url = re.search(r'href="(/static/[0-9a-f]{12}/zhurnal.css)"', html)[1]
        current = await client.get(url)
        stale = await client.get("/static/000000000000/zhurnal.css")
        htmx = await client.get(re.search(r'src="(/static/[0-9a-f]{12}/vendor/htmx/htmx.min.js)"', html)[1])
        escape = await client.get("/static/0/../../settings.py")
        missing = await client.get("/static/0/nope.css")
        favicon = await client.get("/favicon.ico", follow_redirects=False)
    assert current.status_code == 200 and current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["content-type"].startswith("text/css")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert "version:\"2.0." in htmx.text or 'version:"2.0.' in htmx.text
    assert escape.status_code == 404 and missing.status_code == 404
    assert favicon.status_code == 301 and favicon.headers["location"].endswith("/favicon.svg")


async def test_health_and_readiness(make_client, database_url, make_platform):
    async with make_client() as client:
        assert (await client.get("/healthz")).text == "ok"
        ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.text == "ready"


async def test_readiness_fails_while_migrations_are_missing(make_client, empty_database_url, tmp_path):
    from litestar.testing import AsyncTestClient

    from core.app import create_app
    from core.platform import Platform
    from tests.conftest import settings_for

    app = create_app(platform=Platform(settings_for(empty_database_url, tmp_path, plugins=())))
    async with AsyncTestClient(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503


async def test_hook_prepare_jinja_env(make_platform):
    from core.app import create_app

    with_plugin = make_platform(plugins=("testplugin",))
    create_app(platform=with_plugin)
    assert with_plugin.jinja.filters["testplugin_quote"]("Урок") == "«Урок»"
    without = make_platform(plugins=())
    create_app(platform=without)
    assert "testplugin_quote" not in without.jinja.filters
    assert without.jinja.autoescape is True


async def test_hook_nav_items(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        await client.post("/testplugin/notes", data={"text": "Первая"})
        await client.post("/testplugin/notes", data={"text": "Вторая"})
        html = (await client.get("/")).text
    nav = html[html.index('id="core-nav"'):html.index("</nav>")]
    assert nav.index("nav-home") < nav.index("nav-testplugin-notes")  # sorted by section
    assert 'Заметки <span class="badge">2</span>' in nav
    async with signed_in(make_client, database_url, plugins=()) as (client, _school):
        assert "nav-testplugin-notes" not in (await client.get("/")).text


async def test_hook_dashboard_widgets(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, _school):
        html = (await client.get("/")).text
        lazy = await client.get("/testplugin/widget", headers={"HX-Request": "true"})
    assert html.index('id="widget-school"') < html.index('id="widget-testplugin-notes"')  # by order
    assert lazy.status_code == 200 and "0 заметок" in lazy.text and "<html" not in lazy.text
    async with signed_in(make_client, database_url, plugins=()) as (client, _school):
        assert "widget-testplugin-notes" not in (await client.get("/")).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\\\evil", "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
async def test_the_language_switch_never_redirects_off_site(make_client, database_url, target):
    async with signed_in(make_client, database_url) as (client, _school):
        response = await client.post("/locale", data={"locale": "ru", "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


async def test_a_plugin_may_not_replace_jinja_names(make_platform, monkeypatch):
    from core.app import create_app
    from core.errors import StartupError

    platform = make_platform(plugins=("testplugin",))
    impl = next(i for i in platform.pm.hook.prepare_jinja_env.get_hookimpls() if i.plugin_name == "testplugin")
    monkeypatch.setattr(impl, "function", lambda platform, env: env.filters.update(format_date=str))
    with pytest.raises(StartupError, match="plugin 'testplugin' replaced Jinja names it does not own: filter format_date"):
        create_app(platform=platform)


async def test_a_malformed_hook_result_names_the_plugin(make_client, database_url, monkeypatch, caplog):
    async with signed_in(make_client, database_url) as (client, _school):
        impl = next(i for i in client.app.state.platform.pm.hook.nav_items.get_hookimpls() if i.plugin_name == "testplugin")
        monkeypatch.setattr(impl, "function", lambda platform, request, user: "not a list")
        response = await client.get("/")
    assert response.status_code == 500 and "not a list" not in response.text
    assert "plugin 'testplugin': hook nav_items must return a list of NavItem" in caplog.text
