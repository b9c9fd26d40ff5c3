package org.outboxrelay.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.Settings;
import org.outboxrelay.provider.OAuthClient;
import org.outboxrelay.provider.OAuthException;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.RefreshTokenFile;
import picocli.CommandLine.Command;

/**
 * {@code java -jar outbox-relay.jar login}: signs the relay in to the account with the OAuth2 device code flow
 * (RFC 8628). It prints where to go and which code to enter, waits until the operator has signed in in a
 * browser, and stores the refresh token (owner-only file, relay.oauth.token-file). Nothing else is needed to
 * connect an Outlook.com account.
 */
@Command(name = "login", description = {"Sign in to the mail account (OAuth2 device code flow) and store the"
        + " refresh token (owner-only file, relay.oauth.token-file)."})
public final class LoginCommand implements java.util.concurrent.Callable<Integer> {

    /** Waits between polls; the protocol asks the client to wait, tests may not. */
    interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private final java.util.function.Supplier<Settings> settingsSource;
    private final PrintStream out;
    private final PrintStream err;
    private final Pause pause;

    LoginCommand(CliOutput io) {
        this.settingsSource = () -> CommandLineSettings.load(RelayCli.CONFIG);
        this.out = io.out();
        this.err = io.err();
        this.pause = d -> Thread.sleep(d.toMillis());
    }

    LoginCommand(Settings settings, PrintStream out, PrintStream err, Pause pause) {
        this.settingsSource = () -> settings;
        this.out = out;
        this.err = err;
        this.pause = pause;
    }

    @Override
    public Integer call() {
        return run();
    }

    int run() {
        Settings settings = settingsSource.get();
        OAuthSettings oauth = OAuthSettings.from(settings, settings.path(org.outboxrelay.config.SettingsCatalog.DATA_DIR));
        if (oauth.clientId() == null) {
            err.println("login: relay.oauth.client-id is not set: register an app (see README, \"Outlook.com / live.com\")"
                    + " and put its application (client) id into config/application.properties");
            return RelayCli.USAGE;
        }
        if (!settings.problems().isEmpty()) {
            err.println("login: " + String.join("\n  ", settings.problems()));
            return RelayCli.USAGE;
        }
        OAuthClient client = new OAuthClient(oauth);
        try {
            if (oauth.flow() == OAuthSettings.Flow.CLIENT_CREDENTIALS) {
                client.clientCredentials();
                out.println("The app credentials work (relay.oauth.flow=client-credentials needs no interactive"
                        + " sign-in).");
                return RelayCli.OK;
            }
            // sending, and reading the mailbox for bounces (the bounce reader uses the same sign-in)
            OAuthClient.DeviceCode code = client.startDeviceCode(oauth.loginScope());
            out.println(code.message() != null && !code.message().isBlank() ? code.message()
                    : "To sign in, open " + code.verificationUri() + " and enter the code " + code.userCode());
            out.println("Waiting for the sign-in to complete (Ctrl+C to give up)...");
            out.flush();
            Duration interval = code.interval();
            Instant deadline = Instant.now().plus(code.expiresIn());
            while (Instant.now().isBefore(deadline)) {
                pause.sleep(interval);
                try {
                    OAuthClient.Tokens tokens = client.pollDeviceCode(code);
                    if (tokens.refreshToken() == null) {
                        err.println("login: signed in, but no refresh token came back: relay.oauth.scope must"
                                + " include offline_access");
                        return RelayCli.FAILURE;
                    }
                    RefreshTokenFile file = new RefreshTokenFile(oauth.tokenFile());
                    file.write(tokens.refreshToken());
                    out.println("Signed in. The refresh token is stored in " + file.path().toAbsolutePath()
                            + " (readable by its owner only); the relay keeps it up to date.");
                    return RelayCli.OK;
                } catch (OAuthException e) {
                    if ("authorization_pending".equals(e.error())) {
                        continue;
                    }
                    if ("slow_down".equals(e.error())) {
                        interval = interval.plusSeconds(5);
                        continue;
                    }
                    err.println("login: " + e.getMessage());
                    return RelayCli.FAILURE;
                }
            }
            err.println("login: the code expired before the sign-in was completed; run login again");
            return RelayCli.FAILURE;
        } catch (OAuthException | IOException e) {
            err.println("login: " + e.getMessage());
            return RelayCli.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RelayCli.FAILURE;
        }
    }
}
