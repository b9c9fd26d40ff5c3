package org.outboxrelay.limits;

import java.util.Optional;

/**
 * relay.smtp.max-connections as a cap for all relays together: each SMTP connection holds a slot for as long
 * as it is open. With the embedded store (one relay) the connection pool's own size is the cap and every slot is
 * granted; with the shared store the slots are PostgreSQL advisory locks ({@link PostgresConnectionSlots}).
 */
public interface ConnectionSlots extends AutoCloseable {

    /** One open connection's share of the cap. */
    interface Slot {
        /** Gives the slot back (the connection closed). */
        void release();

        /** False when the slot was lost (its database session died): the connection must close. */
        boolean valid();
    }

    /** A slot for one more connection, or empty when all are taken. */
    Optional<Slot> tryAcquire();

    @Override
    void close();

    /** The cap of the connection pool of this relay is the only cap: one relay. */
    ConnectionSlots UNSHARED = new ConnectionSlots() {
        private final Slot slot = new Slot() {
            @Override
            public void release() {
            }

            @Override
            public boolean valid() {
                return true;
            }
        };

        @Override
        public Optional<Slot> tryAcquire() {
            return Optional.of(slot);
        }

        @Override
        public void close() {
        }
    };
}
