package org.outboxrelay.dkim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;

/**
 * relay.dkim.keys: the DKIM keys of the From domains, each {@code domain:selector:pem-file}, comma-separated, e.g.
 * {@code example.com:s2025:config/dkim/example.com.pem, example.org:mail:/etc/relay/example.org.pem}. A domain may
 * have an RSA and an Ed25519 key (both sign: RFC 8463's dual signature). Empty: nothing is signed.
 */
public record DkimSettings(List<DkimKey> keys) {

    public static DkimSettings from(Settings s) {
        List<DkimKey> keys = new ArrayList<>();
        for (String entry : s.list(SettingsCatalog.DKIM_KEYS)) {
            String[] parts = entry.split(":", 3);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                s.problem("relay.dkim.keys", "entry \"" + entry + "\" must be domain:selector:pem-file, e.g."
                        + " example.com:s2025:config/dkim/example.com.pem");
                continue;
            }
            String domain = parts[0].strip().toLowerCase(Locale.ROOT);
            String selector = parts[1].strip();
            Path file = Path.of(parts[2].strip());
            if (!selector.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || !domain.matches("[a-z0-9][a-z0-9.-]*\\.[a-z0-9-]+")) {
                s.problem("relay.dkim.keys", "entry \"" + entry + "\": not a domain and selector");
                continue;
            }
            if (!Files.isReadable(file)) {
                s.problem("relay.dkim.keys", "cannot read the key of " + domain + ": " + file.toAbsolutePath());
                continue;
            }
            try {
                DkimKey key = DkimKey.load(domain, selector, file);
                if (keys.stream().anyMatch(k -> k.domain().equals(domain) && k.type() == key.type())) {
                    s.problem("relay.dkim.keys", domain + " has two " + key.type().algorithm() + " keys: give one"
                            + " (an RSA and an Ed25519 key may go together)");
                    continue;
                }
                keys.add(key);
            } catch (Exception e) {
                s.problem("relay.dkim.keys", "the key of " + domain + ": " + e.getMessage());
            }
        }
        return new DkimSettings(List.copyOf(keys));
    }

    public List<DkimKey> forDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return keys.stream().filter(k -> k.domain().equals(d)).toList();
    }
}
