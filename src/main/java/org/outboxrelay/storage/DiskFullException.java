package org.outboxrelay.storage;

/**
 * The relay takes no job right now: its data folder is (nearly) full, or its broker stopped; it says so and
 * starts taking jobs again by itself. For the HTTP API a 503: the client should try again later.
 */
public class DiskFullException extends Exception {

    public DiskFullException(String message) {
        super(message, null, false, false); // expected, answered and counted: no stack trace to fill in
    }
}
