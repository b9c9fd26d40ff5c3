package org.outboxrelay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import javax.sql.DataSource;

import jakarta.jms.ConnectionFactory;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.console.CapturedMail;
import org.outboxrelay.console.ConsoleApi;
import org.outboxrelay.console.ConsoleAssets;
import org.outboxrelay.console.ConsoleGate;
import org.outboxrelay.console.ConsoleOverview;
import org.outboxrelay.console.ConsoleOverviewView;
import org.outboxrelay.console.ConsoleSecrets;
import org.outboxrelay.console.ConsoleSessions;
import org.outboxrelay.console.ConsoleSettings;
import org.outboxrelay.console.JobPreview;
import org.outboxrelay.console.JobSearch;
import org.outboxrelay.console.MessageSource;
import org.outboxrelay.http.AdminApi;
import org.outboxrelay.http.AdminSocket;
import org.outboxrelay.http.BearerTokens;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.provider.SmtpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the operator console (/console/, routes/http-console.camel.yaml) and the admin socket of the queue command
 * (data/admin.sock). Runs after {@link RelayConfiguration}, whose beans it uses: the job store's DataSource
 * ({@code stateDataSource}), the SMTP settings ({@code relaySettings}), the meters ({@code relayMetrics}), the
 * admin API ({@code adminApi}), the embedded broker if there is one ({@code embeddedBroker}), and the JMS
 * component's connection factory.
 */
public class ConsoleConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        Settings settings = new Settings(pc::resolveProperty);
        ConsoleSettings console = ConsoleSettings.read(settings);
        Path dataDir = settings.path("relay.data.dir", "data");
        List<String> adminTokens = settings.list("relay.http.admin-tokens").isEmpty()
                ? settings.list("relay.http.tokens") : settings.list("relay.http.admin-tokens");
        int recipientsPerDay = settings.integer("relay.limits.recipients-per-day", 0, 0, Integer.MAX_VALUE);
        String node = settings.get("relay.node.id").orElseGet(ConsoleConfiguration::hostName);
        OAuthSettings oauth = OAuthSettings.from(settings, dataDir);
        settings.requireValid();
        Clock bound = context.getRegistry().lookupByNameAndType("relayClock", Clock.class);
        Clock clock = bound != null ? bound : Clock.systemUTC();

        if (console.adminSocket()) {
            // started once the routes run: its requests go to the admin routes
            AdminSocket socket = new AdminSocket(context, dataDir);
            context.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                    ServiceHelper.startService(socket);
                }
            });
            context.addService(socket, true);
        }
        DataSource store = lookup(context, "stateDataSource", DataSource.class);
        SmtpSettings smtp = lookup(context, "relaySettings", SmtpSettings.class);
        RelayMetrics metrics = lookup(context, "relayMetrics", RelayMetrics.class);
        AdminApi adminApi = lookup(context, "adminApi", AdminApi.class);
        EmbeddedBroker broker = context.getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class);
        ConnectionFactory connections = context.getComponent("jms", JmsComponent.class).getConfiguration()
                .getConnectionFactory();

        ConsoleSessions sessions = new ConsoleSessions(new BearerTokens(adminTokens), adminTokens,
                new ConsoleSecrets(store, clock), console.sessionTimeout(), clock);
        CapturedMail captured = new CapturedMail(dataDir.resolve("captured"));
        String account = smtp.from() == null ? "" : smtp.from().getAddress();
        ConsoleOverviewView overview = new ConsoleOverviewView(new ConsoleOverview(store, clock, account,
                recipientsPerDay), metrics.registry(), smtp, oauth, node, clock);
        MessageSource messages = new MessageSource(adminApi, connections, broker, captured, new JobPreview(context));
        context.getRegistry().bind("consoleApi", new ConsoleApi(sessions, new JobSearch(store), overview, messages,
                captured, smtp.provider() == Provider.CAPTURE));
        context.getRegistry().bind("consoleAssets", new ConsoleAssets());
        // the routes of routes/http-console.camel.yaml need their beans either way; off, the gate answers 404
        context.addStartupListener(new ConsoleGate(sessions, console.enabled()));
        if (!console.enabled()) {
            LOG.info("Console off (relay.console.enabled=false): /console/ answers 404");
            return;
        }
        LOG.info("Console at /console/ on the HTTP API's port; sign in with {}", adminTokens.isEmpty()
                ? "an admin token once relay.http.admin-tokens or relay.http.tokens is set"
                : "a token of " + (settings.list("relay.http.admin-tokens").isEmpty() ? "relay.http.tokens"
                        : "relay.http.admin-tokens"));
    }

    private static <T> T lookup(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("the console needs the bean " + name + " (" + type.getSimpleName()
                    + "), which the relay's configuration did not bind");
        }
        return bean;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
