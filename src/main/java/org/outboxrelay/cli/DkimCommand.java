package org.outboxrelay.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
import org.outboxrelay.dkim.DkimSettings;
import org.outboxrelay.dkim.DnsRecords;
import org.outboxrelay.provider.Provider;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar outbox-relay.jar dkim}: the DNS TXT record to publish for each key of relay.dkim.keys, and the
 * SPF and DMARC records its domain needs, with what Outlook.com requires since May 2025 ({@link DnsRecords}).
 * Reads the settings and key files only; exit 2 when a key cannot be read.
 */
@Command(name = "dkim", mixinStandardHelpOptions = true,
        description = "Prints the DNS records (DKIM, SPF, DMARC) to publish for the configured DKIM keys.")
public final class DkimCommand implements Callable<Integer> {

    private final java.util.function.Supplier<Settings> settingsSource;
    private final PrintStream out;
    private final PrintStream err;

    public DkimCommand(Settings settings, PrintStream out, PrintStream err) {
        this(() -> settings, out, err);
    }

    /** As the command line builds it: the settings of config/application.properties, read when it runs. */
    DkimCommand(CliOutput io) {
        this(() -> org.outboxrelay.config.CommandLineSettings.load(RelayCli.CONFIG), io.out(), io.err());
    }

    private DkimCommand(java.util.function.Supplier<Settings> settingsSource, PrintStream out, PrintStream err) {
        this.settingsSource = settingsSource;
        this.out = out;
        this.err = err;
    }

    public static int run(Settings settings, String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new DkimCommand(settings, out, err));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        Settings settings = settingsSource.get();
        DkimSettings dkim = DkimSettings.from(settings);
        Provider provider = settings.choice(SettingsCatalog.PROVIDER, Provider.class);
        String from = settings.string(SettingsCatalog.SMTP_FROM, settings.string(SettingsCatalog.SMTP_USERNAME,
                "you@example.com"));
        String host = settings.get(SettingsCatalog.SMTP_HOST).orElse(null);
        if (!settings.problems().isEmpty()) {
            settings.problems().forEach(p -> err.println("dkim: " + p));
            return RelayCli.USAGE;
        }
        out.print(DnsRecords.describe(dkim.keys(), provider, host, from.substring(from.lastIndexOf('@') + 1)));
        return RelayCli.OK;
    }
}
