package org.outboxrelay.cli;

import java.util.List;
import java.util.Optional;

import org.outboxrelay.observe.QueueTools;
import org.outboxrelay.observe.QueueTools.DeadLetter;
import org.outboxrelay.observe.QueueTools.QueueStatus;

/**
 * What the {@code queue} command asks of the relay's queues, however it reaches them: over the broker
 * ({@link QueueTools}: relay.broker.url, or relay.broker.listen with a login) or through the running relay's admin
 * socket ({@link SocketQueueAccess}: data/admin.sock, no settings needed).
 */
interface QueueAccess {

    QueueStatus status(String queue) throws Exception;

    List<DeadLetter> deadLetters() throws Exception;

    Optional<DeadLetter> deadLetter(String id) throws Exception;

    /** Dead letters back on mail.jobs ({@code id} null: all): how many, and those that cannot be, with why. */
    QueueTools.RetryResult retryDead(String id) throws Exception;

    /** Dead letters deleted ({@code id} null: all); how many. */
    int purge(String id) throws Exception;

    /** Where the command talks to, for its messages. */
    String describe();

    static QueueAccess broker(QueueTools tools, String url) {
        return new QueueAccess() {
            @Override
            public QueueStatus status(String queue) throws Exception {
                return tools.status(queue);
            }

            @Override
            public List<DeadLetter> deadLetters() throws Exception {
                return tools.deadLetters();
            }

            @Override
            public Optional<DeadLetter> deadLetter(String id) throws Exception {
                return tools.deadLetter(id);
            }

            @Override
            public QueueTools.RetryResult retryDead(String id) throws Exception {
                return tools.retryDead(id);
            }

            @Override
            public int purge(String id) throws Exception {
                return tools.purge(id);
            }

            @Override
            public String describe() {
                return "the broker at " + url;
            }
        };
    }
}
