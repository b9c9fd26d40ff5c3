package org.outboxrelay.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;

/**
 * A plain TCP socket whose output is {@link HeldWrites}: the socket beneath every SMTP connection the relay opens
 * ({@link SmtpSockets#plain()}), and beneath TLS after STARTTLS. Angus Mail keeps its socket to itself, so the
 * transport that opened it ({@link PipeliningSmtpTransport}) finds it as the last one opened by its own thread:
 * opening a connection runs on the caller's thread, from start to end.
 */
final class HoldingSocket extends Socket {

    private static final ThreadLocal<WeakReference<HoldingSocket>> OPENED_HERE = new ThreadLocal<>();

    private HeldWrites output;

    HoldingSocket() {
        OPENED_HERE.set(new WeakReference<>(this));
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (output == null) {
            output = new HeldWrites(super.getOutputStream());
        }
        return output;
    }

    /** Forgets which socket this thread opened last (before it opens a connection). */
    static void forgetOpenedHere() {
        OPENED_HERE.remove();
    }

    /** The output of the socket this thread opened last and has not taken yet, or null (another factory). */
    static HeldWrites takeOpenedHere() {
        WeakReference<HoldingSocket> ref = OPENED_HERE.get();
        OPENED_HERE.remove();
        HoldingSocket socket = ref == null ? null : ref.get();
        if (socket == null || !socket.isConnected() || socket.isClosed()) {
            return null;
        }
        try {
            return (HeldWrites) socket.getOutputStream();
        } catch (IOException e) {
            return null; // closed meanwhile: the connection is gone, and nothing is held
        }
    }
}
