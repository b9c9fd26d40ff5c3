package org.outboxrelay.unsubscribe;

/** A job asks for one-click unsubscribe while relay.unsubscribe.base-url and secret are not set. */
public class UnsubscribeNotConfiguredException extends Exception {

    public UnsubscribeNotConfiguredException(String list) {
        super("the job asks for one-click unsubscribe from \"" + list + "\", but the relay has no"
                + " relay.unsubscribe.base-url and relay.unsubscribe.secret: set both (see README, \"Bounces,"
                + " suppression and unsubscribe\")");
    }
}
