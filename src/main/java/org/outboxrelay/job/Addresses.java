package org.outboxrelay.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/** Strict parsing of RFC 5322 addresses ("jane@example.com" or "Jane Doe <jane@example.com>"). */
public final class Addresses {

    private Addresses() {
    }

    /** Parses a comma-separated list strictly; quoted display names may contain commas. */
    public static List<InternetAddress> parseList(String value) throws AddressException {
        List<InternetAddress> out = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (InternetAddress a : InternetAddress.parseHeader(value, true)) {
            a.validate();
            requireDomain(a);
            out.add(a);
        }
        return out;
    }

    /** Parses exactly one address strictly. */
    public static InternetAddress parseOne(String value) throws AddressException {
        List<InternetAddress> list = parseList(value);
        if (list.size() != 1) {
            throw new AddressException("expected exactly one address", value);
        }
        return list.get(0);
    }

    /** The part after '@', lower case: used for Message-IDs and From checks. */
    public static String domainOf(InternetAddress a) {
        String addr = a.getAddress();
        return addr.substring(addr.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private static void requireDomain(InternetAddress a) throws AddressException {
        String addr = a.getAddress();
        int at = addr.lastIndexOf('@');
        if (at <= 0 || at == addr.length() - 1) {
            throw new AddressException("missing local part or domain", addr);
        }
    }

    static void check(String field, String value, boolean list, List<FieldError> errors) {
        if (value == null) {
            return;
        }
        try {
            if (list) {
                parseList(value);
            } else {
                parseOne(value);
            }
        } catch (AddressException e) {
            errors.add(new FieldError(field, "\"" + value + "\" is not a valid address (" + reason(e) + ")"));
        }
    }

    static int checkList(String field, List<String> values, List<FieldError> errors) {
        int count = 0;
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            String name = values.size() == 1 ? field : field + "[" + i + "]";
            try {
                count += parseList(value).size();
            } catch (AddressException e) {
                errors.add(new FieldError(name, "\"" + value + "\" is not a valid address (" + reason(e) + ")"));
            }
        }
        return count;
    }

    private static String reason(AddressException e) {
        String r = e.getMessage();
        int cut = r.indexOf(" in string");
        return cut > 0 ? r.substring(0, cut) : r;
    }
}
