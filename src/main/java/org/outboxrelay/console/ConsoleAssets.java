package org.outboxrelay.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.camel.Header;
import org.outboxrelay.http.ApiException;

/**
 * The console's page and files, from the jar ({@code src/main/resources/console/}): one HTML page, its script and
 * its style sheet, nothing from anywhere else (no CDN, no web fonts), so the console works on a machine without
 * internet. Only plain file names with a known extension are served.
 */
public class ConsoleAssets {

    private static final String ROOT = "/console/";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(js|css|svg|png)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png", "image/png",
            "html", "text/html; charset=utf-8");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /** {@code GET /console/}: the page. */
    public ConsoleReply page() throws IOException, ApiException {
        return file("index.html");
    }

    /** {@code GET /console/assets/{file}}. */
    public ConsoleReply asset(@Header("file") Object file) throws IOException, ApiException {
        String name = ConsoleApi.text(file);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiException(404, "There is no console file \"" + name + "\".");
        }
        return file("assets/" + name);
    }

    private ConsoleReply file(String path) throws IOException, ApiException {
        byte[] bytes = cache.get(path);
        if (bytes == null) {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream(ROOT + path)) {
                if (in == null) {
                    throw new ApiException(404, "There is no console file \"" + path + "\".");
                }
                bytes = in.readAllBytes();
            }
            cache.put(path, bytes);
        }
        String extension = path.substring(path.lastIndexOf('.') + 1);
        return new ConsoleReply(200, TYPES.get(extension), bytes, null, null);
    }
}
