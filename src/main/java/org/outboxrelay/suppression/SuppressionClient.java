package org.outboxrelay.suppression;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * The {@code suppression} command's way to the running relay: its admin API (/api/v1/admin/suppression) on
 * relay.http.port of this host, with the first of relay.http.admin-tokens (or relay.http.tokens). The list lives
 * in the relay's state store, which the running relay holds; going through it keeps one set of rules.
 */
public final class SuppressionClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/api/v1/admin/suppression";

    /** The relay answered with an error, or could not be reached. */
    public static final class Failure extends Exception implements org.outboxrelay.cli.RelayCli.ExitCode {
        private final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }

        /** 0 when the relay could not be reached. */
        public int status() {
            return status;
        }

        /** A request the relay refused as bad is a usage error (2); anything else a failure (1). */
        @Override
        public int exitCode() {
            return status == 400 ? org.outboxrelay.cli.RelayCli.USAGE : org.outboxrelay.cli.RelayCli.FAILURE;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public SuppressionClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The relay of these settings; null token when none is set (the call then fails with 401). */
    public static SuppressionClient of(Settings settings) {
        String host = settings.string(SettingsCatalog.HTTP_HOST);
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        int port = settings.integer(SettingsCatalog.HTTP_PORT);
        List<String> tokens = settings.list(SettingsCatalog.HTTP_ADMIN_TOKENS);
        if (tokens.isEmpty()) {
            tokens = settings.list(SettingsCatalog.HTTP_TOKENS);
        }
        return new SuppressionClient(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port),
                tokens.isEmpty() ? null : tokens.get(0));
    }

    public JsonNode list(String list, String address, int limit) throws Failure {
        return json(send(request(PATH + query("list", list, "address", address, "limit", String.valueOf(limit)))
                .GET()));
    }

    /** True when added, false when it was on the list already. */
    public boolean add(String address, String list, String reason, String detail) throws Failure {
        ObjectNode body = JSON.createObjectNode().put("address", address);
        if (list != null) {
            body.put("list", list);
        }
        if (reason != null) {
            body.put("reason", reason);
        }
        if (detail != null) {
            body.put("detail", detail);
        }
        HttpResponse<String> r = send(request(PATH).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        return r.statusCode() == 201;
    }

    /** Entries removed; 0 when the address was not on the list. */
    public int remove(String address, String list) throws Failure {
        try {
            HttpResponse<String> r = send(request(PATH + "/" + encode(address) + query("list", list)).DELETE());
            return json(r).path("removed").asInt();
        } catch (Failure f) {
            if (f.status() == 404) {
                return 0;
            }
            throw f;
        }
    }

    public JsonNode importCsv(String csv) throws Failure {
        return json(send(request(PATH + "/import").header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv, StandardCharsets.UTF_8))));
    }

    public String exportCsv(String list) throws Failure {
        return send(request(PATH + "/export" + query("list", list)).GET()).body();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Failure {
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Failure(0, "the relay does not answer on " + base + " (is it running? relay.http.port)");
        } catch (IOException e) {
            throw new Failure(0, "cannot reach the relay on " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(0, "interrupted");
        }
        if (r.statusCode() >= 400) {
            String detail = r.body();
            try {
                detail = JSON.readTree(r.body()).path("detail").asText(r.body());
            } catch (IOException e) {
                // not problem+json: the body as it is
            }
            throw new Failure(r.statusCode(), "the relay answered " + r.statusCode() + ": " + detail);
        }
        return r;
    }

    private static JsonNode json(HttpResponse<String> r) throws Failure {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new Failure(r.statusCode(), "the relay answered something that is not JSON");
        }
    }

    private static String query(String... pairs) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.append(q.length() == 0 ? "?" : "&").append(pairs[i]).append('=').append(encode(pairs[i + 1]));
            }
        }
        return q.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
