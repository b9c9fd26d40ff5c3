package org.outboxrelay.job;

/** Where a job entered the relay. */
public enum Channel {
    OUTBOX, JMS, HTTP;

    public String id() {
        return name().toLowerCase();
    }

    public static Channel of(String value) {
        if (value == null) {
            return JMS;
        }
        for (Channel c : values()) {
            if (c.id().equalsIgnoreCase(value)) {
                return c;
            }
        }
        return JMS;
    }
}
