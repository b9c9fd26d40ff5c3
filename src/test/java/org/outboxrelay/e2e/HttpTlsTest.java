package org.outboxrelay.e2e;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.outboxrelay.config.Settings;
import org.outboxrelay.http.HttpTls;
import org.outboxrelay.testing.TestRelay;
import org.outboxrelay.testing.TestSmtpServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API over TLS from a PEM certificate and key (relay.http.tls.*), for exposing it beyond this host. */
class HttpTlsTest {

    static final Path CERT = Path.of("src/test/resources/tls/server.pem").toAbsolutePath();
    static final Path KEY = Path.of("src/test/resources/tls/server-key.pem").toAbsolutePath();

    @TempDir
    Path home;
    TestSmtpServer smtp;
    TestRelay relay;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void theApiAnswersOverTlsAndNotInPlainText() throws Exception {
        smtp = TestSmtpServer.startPlain();
        relay = TestRelay.forServer(home, smtp).with("relay.http.tls.cert-file", CERT.toString())
                .with("relay.http.tls.key-file", KEY.toString()).start();
        int port = relay.api().port();
        HttpClient tls = HttpClient.newBuilder().sslContext(trusting(CERT)).connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> health = tls.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port
                + "/observe/health")).header("Authorization", "Bearer " + TestRelay.API_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        HttpResponse<String> submitted = tls.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port
                + "/api/v1/mails")).header("Authorization", "Bearer " + TestRelay.API_TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"to\": \"a@example.com\", \"subject\": \"over tls\", \"text\": \"t\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, submitted.statusCode(), submitted.body());
        assertEquals("over tls", smtp.awaitMessage().subject());

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                + port + "/observe/health")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void aCertificateWithoutItsKeyOrAnUnreadableOneIsABadSetting() {
        Settings onlyCert = settings(Map.of("relay.http.tls.cert-file", CERT.toString()));
        assertNull(HttpTls.from(onlyCert));
        assertTrue(onlyCert.problems().get(0).startsWith("relay.http.tls.key-file is required"), onlyCert.problems().toString());
        Settings swapped = settings(Map.of("relay.http.tls.cert-file", KEY.toString(), "relay.http.tls.key-file",
                CERT.toString()));
        assertNull(HttpTls.from(swapped));
        assertTrue(swapped.problems().get(0).contains("cannot be used"), swapped.problems().toString());
        Settings both = settings(Map.of("relay.http.tls.cert-file", CERT.toString(), "relay.http.tls.key-file",
                KEY.toString()));
        assertTrue(HttpTls.from(both) != null && both.problems().isEmpty(), both.problems().toString());
    }

    private static Settings settings(Map<String, String> values) {
        return new Settings(k -> Optional.ofNullable(values.get(k)));
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
