package org.outboxrelay.job;

import java.io.UnsupportedEncodingException;
import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/**
 * Strict parsing of RFC 5322 addresses ("jane@example.com" or "Jane Doe <jane@example.com>"). International
 * addresses are accepted: a non-ASCII domain must be a valid IDN (it is sent as ASCII, {@link #withAsciiDomain});
 * a non-ASCII local part can only be sent to a server that offers SMTPUTF8.
 */
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
            asciiDomain(a.getAddress());
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

    /** The address with its domain in ASCII (bücher.de becomes xn--bcher-kva.de); the display name is kept. */
    public static InternetAddress withAsciiDomain(InternetAddress a) throws AddressException {
        String address = a.getAddress();
        int at = address.lastIndexOf('@');
        String ascii = at < 0 ? address : address.substring(0, at + 1) + asciiDomain(address);
        InternetAddress out = new InternetAddress();
        out.setAddress(ascii);
        if (a.getPersonal() != null) {
            try {
                out.setPersonal(a.getPersonal(), "UTF-8"); // RFC 2047 encoded where it is not ASCII
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** True when the address's local part is not ASCII: it can only be sent with SMTPUTF8 (RFC 6531). */
    public static boolean needsSmtpUtf8(InternetAddress a) {
        String address = a.getAddress();
        int at = address.lastIndexOf('@');
        return !isAscii(at < 0 ? address : address.substring(0, at));
    }

    public static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static String asciiDomain(String address) throws AddressException {
        String domain = address.substring(address.lastIndexOf('@') + 1);
        if (isAscii(domain)) {
            return domain;
        }
        try {
            return IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            throw new AddressException("the domain is not a valid international domain name", address);
        }
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
