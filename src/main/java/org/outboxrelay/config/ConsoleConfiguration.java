package org.outboxrelay.config;

import java.time.Clock;
import java.util.List;

import javax.sql.DataSource;

import jakarta.jms.ConnectionFactory;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.jms.JmsComponent;
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
import org.outboxrelay.provider.Provider;
import org.outboxrelay.state.StateDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console (/console/, routes/http-console.camel.yaml) and the admin socket of the queue command
 * (data/admin.sock). The last configuration: it uses what the others bound - the settings ({@code relaySettings},
 * {@code relayClock}), the job store ({@code stateDatabase}), the meters ({@code relayMetrics}), the admin API
 * ({@code adminApi}), the embedded broker if there is one ({@code embeddedBroker}) and the JMS component's
 * connection factory - and binds the beans of the console's routes ({@code consoleApi}, {@code consoleAssets}).
 */
public class ConsoleConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        ConsoleSettings console = relay.console();

        if (console.adminSocket()) {
            // started once the routes run: its requests go to the admin routes
            AdminSocket socket = new AdminSocket(context, relay.dataDir());
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

        // the tokens themselves (the HTTP settings keep digests only): a session names the one it was made with
        Settings settings = new Settings(context.getPropertiesComponent()::resolveProperty);
        boolean separate = !settings.list(SettingsCatalog.HTTP_ADMIN_TOKENS).isEmpty();
        List<String> adminTokens = settings.list(separate ? SettingsCatalog.HTTP_ADMIN_TOKENS
                : SettingsCatalog.HTTP_TOKENS);
        DataSource store = Beans.get(context, "stateDatabase", StateDatabase.class).dataSource();
        EmbeddedBroker broker = context.getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class);
        ConnectionFactory connections = context.getComponent("jms", JmsComponent.class).getConfiguration()
                .getConnectionFactory();

        ConsoleSessions sessions = new ConsoleSessions(new BearerTokens(adminTokens), adminTokens,
                new ConsoleSecrets(store, clock), console.sessionTimeout(), clock);
        CapturedMail captured = new CapturedMail(relay.dataDir().resolve("captured"));
        String account = relay.smtp().from().getAddress();
        ConsoleOverviewView overview = new ConsoleOverviewView(new ConsoleOverview(store, clock, account,
                relay.recipientsPerDay()), Beans.get(context, "relayMetrics", RelayMetrics.class).registry(),
                relay.smtp(), relay.oauth(), relay.node().id(), clock);
        MessageSource messages = new MessageSource(Beans.get(context, "adminApi", AdminApi.class), connections,
                broker, captured, new JobPreview(context));
        // the routes of routes/http-console.camel.yaml need their beans either way; off, the gate answers 404
        Beans.bind(context, "consoleApi", new ConsoleApi(sessions, new JobSearch(store), overview, messages, captured,
                relay.provider() == Provider.CAPTURE));
        Beans.bind(context, "consoleAssets", new ConsoleAssets());
        context.addStartupListener(new ConsoleGate(sessions, console.enabled()));
        if (!console.enabled()) {
            LOG.info("Console off (relay.console.enabled=false): /console/ answers 404");
            return;
        }
        LOG.info("Console at {}://{}:{}/console/; sign in with {}", relay.http().scheme(), relay.http().host(),
                relay.http().port(), adminTokens.isEmpty()
                        ? "an admin token once relay.http.admin-tokens or relay.http.tokens is set"
                        : "a token of " + (separate ? "relay.http.admin-tokens" : "relay.http.tokens"));
    }
}
