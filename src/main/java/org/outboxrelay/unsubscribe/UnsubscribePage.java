package org.outboxrelay.unsubscribe;

import java.time.Clock;
import java.util.Optional;

import org.apache.camel.Header;
import org.outboxrelay.http.ApiReply;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionReason;
import org.outboxrelay.state.SuppressionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /u/{token}} (routes/unsubscribe.camel.yaml), reached without a bearer token - the token's HMAC is the
 * authorization. {@code GET} only shows a small page with a button: mail scanners follow links, and following
 * one must change nothing. {@code POST} (RFC 8058 one-click from the mail program, or the page's button) puts
 * the recipient on the suppression list for that list and answers 200. A token the relay did not issue, or one
 * changed in any way, is answered 403 and changes nothing.
 */
public class UnsubscribePage {

    private static final Logger LOG = LoggerFactory.getLogger(UnsubscribePage.class);
    private static final String HTML = "text/html; charset=utf-8";

    private final UnsubscribeTokens tokens;
    private final SuppressionStore list;
    private final Clock clock;

    public UnsubscribePage(UnsubscribeTokens tokens, SuppressionStore list, Clock clock) {
        this.tokens = tokens;
        this.list = list;
        this.clock = clock;
    }

    /** GET: the confirmation page. */
    public ApiReply confirm(@Header("token") Object token) {
        Optional<UnsubscribeTokens.Claim> claim = claim(token);
        if (claim.isEmpty()) {
            return invalid();
        }
        return page(200, "Unsubscribe", "<p>Stop receiving <strong>" + escape(claim.get().list())
                + "</strong> mail at " + escape(claim.get().address()) + "?</p>"
                + "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                + "<button type=\"submit\">Unsubscribe</button></form>");
    }

    /** POST: unsubscribes. */
    public ApiReply unsubscribe(@Header("token") Object token) {
        Optional<UnsubscribeTokens.Claim> found = claim(token);
        if (found.isEmpty()) {
            return invalid();
        }
        UnsubscribeTokens.Claim c = found.get();
        boolean added = list.add(new Suppression(c.account(), c.list(), c.address(), SuppressionReason.UNSUBSCRIBE,
                "one-click unsubscribe", null, clock.instant()));
        LOG.info("Unsubscribe: a recipient left list {} of {}{}", c.list(), c.account(),
                added ? "" : " (already had)");
        return page(200, "Unsubscribed", "<p>Done: " + escape(c.address()) + " will get no more <strong>"
                + escape(c.list()) + "</strong> mail.</p>");
    }

    private Optional<UnsubscribeTokens.Claim> claim(Object token) {
        return tokens == null ? Optional.empty() : tokens.verify(lastValue(token));
    }

    private static ApiReply invalid() {
        return page(403, "Link not valid", "<p>This unsubscribe link is not valid. Use the link of the message"
                + " exactly as it came.</p>");
    }

    private static ApiReply page(int status, String title, String body) {
        return new ApiReply(status, HTML, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\""
                + " content=\"noindex\"><title>" + title + "</title></head><body style=\"font-family:sans-serif;"
                + "max-width:32em;margin:3em auto\"><h1>" + title + "</h1>" + body + "</body></html>", null);
    }

    /** The path parameter: platform-http gives a header and a query parameter of the same name first. */
    private static String lastValue(Object header) {
        Object last = header instanceof java.util.List<?> values && !values.isEmpty()
                ? values.get(values.size() - 1) : header;
        return last == null ? null : String.valueOf(last);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
