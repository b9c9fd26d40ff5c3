package org.outboxrelay.unsubscribe;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens of one-click unsubscribe links: who (recipient), from what (list) of which account, signed with
 * HMAC-SHA256 under relay.unsubscribe.secret. A token carries what it stands for, so checking one needs no
 * database: {@code base64url(payload) "." base64url(hmac)}. Nothing about it can be guessed or changed without
 * the secret; comparing MACs takes the same time whatever they hold.
 */
public final class UnsubscribeTokens {

    private static final String VERSION = "u1";
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** What a valid token says: this recipient leaves this list of this account. */
    public record Claim(String account, String list, String address) {
    }

    private final SecretKeySpec key;

    public UnsubscribeTokens(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    public String issue(String account, String list, String address) {
        String payload = String.join("\n", VERSION, account, list, address);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(mac(bytes));
    }

    /** The claim of a token this relay issued; empty for anything else (forged, altered, truncated). */
    public Optional<Claim> verify(String token) {
        if (token == null || token.length() > 2048) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] given;
        try {
            payload = DECODER.decode(token.substring(0, dot));
            given = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(payload), given)) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0]) || parts[3].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Claim(parts[1], parts[2], parts[3]));
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "UnsubscribeTokens[HMAC-SHA256]"; // never the secret
    }
}
