package org.outboxrelay.replies;

import java.util.Arrays;
import java.util.Locale;

/**
 * A failure without an SMTP reply: the network, TLS or the sign-in service. The reply tables give each the same
 * treatment as a reply (action, pause, fix), under the name written in the table's {@code failure:} column.
 */
public enum FailureCondition {
    UNKNOWN_HOST("the SMTP server's host name cannot be resolved"),
    CONNECTION_REFUSED("nothing accepts connections on the SMTP server's address and port"),
    CONNECT_TIMEOUT("no answer to the connection attempt in time"),
    NO_ANSWER("the SMTP server stopped answering (relay.smtp.read-timeout passed)"),
    CONNECTION_LOST("the connection was closed or reset in the middle of the dialogue"),
    SESSION_REFUSED("the server refused the connection in its greeting (5xx instead of 220)"),
    STARTTLS_NOT_OFFERED("the server does not offer STARTTLS"),
    TLS_UNTRUSTED("the server's certificate is not signed by a trusted authority"),
    TLS_WRONG_HOST("the server's certificate is for another host name"),
    TLS_FAILED("the TLS handshake failed"),
    OAUTH_UNAVAILABLE("the OAuth2 token endpoint cannot be reached");

    private final String meaning;

    FailureCondition(String meaning) {
        this.meaning = meaning;
    }

    /** The name in the tables: connection-lost, tls-untrusted, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String meaning() {
        return meaning;
    }

    public static FailureCondition byId(String id) {
        return Arrays.stream(values()).filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown failure \"" + id + "\", one of "
                        + Arrays.stream(values()).map(FailureCondition::id).toList()));
    }
}
