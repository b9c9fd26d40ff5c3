package org.outboxrelay.provider;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The three OAuth2 calls the relay makes (RFC 6749 refresh token and client credentials grants, RFC 8628 device
 * authorization), as form POSTs with the JDK's HTTP client. Responses and errors never end up in logs with
 * their tokens.
 */
public class OAuthClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A token response: the access token, how long it lives, the (possibly rotated) refresh token, the scopes
     * granted (null when the response does not say), and how long the refresh token lives when the identity
     * provider says so ({@code refresh_token_expires_in}; null when it does not).
     */
    public record Tokens(String accessToken, Duration expiresIn, String refreshToken, String scope,
            Duration refreshTokenExpiresIn) {

        public Tokens(String accessToken, Duration expiresIn, String refreshToken) {
            this(accessToken, expiresIn, refreshToken, null, null);
        }

        /** Whether the response says this scope was granted (case-insensitive; unknown when it says nothing). */
        public boolean grants(String wanted) {
            if (scope == null) {
                return true;
            }
            for (String s : scope.split("\\s+")) {
                if (s.equalsIgnoreCase(wanted)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "Tokens[expires in " + expiresIn + (refreshToken != null ? ", with refresh token" : "") + "]";
        }
    }

    /** What the user is asked to do in the device code flow. */
    public record DeviceCode(String deviceCode, String userCode, String verificationUri, String message,
            Duration expiresIn, Duration interval) {
    }

    private final OAuthSettings settings;
    private final HttpClient http;

    public OAuthClient(OAuthSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    }

    public Tokens refresh(String refreshToken) throws OAuthException {
        return refresh(refreshToken, settings.scope());
    }

    /** A new access token for these scopes (the IMAP scope for the bounce reader, say). */
    public Tokens refresh(String refreshToken, String scope) throws OAuthException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("client_id", settings.clientId());
        form.put("refresh_token", refreshToken);
        form.put("scope", scope);
        if (settings.clientSecret() != null) {
            form.put("client_secret", settings.clientSecret());
        }
        return tokens(post(settings.tokenUrl(), form));
    }

    public Tokens clientCredentials() throws OAuthException {
        return clientCredentials(settings.scope());
    }

    public Tokens clientCredentials(String scope) throws OAuthException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_id", settings.clientId());
        form.put("client_secret", settings.clientSecret());
        form.put("scope", scope);
        return tokens(post(settings.tokenUrl(), form));
    }

    public DeviceCode startDeviceCode() throws OAuthException {
        return startDeviceCode(settings.scope());
    }

    public DeviceCode startDeviceCode(String scope) throws OAuthException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", settings.clientId());
        form.put("scope", scope);
        JsonNode r = post(settings.deviceCodeUrl(), form);
        return new DeviceCode(r.path("device_code").asText(), r.path("user_code").asText(),
                r.path("verification_uri").asText(r.path("verification_url").asText()),
                r.path("message").asText(null), Duration.ofSeconds(r.path("expires_in").asLong(900)),
                Duration.ofSeconds(Math.max(1, r.path("interval").asLong(5))));
    }

    /** One poll of the device code flow; throws with error authorization_pending while the user is not done. */
    public Tokens pollDeviceCode(DeviceCode code) throws OAuthException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "urn:ietf:params:oauth:grant-type:device_code");
        form.put("client_id", settings.clientId());
        form.put("device_code", code.deviceCode());
        return tokens(post(settings.tokenUrl(), form));
    }

    private static Tokens tokens(JsonNode r) throws OAuthException {
        String access = r.path("access_token").asText(null);
        if (access == null) {
            throw new OAuthException("invalid_response", "the token endpoint answered without an access token");
        }
        JsonNode refreshLife = r.path("refresh_token_expires_in");
        return new Tokens(access, Duration.ofSeconds(r.path("expires_in").asLong(3600)),
                r.path("refresh_token").asText(null), r.path("scope").asText(null),
                refreshLife.canConvertToLong() ? Duration.ofSeconds(refreshLife.asLong()) : null);
    }

    private JsonNode post(String url, Map<String, String> form) throws OAuthException {
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new OAuthException("cannot reach the token endpoint " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OAuthException("interrupted while calling " + url, e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new OAuthException("invalid_response", "the token endpoint " + url + " answered HTTP "
                    + response.statusCode() + " without JSON");
        }
        if (response.statusCode() / 100 != 2 || json.has("error")) {
            String error = json.path("error").asText("http_" + response.statusCode());
            String description = json.path("error_description").asText("");
            int cut = description.indexOf("\r\n");
            throw new OAuthException(error, "the token endpoint refused: " + error
                    + (description.isEmpty() ? "" : " (" + (cut > 0 ? description.substring(0, cut) : description) + ")"));
        }
        return json;
    }

    private static String enc(String v) {
        return URLEncoder.encode(v == null ? "" : v, StandardCharsets.UTF_8);
    }
}
