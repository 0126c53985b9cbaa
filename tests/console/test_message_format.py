"""The widget's formatting for staff (bot/console/message_format.py): the same safe subset
as web/widget/export-help-chat.js, escape first."""
from bot.console.message_format import format_message, format_plain


def test_bold_lists_and_line_breaks_as_the_widget_shows_them():
    html = format_message("**Account 1930** is not active.\nDo this:\n\n1. Open *Settings*\n"
                          "2. Make it active\n   for 2024\n\n- one\n- two")
    assert html == ("<p><strong>Account 1930</strong> is not active.<br>Do this:</p>"
                    "<ol><li>Open *Settings*</li><li>Make it active<br>for 2024</li></ol>"
                    "<ul><li>one</li><li>two</li></ul>")
    assert format_message("3. third\n4. fourth") == '<ol start="3"><li>third</li><li>fourth</li></ol>'


def test_links_only_http_and_code():
    html = format_message("See https://bank.example/help. Or [this](javascript:alert(1)) `x<y`")
    assert ('<a href="https://bank.example/help" target="_blank" '
            'rel="noopener noreferrer nofollow">https://bank.example/help</a>.') in html
    assert "javascript" not in html.split("this")[0] and "<code>x&lt;y</code>" in html
    assert 'href="javascript' not in html


def test_html_in_a_message_is_never_html():
    for text in ('<script>alert(1)</script>', '**<img src=x onerror=alert(1)>**',
                 '[<b>x</b>](https://a.example/"onmouseover=")'):
        html = format_message(text)
        assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert format_plain("a <b>\nb") == "a &lt;b&gt;<br>b"
