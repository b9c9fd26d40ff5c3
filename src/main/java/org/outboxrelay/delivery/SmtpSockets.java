package org.outboxrelay.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Keeps hold of the sockets Jakarta Mail opens for SMTP, so that a stopping relay can cut the ones still busy:
 * a thread blocked reading a reply otherwise holds the shutdown up for the whole read timeout, and
 * SMTPTransport offers no way to close it from another thread (its methods are synchronized). Cutting a
 * connection before the server's final 250 leaves the job unacknowledged, so it is sent again after the
 * restart, as after any lost connection.
 */
public final class SmtpSockets {

    private final Set<Socket> open = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private volatile SSLSocket lastTls;

    /**
     * For mail.smtp.socketFactory: plain connections (and the one STARTTLS upgrades), on {@link HoldingSocket}s
     * whose writes a pipelining transport can keep together.
     */
    public SocketFactory plain() {
        return new SocketFactory() {
            @Override
            public Socket createSocket() {
                return track(new HoldingSocket());
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return connected(new InetSocketAddress(host, port), null);
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return connected(new InetSocketAddress(host, port), new InetSocketAddress(local, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return connected(new InetSocketAddress(host, port), null);
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
                    throws IOException {
                return connected(new InetSocketAddress(host, port), new InetSocketAddress(local, localPort));
            }

            private Socket connected(InetSocketAddress to, InetSocketAddress from) throws IOException {
                Socket s = createSocket();
                try {
                    if (from != null) {
                        s.bind(from);
                    }
                    s.connect(to);
                    return s;
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
            }
        };
    }

    /** For mail.smtp.ssl.socketFactory: implicit TLS and the STARTTLS upgrade, through the given factory. */
    public SSLSocketFactory tls(SSLSocketFactory delegate) {
        return new SSLSocketFactory() {
            @Override
            public String[] getDefaultCipherSuites() {
                return delegate.getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return delegate.getSupportedCipherSuites();
            }

            @Override
            public Socket createSocket() throws IOException {
                return track(delegate.createSocket());
            }

            @Override
            public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                return track(delegate.createSocket(s, host, port, autoClose));
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return track(delegate.createSocket(host, port));
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return track(delegate.createSocket(host, port, local, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return track(delegate.createSocket(host, port));
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
                    throws IOException {
                return track(delegate.createSocket(host, port, local, localPort));
            }
        };
    }

    private Socket track(Socket socket) {
        open.add(socket);
        if (socket instanceof SSLSocket tls) {
            lastTls = tls;
        }
        try {
            // commands go out as they are written (Nagle's algorithm off): a pipelined RCPT TO would otherwise wait
            // for the server's acknowledgement of MAIL FROM, and a message's last segment for that of the one before
            socket.setTcpNoDelay(true);
        } catch (SocketException e) {
            // a speed-up only: the connection works without it
        }
        return socket;
    }

    /** The TLS socket opened last (closed or not), or null: doctor reads its session's certificates. */
    public SSLSocket lastTlsSocket() {
        return lastTls;
    }

    /** Sockets not closed yet. */
    public int openCount() {
        synchronized (open) {
            open.removeIf(Socket::isClosed);
            return open.size();
        }
    }

    /** Closes every SMTP socket at once; a thread blocked on one gets an IOException. Returns how many. */
    public int abortAll() {
        int n = 0;
        synchronized (open) {
            for (Socket s : open) {
                if (!s.isClosed()) {
                    try {
                        s.close();
                        n++;
                    } catch (IOException e) {
                        // closing is all we wanted; a failure to close cleanly changes nothing
                    }
                }
            }
            open.clear();
        }
        return n;
    }
}
