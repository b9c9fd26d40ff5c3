package org.outboxrelay.template;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The plain-text part of a mail whose template has only HTML: readable text, not markup. Paragraphs, headings
 * and lists keep their breaks, list items get "- " (or "1. " in numbered lists), links keep their URL in
 * brackets after the link text, images their alt text, and head, style and script are left out. HTML is
 * parsed with jsoup, so any markup a template produces is understood.
 */
public class HtmlToText {

    /** Elements that stand apart from the text around them by a blank line. */
    private static final Set<String> PARAGRAPHS = Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
            "dl", "table", "blockquote", "pre", "address", "figure", "hr", "form", "fieldset");
    /** Elements that start on a line of their own. */
    private static final Set<String> LINES = Set.of("div", "li", "tr", "dt", "dd", "section", "article", "header",
            "footer", "main", "nav", "aside", "figcaption", "caption", "center", "tbody", "thead", "tfoot");
    private static final Set<String> SKIPPED = Set.of("head", "style", "script", "template", "noscript", "title");
    private static final Pattern WHITE_SPACE = Pattern.compile("[ \\t\\r\\n\\f]+");
    private static final Pattern LINE_BREAK = Pattern.compile("\\r?\\n");
    private static final Pattern TRAILING_SPACE = Pattern.compile("[ \\t]+\n");
    private static final Pattern BLANK_LINES = Pattern.compile("\n{3,}");

    public String convert(String html) {
        if (html == null || html.isBlank()) {
            return "";
        }
        Writer writer = new Writer();
        NodeTraversor.traverse(writer, Jsoup.parse(html).body());
        return writer.result();
    }

    private static final class Writer implements NodeVisitor {
        private final StringBuilder out = new StringBuilder();
        /** Line breaks still owed before the next text (0, 1 = new line, 2 = blank line). */
        private int pendingBreaks;
        private boolean spaceOwed;
        private int skipping;
        private int preformatted;
        private final Deque<int[]> lists = new ArrayDeque<>(); // per open list: {ordered ? 1 : 0, next number}

        @Override
        public void head(Node node, int depth) {
            if (node instanceof TextNode t) {
                if (skipping == 0) {
                    text(t.getWholeText());
                }
                return;
            }
            if (!(node instanceof Element e)) {
                return;
            }
            String tag = e.normalName();
            if (SKIPPED.contains(tag)) {
                skipping++;
                return;
            }
            if (skipping > 0) {
                return;
            }
            switch (tag) {
                case "br" -> lineBreak();
                case "hr" -> {
                    breaks(2);
                    write("----");
                    breaks(2);
                }
                case "img" -> {
                    String alt = e.attr("alt").strip();
                    if (!alt.isEmpty()) {
                        write("[" + alt + "]");
                    }
                }
                case "ul", "ol" -> {
                    breaks(lists.isEmpty() ? 2 : 1);
                    lists.push(new int[] {tag.equals("ol") ? 1 : 0, startOf(e)});
                }
                case "li" -> {
                    breaks(1);
                    int[] list = lists.peek();
                    String indent = "  ".repeat(Math.max(0, lists.size() - 1));
                    write(indent + (list != null && list[0] == 1 ? (list[1]++) + ". " : "- "));
                }
                case "td", "th" -> {
                    if (e.elementSiblingIndex() > 0) {
                        spaceOwed = true;
                    }
                }
                case "pre" -> {
                    breaks(2);
                    preformatted++;
                }
                default -> {
                    if (PARAGRAPHS.contains(tag)) {
                        breaks(2);
                    } else if (LINES.contains(tag)) {
                        breaks(1);
                    }
                }
            }
        }

        @Override
        public void tail(Node node, int depth) {
            if (!(node instanceof Element e)) {
                return;
            }
            String tag = e.normalName();
            if (SKIPPED.contains(tag)) {
                skipping--;
                return;
            }
            if (skipping > 0) {
                return;
            }
            switch (tag) {
                case "a" -> link(e);
                case "ul", "ol" -> {
                    lists.pop();
                    breaks(lists.isEmpty() ? 2 : 1);
                }
                case "pre" -> {
                    preformatted--;
                    breaks(2);
                }
                default -> {
                    if (PARAGRAPHS.contains(tag)) {
                        breaks(2);
                    } else if (LINES.contains(tag)) {
                        breaks(1);
                    }
                }
            }
        }

        /** After the link text: its URL in brackets, unless the text already says it or it leads nowhere. */
        private void link(Element a) {
            String href = a.attr("href").strip();
            String lower = href.toLowerCase(Locale.ROOT);
            if (href.isEmpty() || href.startsWith("#") || lower.startsWith("javascript:") || lower.startsWith("cid:")) {
                return;
            }
            String shown = lower.startsWith("mailto:") ? href.substring("mailto:".length()) : href;
            String text = a.text().strip();
            if (text.isEmpty()) {
                write(shown);
            } else if (!text.equals(shown) && !text.equals(href)) {
                write(" (" + shown + ")");
            }
        }

        private static int startOf(Element list) {
            try {
                return list.hasAttr("start") ? Integer.parseInt(list.attr("start").strip()) : 1;
            } catch (NumberFormatException e) {
                return 1;
            }
        }

        private void text(String raw) {
            if (preformatted > 0) {
                String[] lines = LINE_BREAK.split(raw, -1);
                for (int i = 0; i < lines.length; i++) {
                    if (i > 0) {
                        lineBreak();
                    }
                    if (!lines[i].isEmpty()) {
                        write(lines[i]);
                    }
                }
                return;
            }
            // HTML collapses white space; a no-break space stays one space
            String collapsed = WHITE_SPACE.matcher(raw).replaceAll(" ").replace('\u00A0', ' ');
            if (collapsed.isEmpty()) {
                return;
            }
            if (collapsed.startsWith(" ")) {
                spaceOwed = true;
                collapsed = collapsed.substring(1);
            }
            boolean trailing = collapsed.endsWith(" ");
            if (trailing) {
                collapsed = collapsed.substring(0, collapsed.length() - 1);
            }
            if (!collapsed.isEmpty()) {
                write(collapsed);
            }
            if (trailing) {
                spaceOwed = true;
            }
        }

        private void write(String s) {
            if (out.length() > 0) {
                if (pendingBreaks > 0) {
                    out.append("\n".repeat(pendingBreaks));
                } else if (spaceOwed && !atLineStart() && !s.startsWith(" ")) {
                    out.append(' ');
                }
            }
            pendingBreaks = 0;
            spaceOwed = false;
            out.append(s);
        }

        private void breaks(int n) {
            if (out.length() > 0) {
                pendingBreaks = Math.max(pendingBreaks, n);
            }
            spaceOwed = false;
        }

        /** A {@code <br>}: always a new line, even several in a row. */
        private void lineBreak() {
            if (pendingBreaks > 0) {
                pendingBreaks = Math.min(pendingBreaks + 1, 2);
            } else {
                out.append('\n');
            }
            spaceOwed = false;
        }

        private boolean atLineStart() {
            return out.length() == 0 || out.charAt(out.length() - 1) == '\n';
        }

        String result() {
            String text = BLANK_LINES.matcher(TRAILING_SPACE.matcher(out).replaceAll("\n")).replaceAll("\n\n");
            return text.strip() + "\n";
        }
    }
}
