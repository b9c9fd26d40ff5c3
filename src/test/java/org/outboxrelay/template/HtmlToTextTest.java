package org.outboxrelay.template;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HtmlToTextTest {

    private final HtmlToText converter = new HtmlToText();

    @Test
    void paragraphsHeadingsAndLineBreaksSurvive() {
        assertEquals("Hello Jane\n\nfirst paragraph\nwith a break\n\nsecond   paragraph\n",
                converter.convert("<h1>Hello   Jane</h1>\n<p>first\nparagraph<br>with a break</p>"
                        + "<p>second&nbsp;&nbsp; paragraph</p>"));
    }

    @Test
    void linksKeepTheirUrl() {
        assertEquals("Choose a new password (https://example.com/reset?t=1&u=2)\n",
                converter.convert("<p><a href=\"https://example.com/reset?t=1&amp;u=2\">Choose a new password</a></p>"));
        // the text already is the URL, or a mail address: not twice
        assertEquals("https://example.com or help@example.com\n", converter.convert(
                "<a href=\"https://example.com\">https://example.com</a> or "
                        + "<a href=\"mailto:help@example.com\">help@example.com</a>"));
        // anchors, cid: and links without text
        assertEquals("top and https://example.com/x\n", converter.convert(
                "<a href=\"#top\">top</a> and <a href=\"https://example.com/x\"><img src=\"cid:logo\"></a>"));
    }

    @Test
    void listsGetMarkers() {
        assertEquals("Steps:\n\n1. open\n2. click\n  - nested\n3. done\n\nBullets:\n\n- a\n- b\n",
                converter.convert("<p>Steps:</p><ol><li>open</li><li>click<ul><li>nested</li></ul></li>"
                        + "<li>done</li></ol><p>Bullets:</p><ul><li>a</li><li>b</li></ul>"));
    }

    @Test
    void headStyleScriptAreLeftOutAndImagesGiveTheirAltText() {
        assertEquals("[Example Shop]\n\nBody\n", converter.convert("<!DOCTYPE html><html><head><title>T</title>"
                + "<style>p {color: red}</style></head><body><script>alert(1)</script>"
                + "<img src=\"cid:logo\" alt=\"Example Shop\"><p>Body</p></body></html>"));
    }

    @Test
    void layoutTablesBecomeLines() {
        assertEquals("Shop\n\nHello\n\nText\n\nFooter\n", converter.convert("<table><tr><td>Shop</td></tr>"
                + "<tr><td><p>Hello</p><p>Text</p></td></tr></table><div>Footer</div>"));
        assertEquals("a b\nc d\n", converter.convert("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"));
    }

    @Test
    void preformattedTextKeepsItsLines() {
        assertEquals("Code:\n\nline 1\n  line 2\n", converter.convert("<p>Code:</p><pre>line 1\n  line 2</pre>"));
    }

    @Test
    void escapedCharactersAreDecoded() {
        assertEquals("Tom & Jerry <3 \"quotes\"\n", converter.convert("Tom &amp; Jerry &lt;3 &quot;quotes&quot;"));
        assertEquals("", converter.convert(""));
    }
}
