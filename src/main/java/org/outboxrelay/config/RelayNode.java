package org.outboxrelay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * relay.node.id: the name of this relay among several (default: the host name). It is written into events,
 * job statuses, the audit trail, log lines and metric labels, so an operator sees which relay did what.
 */
public record RelayNode(String id) {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public static RelayNode from(Settings s) {
        String id = s.get(SettingsCatalog.NODE_ID).orElse(null);
        if (id == null) {
            return new RelayNode(hostName());
        }
        if (!VALID.matcher(id).matches()) {
            s.problem(SettingsCatalog.NODE_ID.key(), "must be 1 to 64 letters, digits, dots, dashes or underscores,"
                    + " not \"" + id + "\"");
            return new RelayNode(hostName());
        }
        return new RelayNode(id);
    }

    /** The host name, cut to what a node id may hold; "relay" when the machine has none. */
    public static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                name = "relay";
            }
        }
        String cleaned = name.replaceAll("[^A-Za-z0-9._-]", "-");
        cleaned = cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
        return VALID.matcher(cleaned).matches() ? cleaned : "relay";
    }

    @Override
    public String toString() {
        return id;
    }
}
