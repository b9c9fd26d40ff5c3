package org.outboxrelay.unsubscribe;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnsubscribeTokensTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void aTokenSaysWhoLeavesWhichListOfWhichAccount() {
        UnsubscribeTokens tokens = new UnsubscribeTokens(SECRET);
        String token = tokens.issue("news@example.com", "newsletter", "Ann@Example.org");
        assertTrue(token.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"), "URL-safe: " + token);
        UnsubscribeTokens.Claim c = tokens.verify(token).orElseThrow();
        assertEquals(new UnsubscribeTokens.Claim("news@example.com", "newsletter", "Ann@Example.org"), c);
    }

    @Test
    void forgedAlteredOrForeignTokensAreRefused() {
        UnsubscribeTokens tokens = new UnsubscribeTokens(SECRET);
        String token = tokens.issue("news@example.com", "newsletter", "ann@example.org");
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            String altered = token.substring(0, i) + (c == 'A' ? 'B' : 'A') + token.substring(i + 1);
            assertFalse(tokens.verify(altered).isPresent(), "altered at " + i + ": " + altered);
        }
        // another recipient's payload with this recipient's MAC
        String other = tokens.issue("news@example.com", "newsletter", "bob@example.org");
        String spliced = other.substring(0, other.indexOf('.')) + token.substring(token.indexOf('.'));
        assertFalse(tokens.verify(spliced).isPresent());
        assertFalse(new UnsubscribeTokens("another secret of at least 32 characters".getBytes(StandardCharsets.UTF_8))
                .verify(token).isPresent(), "issued under another secret");
        assertFalse(tokens.verify(token + ".x").isPresent());
        assertFalse(tokens.verify("").isPresent());
        assertFalse(tokens.verify(null).isPresent());
        assertFalse(tokens.verify(token.substring(0, token.length() - 2)).isPresent(), "truncated");
    }
}
