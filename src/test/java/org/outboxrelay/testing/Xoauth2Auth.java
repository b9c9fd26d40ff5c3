package org.outboxrelay.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.RejectException;

/**
 * SASL XOAUTH2 for the test SMTP server, as Microsoft's servers do it: the client sends
 * base64("user=" + address + "\x01auth=Bearer " + token + "\x01\x01"); a token the token server does not know
 * (or that expired) gets "535 5.7.3 Authentication unsuccessful".
 */
public final class Xoauth2Auth implements AuthenticationHandlerFactory {

    private final String expectedUser;
    private final Predicate<String> validToken;
    private final List<String> tokensUsed = new CopyOnWriteArrayList<>();
    private volatile boolean refuseAll;

    public Xoauth2Auth(String expectedUser, Predicate<String> validToken) {
        this.expectedUser = expectedUser;
        this.validToken = validToken;
    }

    /** Every sign-in fails, as when basic authentication is switched off or the account is locked. */
    public void refuseAll(boolean refuse) {
        this.refuseAll = refuse;
    }

    /** The access token of each successful sign-in, in order. */
    public List<String> tokensUsed() {
        return List.copyOf(tokensUsed);
    }

    @Override
    public List<String> getAuthenticationMechanisms() {
        return List.of("XOAUTH2");
    }

    @Override
    public AuthenticationHandler create() {
        return new AuthenticationHandler() {
            private Object identity;

            @Override
            public Optional<String> auth(String clientInput, MessageContext context) throws RejectException {
                String[] words = clientInput.trim().split(" ");
                String encoded = words.length >= 3 ? words[2] : words[words.length - 1];
                if (words.length == 2 && words[0].equalsIgnoreCase("AUTH")) {
                    return Optional.of("334 ");
                }
                String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
                String user = null;
                String token = null;
                for (String part : decoded.split("\u0001")) {
                    if (part.startsWith("user=")) {
                        user = part.substring(5);
                    } else if (part.startsWith("auth=Bearer ")) {
                        token = part.substring(12);
                    }
                }
                if (refuseAll || !expectedUser.equals(user) || token == null || !validToken.test(token)) {
                    throw new RejectException(535, "5.7.3 Authentication unsuccessful");
                }
                tokensUsed.add(token);
                identity = user;
                return Optional.empty();
            }

            @Override
            public Object getIdentity() {
                return identity;
            }
        };
    }
}
