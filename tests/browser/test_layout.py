import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_page_fits_a_phone(phone, live_server):
    phone.goto(f"{live_server.url}/accounts/login/")
    assert phone.locator("h1").inner_text() == "登入校園差勤"
    # Nothing wider than the screen: no sideways scrolling on a phone.
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    assert phone.locator("input[name=username]").is_visible()


def test_home_redirects_to_login_then_shows_the_person(phone, live_server, people, sign_in):
    phone.goto(f"{live_server.url}/")
    assert "/accounts/login/" in phone.url
    sign_in(phone, live_server, "teacher")
    assert phone.url.rstrip("/") == live_server.url
    assert "王老師" in phone.get_by_test_id("signed-in-as").inner_text()
    assert "高雄市立示範高級中學" in phone.locator(".school-name").inner_text()
    assert phone.get_by_test_id("today").inner_text().startswith("民國")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
