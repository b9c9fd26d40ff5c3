package org.outboxrelay.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dkim}: the TXT records to publish, SPF and DMARC, and what Outlook.com requires. */
class DkimCommandTest {

    @TempDir
    Path dir;

    private static Path pem(Path file, byte[] pkcs8) throws Exception {
        return Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n");
    }

    private static int run(Map<String, String> config, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return DkimCommand.run(new Settings(k -> Optional.ofNullable(config.get(k))), new String[0],
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsTheRecordOfEachKeyWithItsPublicKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path rsaFile = pem(dir.resolve("rsa.pem"), rsa.getPrivate().getEncoded());
        Path edFile = pem(dir.resolve("ed.pem"), ed.getPrivate().getEncoded());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(Map.of("relay.provider", "office365", "relay.smtp.from", "news@example.com",
                "relay.dkim.keys", "example.com:s2025:" + rsaFile + ",example.com:ed2025:" + edFile), out, err);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString());
        // the RSA public key as DNS wants it: SubjectPublicKeyInfo, split into strings of at most 255 characters
        String p = Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
        assertTrue(text.contains("s2025._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; p="), text);
        assertTrue(text.replaceAll("\"\\s+\"", "").contains(p), text);
        // Ed25519 (RFC 8463): the raw 32-byte key
        byte[] x509 = ed.getPublic().getEncoded();
        String raw = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(x509, x509.length - 32, x509.length));
        assertTrue(text.contains("ed2025._domainkey.example.com. IN TXT \"v=DKIM1; k=ed25519; p=" + raw + "\""), text);
        assertTrue(text.contains("example.com. IN TXT \"v=spf1 include:spf.protection.outlook.com -all\""), text);
        assertTrue(text.contains("_dmarc.example.com. IN TXT \"v=DMARC1; p=none;"), text);
        assertTrue(text.contains("550 5.7.515") && text.contains("5,000"), text);
    }

    @Test
    void aKeyThatCannotBeUsedIsAUsageErrorThatSaysWhy() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        Path weak = pem(dir.resolve("weak.pem"), g.generateKeyPair().getPrivate().getEncoded());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, run(Map.of("relay.dkim.keys", "example.com:s1:" + weak), out, err));
        assertTrue(err.toString().contains("1024-bit RSA key") && err.toString().contains("2048"), err.toString());
        assertEquals(2, run(Map.of("relay.dkim.keys", "example.com-no-selector"), out, err));
        assertTrue(err.toString().contains("domain:selector:pem-file"), err.toString());

        ByteArrayOutputStream none = new ByteArrayOutputStream();
        assertEquals(0, run(Map.of("relay.smtp.from", "me@example.org"), none, err));
        assertTrue(none.toString().contains("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"), none.toString());
        assertTrue(none.toString().contains("_dmarc.example.org."), none.toString());
    }
}
