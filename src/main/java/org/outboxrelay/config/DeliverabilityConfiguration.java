package org.outboxrelay.config;

import java.time.Clock;
import java.util.Locale;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.outboxrelay.dkim.DkimSettings;
import org.outboxrelay.dkim.DkimSigning;
import org.outboxrelay.http.JobStatusView;
import org.outboxrelay.http.SuppressionApi;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.state.DeliverabilitySchema;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.outboxrelay.state.StateDatabase;
import org.outboxrelay.state.SuppressionStore;
import org.outboxrelay.suppression.SuppressionFilter;
import org.outboxrelay.suppression.SuppressionSettings;
import org.outboxrelay.unsubscribe.ListUnsubscribeHeaders;
import org.outboxrelay.unsubscribe.UnsubscribeListener;
import org.outboxrelay.unsubscribe.UnsubscribePage;
import org.outboxrelay.unsubscribe.UnsubscribeSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires deliverability (runs after {@link RelayConfiguration}, whose beans it looks up): the suppression list and
 * its filter in delivery, bounce and complaint reports read from the account's mailbox, one-click unsubscribe
 * and DKIM signing. Every table is in the shared state database, keyed by the sending account (relay.smtp.from),
 * so that every relay of a cluster honours the same list. Settings: relay.bounces.*, relay.suppression.*,
 * relay.unsubscribe.*, relay.dkim.* ({@link DeliverabilitySettings}).
 */
public class DeliverabilityConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(DeliverabilityConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent pc = context.getPropertiesComponent();
        Settings settings = new Settings(pc::resolveProperty);
        Clock bound = context.getRegistry().lookupByNameAndType("relayClock", Clock.class);
        Clock clock = bound != null ? bound : Clock.systemUTC();
        SmtpSettings smtp = lookup(context, "relaySettings", SmtpSettings.class);
        StateDatabase database = lookup(context, "stateDatabase", StateDatabase.class);
        RelayMetrics metrics = lookup(context, "relayMetrics", RelayMetrics.class);
        String account = smtp.from().getAddress().toLowerCase(Locale.ROOT);

        DeliverabilitySettings deliverability = DeliverabilitySettings.read(settings, smtp);
        settings.requireValid();
        SuppressionSettings suppressionSettings = deliverability.suppression();
        UnsubscribeSettings unsubscribe = deliverability.unsubscribe();
        DkimSettings dkim = deliverability.dkim();

        // until Flyway runs db/migration, the relay creates what is missing itself
        DeliverabilitySchema.apply(database.dataSource());
        SuppressionStore suppressions = new SuppressionStore(database.dataSource());
        RecipientOutcomeStore outcomes = new RecipientOutcomeStore(database.dataSource());
        lookup(context, "jobStatusView", JobStatusView.class).setRecipientOutcomes(outcomes::forJob);

        // --- suppression: the delivery route's filter, the admin API --------------------------------------
        bind(context, "suppressionStore", suppressions);
        bind(context, "suppression", new SuppressionFilter(suppressions, outcomes, account, metrics, clock));
        bind(context, "suppressionApi", new SuppressionApi(suppressions, account, clock));

        // --- one-click unsubscribe: headers per recipient, /u/{token}, optionally on a port of its own ------
        ListUnsubscribeHeaders headers = new ListUnsubscribeHeaders(unsubscribe, account);
        bind(context, "listUnsubscribe", headers);
        bind(context, "unsubscribePage", new UnsubscribePage(headers.tokens(), suppressions, clock));
        if (unsubscribe.enabled()) {
            LOG.info("One-click unsubscribe: jobs with \"unsubscribe\" get List-Unsubscribe links to {}/u/...{}",
                    unsubscribe.baseUrl(), unsubscribe.mailto() == null ? "" : " and mailto:" + unsubscribe.mailto());
            if (unsubscribe.port() > 0) {
                UnsubscribeListener listener = new UnsubscribeListener(unsubscribe.host(), unsubscribe.port());
                context.addService(listener, true);
                context.addStartupListener(listener);
                bind(context, "unsubscribeListener", listener);
            }
        } else {
            LOG.info("One-click unsubscribe off: jobs that ask for it fail until relay.unsubscribe.base-url and"
                    + " relay.unsubscribe.secret are set");
        }

        // --- DKIM: the last step before SMTP --------------------------------------------------------------
        DkimSigning signing = new DkimSigning(dkim);
        bind(context, "dkimSigning", signing);
        LOG.info("{}", signing.describe());
    }

    private static <T> T lookup(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("DeliverabilityConfiguration runs after RelayConfiguration: no bean "
                    + name + " (" + type.getSimpleName() + ")");
        }
        return bean;
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }
}
