package org.outboxrelay.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

import org.outboxrelay.broker.BrokerNode;
import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code broker}: runs one broker of a primary/backup pair for several relays, from the Artemis jars inside the
 * relay (see {@link BrokerNode}). The login is the relays' own: relay.broker.user and relay.broker.password.
 */
@Command(name = "broker",
        description = "Run one Artemis broker of a primary/backup pair (shared store) for several relays.")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--role", required = true, description = "primary or backup")
    String role;

    @Option(names = "--store", required = true, description = "the journal folder both brokers share")
    Path store;

    @Option(names = "--listen", required = true, description = "host:port this broker listens on")
    String listen;

    @Option(names = "--peer", required = true, description = "host:port of the other broker of the pair")
    String peer;

    private final PrintStream err;

    BrokerCommand(CliOutput io) {
        this.err = io.err();
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = CommandLineSettings.load(RelayCli.CONFIG);
        BrokerNode.Role r;
        try {
            r = BrokerNode.Role.valueOf(role.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("broker: --role must be primary or backup, not \"" + role + "\"");
            return RelayCli.USAGE;
        }
        Settings.HostPort self = hostPort("--listen", listen);
        Settings.HostPort other = hostPort("--peer", peer);
        String user = settings.get(SettingsCatalog.BROKER_USER).orElse(null);
        String password = settings.get(SettingsCatalog.BROKER_PASSWORD).orElse(null);
        if (self == null || other == null) {
            return RelayCli.USAGE;
        }
        if (user == null || password == null) {
            err.println("broker: set relay.broker.user and relay.broker.password (the login of the relays);"
                    + " a broker on the network never runs without one");
            return RelayCli.USAGE;
        }
        int attempts = settings.integer(SettingsCatalog.BROKER_MAX_DELIVERY_ATTEMPTS);
        long maxJobBytes = settings.bytes(SettingsCatalog.MAX_MESSAGE_BYTES);
        settings.requireValid();
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> stop.countDown());
            } catch (IllegalArgumentException e) {
                // not on this platform
            }
        }
        try (BrokerNode node = new BrokerNode(new BrokerNode.Options(r, store, self, other, user, password, attempts,
                maxJobBytes))
                .start()) {
            // a backup starts waiting for the store's lock: say when it serves
            while (!node.active() && !stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // waiting
            }
            if (node.active()) {
                org.slf4j.LoggerFactory.getLogger(BrokerCommand.class).info("Broker {} on {} is active", role, self);
                stop.await();
            }
        }
        return RelayCli.OK;
    }

    private Settings.HostPort hostPort(String option, String value) {
        Settings s = new Settings(k -> java.util.Optional.of(value));
        Settings.HostPort hp = s.hostPort(SettingsCatalog.BROKER_LISTEN);
        if (hp == null) {
            err.println("broker: " + option + " must be host:port, such as 127.0.0.1:61616, not \"" + value + "\"");
        }
        return hp;
    }
}
