package org.outboxrelay.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.Settings;
import org.outboxrelay.doctor.SmtpDoctor;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.provider.SmtpSettings;
import picocli.CommandLine.Command;

/**
 * {@code java -jar outbox-relay.jar doctor}: checks the configured provider step by step without sending mail
 * ({@link SmtpDoctor}) and prints each step: OK with what it saw, or FAIL with the server's reply, what it means
 * and the fix (from the reply tables). Exit 0 when every step worked, 1 when one failed, 2 for bad settings.
 */
@Command(name = "doctor", description = {"Check the configured SMTP server and account step by step without sending"
        + " mail: name, connection, greeting, EHLO, STARTTLS and certificate, OAuth2 token, AUTH, MAIL FROM; explain"
        + " each failure and how to fix it."})
final class DoctorCommand implements Callable<Integer> {

    private final Supplier<Settings> settings;
    private final PrintStream out;
    private final Clock clock;

    DoctorCommand(CliOutput io) {
        this(() -> CommandLineSettings.load(RelayCli.CONFIG), io.out(), Clock.systemUTC());
    }

    DoctorCommand(Supplier<Settings> settings, PrintStream out, Clock clock) {
        this.settings = settings;
        this.out = out;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        Settings s = settings.get();
        SmtpSettings smtp = SmtpSettings.from(s);
        OAuthSettings oauth = OAuthSettings.from(s, s.path(org.outboxrelay.config.SettingsCatalog.DATA_DIR));
        if (smtp.auth() == SmtpAuth.XOAUTH2) {
            oauth.requireComplete(s, smtp.provider(), smtp.username());
        }
        s.requireValid(); // bad settings: one line each, exit 2
        if (smtp.provider() == Provider.CAPTURE) {
            out.println("relay.provider is capture: mail goes to the relay's own server in data/captured/ and never"
                    + " leaves this machine, so there is nothing to check. Set relay.provider (smtp, outlook,"
                    + " office365) to check a real server.");
            return RelayCli.OK;
        }
        out.println("Checking " + smtp.describe() + ", sending as " + smtp.from().getAddress() + " (nothing is sent)");
        boolean ok = new SmtpDoctor(smtp, oauth, clock).run(this::print);
        if (ok) {
            out.println("All checks passed: the relay can send through " + smtp.host() + ":" + smtp.port() + ".");
            return RelayCli.OK;
        }
        out.println("A check failed: the relay cannot send until this is fixed.");
        return RelayCli.FAILURE;
    }

    private void print(SmtpDoctor.Step step) {
        out.printf("%-4s  %-18s %s%n", step.result(), step.name(), step.detail());
        if (step.meaning() != null) {
            out.printf("      %-18s %s%n", "what it means:", step.meaning());
        }
        if (step.fix() != null) {
            out.printf("      %-18s %s%n", "how to fix it:", step.fix());
        }
        out.flush();
    }
}
