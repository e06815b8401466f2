"""Every app's styles reach phones: no app's rules may end up inside another's wide-screen @media block."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

# A rule from each app's section of static/css/app.css that must apply at every width.
PHONE_RULES = ["table.cal", ".cover-need", ".sso-portal-button", ".leave-actions", ".leave-balances"]

TOP_LEVEL_SELECTORS = """() => {
  const out = [];
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) { if (rule.selectorText) out.push(rule.selectorText); }
  }
  return out;
}"""


def test_every_apps_styles_apply_at_phone_width(phone, live_server):
    phone.goto(f"{live_server.url}/accounts/login/")
    top_level = phone.evaluate(TOP_LEVEL_SELECTORS)
    missing = [selector for selector in PHONE_RULES if selector not in top_level]
    assert missing == [], f"only inside a media query (an unclosed @media block?): {missing}"
    # What the user sees: the portal button fills the card's width on a phone.
    button = phone.locator(".sso-portal-button").bounding_box()
    card = phone.locator("section.card").bounding_box()
    assert button["width"] > card["width"] * 0.8


def test_month_calendar_fits_a_phone(phone, live_server, people, sign_in):
    sign_in(phone, live_server, "teacher")
    phone.goto(f"{live_server.url}/attendance/month/")
    calendar = phone.get_by_test_id("month-calendar")
    assert calendar.evaluate("el => getComputedStyle(el).tableLayout") == "fixed"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_language_switch_names_each_language_in_itself(phone, live_server):
    phone.goto(f"{live_server.url}/accounts/login/")
    options = phone.locator("footer select[name=language] option").all_inner_texts()
    assert [text.strip() for text in options] == ["繁體中文", "English"]  # not 「英語」 on a Chinese page
