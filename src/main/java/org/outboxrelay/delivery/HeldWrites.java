package org.outboxrelay.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An SMTP socket's output that can keep a group of writes together, so that pipelined commands leave in one
 * system call and one TCP segment. Angus Mail writes and flushes each command on its own, and the relay's sockets
 * have Nagle's algorithm off, so MAIL FROM, RCPT TO and DATA sent ahead of their replies would otherwise be
 * three writes, three segments and three wake-ups of the server (README, "Performance").
 *
 * <p>{@link #hold()} keeps every write from then on; {@link #sendWithNextWrite()} makes the next write carry
 * what was kept, in one write to the socket, and ends the hold. That last write is the one Angus makes for DATA,
 * inside its own write timeout ({@code mail.smtp.writetimeout}), so a server that stops reading is still timed
 * out. Under STARTTLS this stream is the one beneath TLS: the records of the held commands leave together.
 * {@link #drop()} forgets what is kept (the connection is closed after a failure, and nothing of a broken group
 * may go out). Used by one SMTP connection at a time (SMTPTransport's methods are synchronized).
 */
final class HeldWrites extends OutputStream {

    /** Beyond this many bytes a hold writes what it kept at once (a group is at most 100 RCPT commands). */
    static final int MAX_HELD_BYTES = 64 * 1024;

    private final OutputStream socket;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(512);
    private boolean holding;
    private boolean lastOfGroup;

    HeldWrites(OutputStream socket) {
        this.socket = socket;
    }

    /** Keeps the writes from now on, until the one after {@link #sendWithNextWrite()}. */
    void hold() {
        held.reset();
        holding = true;
        lastOfGroup = false;
    }

    /** The next write carries everything kept, in one write to the socket, and the hold ends with it. */
    void sendWithNextWrite() {
        if (holding) {
            lastOfGroup = true;
        }
    }

    /** Forgets what is kept and writes straight through again. */
    void drop() {
        held.reset();
        holding = false;
        lastOfGroup = false;
    }

    boolean holding() {
        return holding;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!holding) {
            socket.write(b, off, len);
            return;
        }
        held.write(b, off, len);
        if (lastOfGroup || held.size() > MAX_HELD_BYTES) {
            byte[] group = held.toByteArray();
            drop();
            socket.write(group, 0, group.length);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!holding) {
            socket.flush();
        }
    }

    @Override
    public void close() throws IOException {
        drop();
        socket.close();
    }
}
