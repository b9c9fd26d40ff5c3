package org.outboxrelay.provider;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.oauth.*: the OAuth2 client the relay signs in to Microsoft with, for SMTP XOAUTH2. The endpoints are
 * settings (derived from the authority by default), so tests and private identity providers can use their own.
 * {@link #toString()} never shows the client secret.
 */
public record OAuthSettings(
        Flow flow,
        String clientId,
        String clientSecret,
        String authority,
        String tokenUrl,
        String deviceCodeUrl,
        String scope,
        Path tokenFile,
        Duration refreshBeforeExpiry) {

    /** Reading the account's mailbox (the bounce reader) over IMAP, for personal accounts' sign-ins. */
    public static final String IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All";

    /** How the relay gets its tokens. */
    public enum Flow {
        /** Personal accounts: a refresh token from `login` (device code flow), rotated on every refresh. */
        REFRESH_TOKEN,
        /** Exchange Online app-only access with a client secret. */
        CLIENT_CREDENTIALS
    }

    public static OAuthSettings from(Settings s, Path dataDir) {
        Flow flow = s.choice(SettingsCatalog.OAUTH_FLOW, Flow.class);
        String tenant = s.get(SettingsCatalog.OAUTH_TENANT).orElse(null);
        String authority = s.httpUrl(SettingsCatalog.OAUTH_AUTHORITY, tenant != null
                ? "https://login.microsoftonline.com/" + tenant : "https://login.microsoftonline.com/consumers");
        authority = authority.endsWith("/") ? authority.substring(0, authority.length() - 1) : authority;
        Path tokenFile = s.path(SettingsCatalog.OAUTH_TOKEN_FILE);
        return new OAuthSettings(flow,
                s.get(SettingsCatalog.OAUTH_CLIENT_ID).orElse(null),
                s.get(SettingsCatalog.OAUTH_CLIENT_SECRET).orElse(null),
                authority,
                s.httpUrl(SettingsCatalog.OAUTH_TOKEN_URL, authority + "/oauth2/v2.0/token"),
                s.httpUrl(SettingsCatalog.OAUTH_DEVICE_CODE_URL, authority + "/oauth2/v2.0/devicecode"),
                s.string(SettingsCatalog.OAUTH_SCOPE, "https://outlook.office.com/SMTP.Send offline_access"),
                tokenFile != null ? tokenFile : dataDir.resolve("oauth").resolve("refresh-token"),
                s.duration(SettingsCatalog.OAUTH_REFRESH_BEFORE_EXPIRY));
    }

    /**
     * What is missing for the relay to sign in, each as a problem on {@code s} (the relay then exits with code
     * 2 at start and never sends unauthenticated).
     */
    public void requireComplete(Settings s, Provider provider, String username) {
        String why = "with relay.smtp.auth=xoauth2" + (provider == Provider.SMTP ? "" : " (relay.provider=" + provider.id() + ")");
        if (username == null) {
            s.problem("relay.smtp.username", "is required " + why + ": the mailbox address, e.g. you@outlook.com");
        }
        if (clientId == null) {
            s.problem("relay.oauth.client-id", "is required " + why + ": the application (client) id of your app"
                    + " registration (see README, \"Outlook.com / live.com\")");
        }
        if (flow == Flow.CLIENT_CREDENTIALS) {
            if (clientSecret == null) {
                s.problem("relay.oauth.client-secret", "is required " + why + " with relay.oauth.flow=client-credentials"
                        + " (put it in the environment: RELAY_OAUTH_CLIENT_SECRET)");
            }
            if (s.get(SettingsCatalog.OAUTH_TENANT).isEmpty() && s.get(SettingsCatalog.OAUTH_AUTHORITY).isEmpty()) {
                s.problem("relay.oauth.tenant", "is required " + why + " with relay.oauth.flow=client-credentials:"
                        + " your Microsoft 365 tenant id or domain");
            }
        } else if (clientId != null && !Files.isReadable(tokenFile)) {
            s.problem("relay.oauth.token-file", "has no sign-in yet (" + tokenFile.toAbsolutePath() + "): run"
                    + " `java -jar outbox-relay.jar login` once to sign in to the account");
        }
    }

    /**
     * What {@code login} asks the account for: the sending scope and reading the mailbox over IMAP, so that the
     * bounce reader can sign in with the same refresh token (a sign-in made before the relay read bounces lacks
     * it: `login` must be run again).
     */
    public String loginScope() {
        for (String s : scope.split("\\s+")) {
            if (s.equalsIgnoreCase(IMAP_SCOPE)) {
                return scope;
            }
        }
        return scope + " " + IMAP_SCOPE;
    }

    @Override
    public String toString() {
        return "OAuthSettings[" + flow + ", client " + clientId + ", " + tokenUrl + "]";
    }
}
