package org.outboxrelay.state;

/** The job store cannot be read or written: a transient failure (the job stays queued). */
public class StateStoreException extends RuntimeException {

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
