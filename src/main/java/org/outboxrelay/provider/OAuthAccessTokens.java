package org.outboxrelay.provider;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;

import org.outboxrelay.delivery.SmtpCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XOAUTH2 credentials: every new SMTP connection asks for an access token; a token is reused until shortly
 * before it expires, then a new one is fetched (refresh token flow for personal accounts, storing the rotated
 * refresh token before using the new access token; client credentials for Exchange Online). A refused refresh
 * is reported as a refused sign-in, which pauses the account instead of failing jobs.
 */
public class OAuthAccessTokens implements SmtpCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthAccessTokens.class);

    private final String username;
    private final OAuthSettings settings;
    private final OAuthClient client;
    private final RefreshTokenFile tokenFile;
    private final Clock clock;
    private final String scope;
    private final String requiredScope;
    private String accessToken;
    private Instant renewAfter = Instant.EPOCH;
    private Instant accessTokenExpiresAt;
    private Instant refreshTokenExpiresAt;
    private long fetched;

    public OAuthAccessTokens(String username, OAuthSettings settings, OAuthClient client, RefreshTokenFile tokenFile,
            Clock clock) {
        this(username, settings, client, tokenFile, clock, settings.scope(), null);
    }

    /**
     * Tokens for another scope with the same sign-in (the bounce reader's IMAP access); {@code requiredScope}, when
     * set, must be among the scopes the token endpoint says it granted, else the sign-in is refused with what to do.
     */
    public OAuthAccessTokens(String username, OAuthSettings settings, OAuthClient client, RefreshTokenFile tokenFile,
            Clock clock, String scope, String requiredScope) {
        this.username = username;
        this.settings = settings;
        this.client = client;
        this.tokenFile = tokenFile;
        this.clock = clock;
        this.scope = scope;
        this.requiredScope = requiredScope;
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public synchronized String secret() throws MessagingException {
        if (accessToken != null && clock.instant().isBefore(renewAfter)) {
            return accessToken;
        }
        try {
            OAuthClient.Tokens tokens;
            if (settings.flow() == OAuthSettings.Flow.CLIENT_CREDENTIALS) {
                tokens = client.clientCredentials(scope);
            } else {
                synchronized (tokenFile.lock()) { // SMTP and the bounce reader share the rotating refresh token
                    tokens = client.refresh(tokenFile.read(), scope);
                    if (tokens.refreshToken() != null) {
                        tokenFile.write(tokens.refreshToken()); // rotated: keep the new one, or the account is lost
                    }
                }
            }
            if (requiredScope != null && !tokens.grants(requiredScope)) {
                throw new ScopeNotGrantedException(requiredScope);
            }
            accessToken = tokens.accessToken();
            accessTokenExpiresAt = clock.instant().plus(tokens.expiresIn());
            if (tokens.refreshTokenExpiresIn() != null) {
                refreshTokenExpiresAt = clock.instant().plus(tokens.refreshTokenExpiresIn());
            }
            renewAfter = clock.instant().plus(tokens.expiresIn()).minus(settings.refreshBeforeExpiry());
            fetched++;
            LOG.info("Got a new OAuth2 access token for {} (valid for {})", username, tokens.expiresIn());
            return accessToken;
        } catch (OAuthException e) {
            if (requiredScope != null && e.getMessage() != null && e.getMessage().contains("AADSTS65001")) {
                throw new ScopeNotGrantedException(requiredScope); // consent missing for the scope
            }
            if (e.error() != null) {
                // refused by the identity provider: a sign-in failure (the account pauses until it works again)
                throw new AuthenticationFailedException("535 5.7.3 OAuth2 sign-in refused: " + e.getMessage()
                        + ("invalid_grant".equals(e.error()) ? "; run `java -jar outbox-relay.jar login` again" : ""));
            }
            throw new MessagingException("OAuth2 token endpoint unavailable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AuthenticationFailedException("535 5.7.3 cannot read or store the refresh token in "
                    + tokenFile.path().toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /**
     * The stored sign-in does not include a scope this use needs: it was made before the relay asked for it (the
     * bounce reader's IMAP access, say). Run `login` again.
     */
    public static final class ScopeNotGrantedException extends AuthenticationFailedException {
        public ScopeNotGrantedException(String scope) {
            super("the sign-in stored by `login` does not allow " + scope + ": it was made before the relay asked"
                    + " for it. Run `java -jar outbox-relay.jar login` again (sending goes on meanwhile)");
        }
    }

    /** When the current access token expires (null before the first one). */
    public synchronized Instant accessTokenExpiresAt() {
        return accessTokenExpiresAt;
    }

    /** When the stored refresh token expires, if the identity provider said so (null when unknown). */
    public synchronized Instant refreshTokenExpiresAt() {
        return refreshTokenExpiresAt;
    }

    /** Access tokens fetched since start. */
    public synchronized long fetchedCount() {
        return fetched;
    }

    @Override
    public String toString() {
        return "XOAUTH2 credentials for " + username;
    }
}
