package org.outboxrelay.config;

import java.time.Clock;
import java.util.Locale;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.outboxrelay.bounce.BounceMailbox;
import org.outboxrelay.bounce.BounceRate;
import org.outboxrelay.bounce.BounceReader;
import org.outboxrelay.bounce.BounceSettings;
import org.outboxrelay.bounce.DeliverabilityRetention;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.SmtpCredentials;
import org.outboxrelay.dkim.DkimSettings;
import org.outboxrelay.provider.OAuthAccessTokens;
import org.outboxrelay.provider.OAuthClient;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.RefreshTokenFile;
import org.outboxrelay.provider.SmtpAuth;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.ProcessedReportStore;
import org.outboxrelay.dkim.DkimSigning;
import org.outboxrelay.http.JobStatusView;
import org.outboxrelay.http.SuppressionApi;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.provider.SmtpSettings;
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
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        SmtpSettings smtp = relay.smtp();
        StateDatabase database = lookup(context, "stateDatabase", StateDatabase.class);
        RelayMetrics metrics = lookup(context, "relayMetrics", RelayMetrics.class);
        String account = smtp.from().getAddress().toLowerCase(Locale.ROOT);

        DeliverabilitySettings deliverability = relay.deliverability();
        SuppressionSettings suppressionSettings = deliverability.suppression();
        UnsubscribeSettings unsubscribe = deliverability.unsubscribe();
        DkimSettings dkim = deliverability.dkim();

        // the embedded store is this relay's alone: its list is indexed in memory, and a job none of whose
        // recipients is on it reads nothing; a shared one is read at every job (other relays write to it)
        SuppressionStore suppressions = database.shared() ? new SuppressionStore(database.dataSource())
                : SuppressionStore.onlyWriter(database.dataSource());
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

        // --- the bounce reader: routes/bounces.camel.yaml --------------------------------------------------
        BounceSettings bounces = deliverability.bounces();
        ProcessedReportStore reports = new ProcessedReportStore(database.dataSource());
        DeliveryEvents events = lookup(context, "deliveryEvents", DeliveryEvents.class);
        JobStateStore jobs = lookup(context, "jobStore", JobStateStore.class);
        BounceReader reader = new BounceReader(reports, outcomes, suppressions, jobs, headers.tokens(),
                suppressionSettings, events, metrics, account, clock);
        // off: a sign-in that never asks anyone (camel-mail asks for the user name when the route is created)
        BounceMailbox.Login login = BounceMailbox.login(bounces, bounces.enabled()
                ? bounceCredentials(bounces, relay.oauth(), clock) : SmtpCredentials.NONE);
        reader.setSignInProblem(login::problem);
        bind(context, "bounceReader", reader);
        bind(context, "bounceMailSession", BounceMailbox.session(bounces));
        bind(context, "bounceMailboxLogin", login);
        bind(context, "bounceSearchTerm", BounceMailbox.searchTerm(bounces, clock));
        pc.addOverrideProperty("relay.bounces.enabled", String.valueOf(bounces.enabled()));
        pc.addOverrideProperty("relay.bounces.protocol", bounces.protocol());
        pc.addOverrideProperty("relay.bounces.host", bounces.host() == null ? "localhost" : bounces.host());
        pc.addOverrideProperty("relay.bounces.port", String.valueOf(bounces.port()));
        pc.addOverrideProperty("relay.bounces.folder", bounces.folder());
        pc.addOverrideProperty("relay.bounces.processed-folder", bounces.processedFolder());
        pc.addOverrideProperty("relay.bounces.poll-interval", String.valueOf(bounces.pollInterval().toMillis()));
        if (bounces.enabled()) {
            LOG.info("Bounce reader on: {} every {}; handled reports are moved to \"{}\"", bounces.describe(),
                    bounces.pollInterval(), bounces.processedFolder());
        } else {
            LOG.info("Bounce reader off: set relay.bounces.enabled=true to read bounces and complaints from the"
                    + " account's mailbox (providers outlook and office365 need nothing else; smtp needs"
                    + " relay.bounces.host, username and password)");
        }
        BounceRate rate = new BounceRate(outcomes, account, bounces.rateThreshold(), bounces.rateMinimumSent(), clock);
        bind(context, "bounceRate", rate);
        bind(context, "deliverabilityHealth", rate.healthCheck());
        metrics.gauge("outbox.relay.bounce.rate", "Hard bounces per recipient accepted, over the last day", null,
                () -> rate.current().rate(), "account", account);
        metrics.gauge("outbox.relay.suppression.entries", "Addresses on the suppression list", null,
                () -> suppressions.count(account), "account", account);
        bind(context, "deliverabilityRetention", new DeliverabilityRetention(outcomes, reports,
                relay.statusRetention(), clock));

        // --- DKIM: the last step before SMTP --------------------------------------------------------------
        DkimSigning signing = new DkimSigning(dkim);
        bind(context, "dkimSigning", signing);
        LOG.info("{}", signing.describe());
    }

    /** The mailbox's sign-in: its password, or OAuth2 access tokens for IMAP from the relay's own sign-in. */
    private static SmtpCredentials bounceCredentials(BounceSettings bounces, OAuthSettings oauth, Clock clock) {
        if (bounces.auth() != SmtpAuth.XOAUTH2) {
            return SmtpCredentials.password(bounces.username(), bounces.password());
        }
        // a personal account's refresh token must have been granted IMAP access by `login`; app-only tokens
        // (client credentials) carry the permissions of the app registration instead
        String required = oauth.flow() == OAuthSettings.Flow.REFRESH_TOKEN ? OAuthSettings.IMAP_SCOPE : null;
        return new OAuthAccessTokens(bounces.username(), oauth, new OAuthClient(oauth),
                new RefreshTokenFile(oauth.tokenFile()), clock, bounces.oauthScope(), required);
    }

    private static <T> T lookup(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("DeliverabilityConfiguration runs after the relay's other configurations: no bean "
                    + name + " (" + type.getSimpleName() + ")");
        }
        return bean;
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }
}
