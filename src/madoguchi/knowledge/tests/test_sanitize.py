from madoguchi.knowledge.sanitize import html_to_text, sanitize_answer


def test_plain_text_answers_become_paragraphs_with_escaped_text():
    html = sanitize_answer("1 < 2 & 3\n2行目\n\n次の段落")
    assert html == "<p>1 &lt; 2 &amp; 3<br>2行目</p><p>次の段落</p>"


def test_inline_tags_keep_the_typed_line_breaks():
    assert sanitize_answer("<strong>大事</strong>\n2行目") == "<p><strong>大事</strong><br>2行目</p>"


def test_scripts_event_handlers_and_javascript_links_are_removed():
    html = sanitize_answer(
        '<p onclick="x()">ok<script>alert(1)</script> <a href="javascript:alert(1)">link</a></p>'
    )
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert "<p>ok" in html and "link</a>" in html and "href" not in html


def test_safe_links_are_kept_with_rel_noopener():
    html = sanitize_answer('<p><a href="https://example.jp/a?b=1&c=2">詳しく</a></p>')
    assert 'href="https://example.jp/a?b=1&amp;c=2"' in html and "noopener" in html
    assert html_to_text(html) == "詳しく"


def test_a_path_that_browsers_read_as_another_host_loses_its_href():
    for href in ("/\\evil.example/", "//evil.example/", "/\t/evil.example/", " /\\evil.example"):
        html = sanitize_answer(f'<p><a href="{href}">詳しく</a></p>')
        assert "evil.example" not in html, href
        assert "href" not in html and "詳しく" in html


def test_paths_fragments_and_contact_links_on_this_site_are_kept():
    html = sanitize_answer(
        '<p><a href="/help/">FAQ</a> <a href="#top">上へ</a> <a href="tel:0312345678">電話</a></p>'
    )
    assert 'href="/help/"' in html and 'href="#top"' in html and 'href="tel:0312345678"' in html


def test_comments_and_unknown_attributes_are_dropped():
    html = sanitize_answer('<p class="x" style="color:red">本文<!-- 内部メモ --></p>')
    assert html == "<p>本文</p>"
