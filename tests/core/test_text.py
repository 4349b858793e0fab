"""Text helpers of the ground package."""

import pytest

from core.text import is_boilerplate


@pytest.mark.parametrize("line, furniture", [
    ("Register Now to Continue Reading", True),
    ("Already have an account? Sign in here", True),
    ("Councils visit families at home. Picture: A Photographer", True),
    ("We use cookies to help provide and enhance our service.", True),
    ("Menu Search", True),
    ("Thank you for visiting the Weekly Care News and making use of our archive of features.", True),
    ("More like this", True),
    ("Inspectors found that the menu of services for care leavers was narrow.", False),
    ("Social workers log in to the case management system twice a day.", False),
    ("The council will share this plan with partners.", False),
])
def test_web_page_furniture_is_told_from_the_text(line, furniture):
    assert is_boilerplate(line) is furniture
