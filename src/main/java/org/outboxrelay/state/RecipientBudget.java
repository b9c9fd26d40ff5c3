package org.outboxrelay.state;

import java.time.LocalDate;

/**
 * Recipients sent per UTC day, kept durably so that the daily limit of the account holds across restarts.
 */
public interface RecipientBudget {

    /** Takes {@code n} recipients from the day's budget if that stays within {@code limit}; false otherwise. */
    boolean reserve(LocalDate day, int n, int limit);

    /** Gives back recipients that were reserved but not sent. */
    void refund(LocalDate day, int n);

    int used(LocalDate day);
}
