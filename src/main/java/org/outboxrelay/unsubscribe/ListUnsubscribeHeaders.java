package org.outboxrelay.unsubscribe;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.delivery.OutgoingMessage;
import org.outboxrelay.job.QueuedJob;

/**
 * The delivery route's step {@code listUnsubscribe.add}, on each message just before it is signed and sent: a
 * job that asks for one-click unsubscribe gets, per recipient (such a job is sent as one message per recipient,
 * see RecipientBatches), the RFC 2369 {@code List-Unsubscribe} header with an https link (and a mailto link
 * when relay.unsubscribe.mailto is set) and the RFC 8058 {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}.
 * Other messages pass unchanged.
 */
public class ListUnsubscribeHeaders {

    private final UnsubscribeSettings settings;
    private final UnsubscribeTokens tokens;
    private final String account;

    public ListUnsubscribeHeaders(UnsubscribeSettings settings, String account) {
        this.settings = settings;
        this.tokens = settings.enabled() ? new UnsubscribeTokens(settings.secret()) : null;
        this.account = account;
    }

    public void add(@Body OutgoingMessage message, @ExchangeProperty("job") QueuedJob job) throws Exception {
        String list = job.isRaw() || job.getMailJob() == null ? null : job.getMailJob().unsubscribeList();
        if (list == null) {
            return;
        }
        if (tokens == null) {
            throw new UnsubscribeNotConfiguredException(list);
        }
        if (message.getEnvelopeRecipients().size() != 1) {
            throw new MessagingException("one-click unsubscribe needs one message per recipient, this one has "
                    + message.getEnvelopeRecipients().size());
        }
        InternetAddress recipient = message.getEnvelopeRecipients().get(0);
        String token = tokens.issue(account, list, recipient.getAddress());
        String value = "<" + url(token) + ">";
        if (settings.mailto() != null) {
            value += ",\r\n <mailto:" + settings.mailto() + "?subject="
                    + URLEncoder.encode("unsubscribe " + token, StandardCharsets.UTF_8).replace("+", "%20") + ">";
        }
        message.setHeader("List-Unsubscribe", value);
        message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }

    /** The https link of a token. */
    public String url(String token) {
        return settings.baseUrl() + "/u/" + token;
    }

    public UnsubscribeTokens tokens() {
        return tokens;
    }
}
