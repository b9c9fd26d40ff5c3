package org.outboxrelay.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's overview in one answer: the cluster's mail flow, backlog and account from the job store
 * ({@link ConsoleOverview}), this relay's queues and SMTP connections from its own meters (the gauges that
 * /observe/metrics serves), and the health of the OAuth sign-in. Each part is read on its own: one that cannot be
 * read says why, and the others are still shown.
 */
public class ConsoleOverviewView {

    /**
     * How long Microsoft keeps a refresh token valid when it is not used (and each refresh gives a new one): the
     * relay refreshes at least every hour while it sends, so `login` is needed again only after this much silence
     * or when the account's password or consent changes.
     */
    public static final Duration REFRESH_TOKEN_LIFETIME = Duration.ofDays(90);

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleOverviewView.class);

    private final ConsoleOverview store;
    private final MeterRegistry meters;
    private final SmtpSettings smtp;
    private final OAuthSettings oauth;
    private final String node;
    private final Clock clock;

    public ConsoleOverviewView(ConsoleOverview store, MeterRegistry meters, SmtpSettings smtp, OAuthSettings oauth,
            String node, Clock clock) {
        this.store = store;
        this.meters = meters;
        this.smtp = smtp;
        this.oauth = oauth;
        this.node = node;
        this.clock = clock;
    }

    public ObjectNode describe() {
        ObjectNode n = ConsoleApi.JSON.createObjectNode();
        n.put("at", clock.instant().toString());
        n.put("node", node);
        n.put("provider", smtp.provider().id());
        part(n, "flow", () -> ConsoleApi.JSON.valueToTree(store.flow()));
        part(n, "backlog", () -> {
            ObjectNode b = ConsoleApi.JSON.valueToTree(store.backlog());
            b.put("onQueue", gauge("outbox.relay.queue.messages", "queue", "mail.jobs"));
            b.put("deadLetters", gauge("outbox.relay.queue.messages", "queue", "mail.dead"));
            b.put("oldestSeconds", gauge("outbox.relay.queue.oldest.job.age", null, null));
            return b;
        });
        part(n, "account", () -> ConsoleApi.JSON.valueToTree(store.account()));
        part(n, "signIn", this::signIn);
        part(n, "smtp", () -> {
            ObjectNode s = ConsoleApi.JSON.createObjectNode();
            s.put("server", smtp.host() + ":" + smtp.port());
            s.put("security", smtp.security().name().toLowerCase());
            s.put("connectionsOpen", gauge("outbox.relay.smtp.connections.open", null, null));
            s.put("maxConnections", smtp.maxConnections());
            return s;
        });
        return n;
    }

    /** How the relay signs in to the account, and for OAuth2 refresh tokens when `login` is needed again. */
    private ObjectNode signIn() throws IOException {
        ObjectNode s = ConsoleApi.JSON.createObjectNode();
        s.put("method", smtp.auth().name().toLowerCase());
        if (smtp.auth() != SmtpAuth.XOAUTH2) {
            s.put("status", "ok");
            s.put("detail", smtp.auth() == SmtpAuth.PASSWORD ? "signs in with a password" : "no sign-in");
            return s;
        }
        if (oauth.flow() == OAuthSettings.Flow.CLIENT_CREDENTIALS) {
            s.put("status", "ok");
            s.put("detail", "OAuth2 client credentials: no login needed");
            return s;
        }
        Path file = oauth.tokenFile();
        if (!Files.isReadable(file)) {
            s.put("status", "login needed");
            s.put("detail", "no refresh token in " + file + ": run `java -jar outbox-relay.jar login`");
            return s;
        }
        // the relay writes the file on every refresh (Microsoft rotates the token), so its time is the last one
        Instant last = Files.getLastModifiedTime(file).toInstant();
        Instant loginBy = last.plus(REFRESH_TOKEN_LIFETIME);
        s.put("lastRefresh", last.toString());
        s.put("loginNeededBy", loginBy.toString());
        boolean soon = clock.instant().plus(Duration.ofDays(14)).isAfter(loginBy);
        s.put("status", clock.instant().isAfter(loginBy) ? "login needed" : soon ? "login soon" : "ok");
        s.put("detail", "the refresh token is renewed on every refresh; unused for "
                + REFRESH_TOKEN_LIFETIME.toDays() + " days it expires");
        return s;
    }

    private double gauge(String name, String tagKey, String tagValue) {
        var search = meters.find(name);
        if (tagKey != null) {
            search = search.tag(tagKey, tagValue);
        }
        Gauge g = search.gauge();
        return g == null ? -1 : g.value();
    }

    private interface Part {
        com.fasterxml.jackson.databind.JsonNode read() throws Exception;
    }

    private static void part(ObjectNode n, String name, Part part) {
        try {
            n.set(name, part.read());
        } catch (Exception e) {
            LOG.warn("Console: cannot read the overview's {}: {}", name, e.toString());
            ObjectNode error = ConsoleApi.JSON.createObjectNode();
            error.put("error", "cannot be read just now: " + e.getMessage());
            n.set(name, error);
        }
    }
}
