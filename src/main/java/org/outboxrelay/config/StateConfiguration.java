package org.outboxrelay.config;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.outboxrelay.broker.EmbeddedBroker;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.flow.ConsumerHolds;
import org.outboxrelay.storage.StorageGuard;
import org.outboxrelay.delivery.DailyRecipientBudget;
import org.outboxrelay.limits.AccountLimits;
import org.outboxrelay.limits.ConnectionSlots;
import org.outboxrelay.limits.MessageRate;
import org.outboxrelay.limits.PostgresConnectionSlots;
import org.outboxrelay.state.AccountPauseStore;
import org.outboxrelay.state.JdbcJobStateStore;
import org.outboxrelay.state.JdbcRecipientBudget;
import org.outboxrelay.state.JobAdmission;
import org.outboxrelay.state.JobRetention;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.StateDatabase;
import org.outboxrelay.state.StoreGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state: the job store (embedded SQLite, or PostgreSQL shared by several relays; schema migrated at start) and
 * what is kept in it - job status and idempotency ({@code jobStore}, {@code jobAdmission}), the account's daily
 * recipient budget and its pause.
 */
public class StateConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(StateConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        String node = relay.node().id();
        String account = relay.smtp().from().getAddress().toLowerCase(java.util.Locale.ROOT);

        StateDatabase database = StateDatabase.open(relay.state(), node);
        Beans.closeOnStop(context, "state database", database::close);
        LOG.info("Job store: {}", relay.state());
        // group commit: under a burst, a write waits up to relay.state.commit-delay for the writes of half the
        // delivery consumers, each job's admission and outcome being one write
        JobStateStore store = new JdbcJobStateStore(database.dataSource(), database.groupWriter(), () -> { },
                relay.state().commitDelay(), Math.max(2, relay.consumers() / 2));
        JobAdmission admission = new JobAdmission(store, clock, account, node);
        Beans.bind(context, "stateDatabase", database);
        ConsumerHolds holds = Beans.get(context, "consumerHolds", ConsumerHolds.class);
        StoreGate storeGate = new StoreGate(database.dataSource(), holds);
        context.addService(storeGate, true);
        Beans.bind(context, "storeGate", storeGate);
        Beans.bind(context, "jobStore", store);
        Beans.bind(context, "jobAdmission", admission);
        Beans.bind(context, "jobRetention", new JobRetention(store, relay.statusRetention(), clock));
        Beans.bind(context, "dailyRecipientBudget", new DailyRecipientBudget(
                new JdbcRecipientBudget(database.dataSource(), account), relay.recipientsPerDay(), clock));

        // the account's pause: a row every relay reads; a probe that takes longer than an SMTP exchange can
        // (its relay died) may be taken over by another relay
        Duration probeTimeout = relay.smtp().connectTimeout().plus(relay.smtp().readTimeout().multipliedBy(3));
        AccountPause accountPause = new AccountPause(clock, relay.pauseInitial(), relay.pauseMax(),
                new AccountPauseStore(database.dataSource(), account), node, probeTimeout, holds);
        context.addService(accountPause, true);
        Beans.bind(context, "accountPause", accountPause);

        // a full disk: no work taken (outbox, delivery, HTTP) until space returns; a stopped broker started again
        StorageGuard storageGuard = new StorageGuard(Map.of("relay.data.dir", relay.dataDir(), "relay.outbox.dir",
                relay.outboxDir()), relay.dataMinFree(), relay.dataCheckInterval(),
                context.getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class), holds, clock,
                database::answerProblem);
        context.addService(storageGuard, true);
        Beans.bind(context, "storageGuard", storageGuard);

        // limits shared by the relays: messages per period (a token bucket) and SMTP connections (a slot each)
        MessageRate rate = database.shared()
                ? MessageRate.shared(database.dataSource(), account, relay.messagesPerMinute(), relay.throttlePeriod())
                : MessageRate.local(relay.messagesPerMinute(), relay.throttlePeriod());
        Beans.bind(context, "accountLimits", new AccountLimits(rate, Duration.ofSeconds(3), clock));
        ConnectionSlots slots = database.shared()
                ? new PostgresConnectionSlots(relay.state(), account, relay.smtp().maxConnections(), node)
                : ConnectionSlots.UNSHARED;
        Beans.bind(context, "connectionSlots", slots);
        if (database.shared()) {
            LOG.info("Shared limits of account {}: {} SMTP connections across all relays{}", account,
                    relay.smtp().maxConnections(), rate.limited() ? ", " + relay.messagesPerMinute()
                            + " messages per " + relay.throttlePeriod().toSeconds() + "s" : "");
        }
    }
}
