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
    private String accessToken;
    private Instant renewAfter = Instant.EPOCH;
    private Instant accessTokenExpiresAt;
    private Instant refreshTokenExpiresAt;
    private long fetched;

    public OAuthAccessTokens(String username, OAuthSettings settings, OAuthClient client, RefreshTokenFile tokenFile,
            Clock clock) {
        this.username = username;
        this.settings = settings;
        this.client = client;
        this.tokenFile = tokenFile;
        this.clock = clock;
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
                tokens = client.clientCredentials();
            } else {
                tokens = client.refresh(tokenFile.read());
                if (tokens.refreshToken() != null) {
                    tokenFile.write(tokens.refreshToken()); // rotated: keep the new one, or the account is lost
                }
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
