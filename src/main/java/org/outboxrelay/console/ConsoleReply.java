package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;

/**
 * One answer of the console's routes (routes/http-console.camel.yaml, route console-respond): status, media type,
 * body, and when needed a {@code Content-Disposition} (downloads) and a {@code Set-Cookie} (sign-in, sign-out).
 * The security headers every console answer carries (Content-Security-Policy and the rest) are the
 * {@link ConsoleGate}'s, not the routes'.
 */
public record ConsoleReply(int status, String contentType, byte[] body, String disposition, String setCookie) {

    public static final String JSON = "application/json";

    public static ConsoleReply json(int status, String body) {
        return new ConsoleReply(status, JSON, body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    public ConsoleReply withCookie(String cookie) {
        return new ConsoleReply(status, contentType, body, disposition, cookie);
    }

    /** A download: saved under {@code filename}, never shown in the browser. */
    public static ConsoleReply download(String contentType, byte[] body, String filename) {
        return new ConsoleReply(200, contentType, body, contentDisposition(filename), null);
    }

    /** {@code attachment} with the name in ASCII and in UTF-8 (RFC 6266 / RFC 8187). */
    static String contentDisposition(String filename) {
        String ascii = filename.replaceAll("[^A-Za-z0-9._ -]", "_");
        StringBuilder encoded = new StringBuilder();
        for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-_".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
