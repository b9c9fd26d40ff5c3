package org.outboxrelay.broker;

import java.util.function.Supplier;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.postoffice.Bindings;
import org.apache.activemq.artemis.core.postoffice.impl.PostOfficeImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;

/**
 * Whether an outcome event published on {@code mail.events} would reach anybody. A topic gives a message to the
 * subscriptions it has when the message arrives and drops it when it has none. With the embedded broker the relay
 * asks the broker's routing table the question the broker asks when it routes - the bindings of mail.events,
 * durable subscriptions whose subscriber is away and wildcard subscriptions ({@code mail.#}) included - and
 * leaves out the send of an event that would be dropped: a broker call, a member of the job's transaction and the
 * broker's routing, about a tenth of a just-started relay's CPU samples (README, "Performance"). With an external
 * broker the relay cannot tell without asking it, and always sends.
 */
public final class EventAudience {

    private static final SimpleString EVENTS = SimpleString.of(EmbeddedBroker.EVENTS);

    /** The embedded broker's server (it is a new one after a restart), or null with an external broker. */
    private final Supplier<ActiveMQServer> embedded;

    private EventAudience(Supplier<ActiveMQServer> embedded) {
        this.embedded = embedded;
    }

    /** With an external broker: every event is sent. */
    public static EventAudience external() {
        return new EventAudience(null);
    }

    /** With the embedded broker: an event is sent when mail.events has a subscription. */
    public static EventAudience of(EmbeddedBroker broker) {
        return new EventAudience(broker::server);
    }

    /** True unless the embedded broker says that nobody subscribes to mail.events; in doubt, true. */
    public boolean present() {
        if (embedded == null) {
            return true;
        }
        try {
            ActiveMQServer server = embedded.get();
            if (server == null || !(server.getPostOffice() instanceof PostOfficeImpl postOffice)) {
                return true; // the broker is not up (the send fails and says so), or not the one this was made for
            }
            // what PostOfficeImpl routes with: the address's bindings with the wildcard subscriptions that match it
            // (PostOffice.lookupBindingsForAddress leaves those out)
            Bindings bindings = postOffice.getAddressManager().getBindingsForRoutingAddress(EVENTS);
            return bindings != null && bindings.size() > 0;
        } catch (Exception e) {
            return true; // the send goes to the broker, which decides (and says what is wrong)
        }
    }
}
