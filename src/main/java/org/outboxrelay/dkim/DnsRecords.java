package org.outboxrelay.dkim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.outboxrelay.provider.Provider;

/**
 * What the {@code dkim} command prints: the TXT record to publish for each DKIM key, and the SPF and DMARC records
 * a sending domain needs, with what Outlook.com asks of senders since May 2025. Text for a person to copy into a
 * DNS zone; long values are split into quoted strings of at most 255 characters, as TXT records need.
 */
public final class DnsRecords {

    private DnsRecords() {
    }

    public static String describe(List<DkimKey> keys, Provider provider, String smtpHost, String accountDomain) {
        StringBuilder out = new StringBuilder();
        Set<String> domains = new LinkedHashSet<>();
        if (keys.isEmpty()) {
            out.append("No DKIM keys are configured (relay.dkim.keys). Make one per From domain, e.g.\n")
                    .append("  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out config/dkim/")
                    .append(accountDomain).append(".pem\n")
                    .append("and set relay.dkim.keys=").append(accountDomain).append(":s1:config/dkim/")
                    .append(accountDomain).append(".pem\n\n");
            domains.add(accountDomain);
        }
        for (DkimKey key : keys) {
            domains.add(key.domain());
            out.append("; DKIM key ").append(key.selector()).append(" of ").append(key.domain()).append(" (")
                    .append(key.type().algorithm()).append(", ").append(key.file()).append(")\n")
                    .append(key.recordName()).append(". IN TXT ").append(quoted(key.recordValue())).append("\n\n");
        }
        for (String domain : domains) {
            out.append("; SPF of ").append(domain).append(": the servers that may send as it")
                    .append(provider == Provider.OUTLOOK || provider == Provider.OFFICE365 ? ""
                            : " (list each one: a:, ip4:, include:)").append("\n")
                    .append(domain).append(". IN TXT \"").append(spf(provider, smtpHost)).append("\"\n")
                    .append("; DMARC of ").append(domain).append(": start with p=none and reports, then move to"
                            + " quarantine or reject\n")
                    .append("_dmarc.").append(domain).append(". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@")
                    .append(domain).append("; adkim=r; aspf=r\"\n\n");
        }
        out.append("""
                ; Outlook.com (outlook.com, hotmail.com, live.com) since 5 May 2025: a domain that sends more than
                ; 5,000 messages a day to it must pass SPF and DKIM and publish DMARC (at least p=none) aligned with
                ; the From domain, or its mail is refused with "550 5.7.515 Access denied, sending domain ... does
                ; not meet the required authentication level". Microsoft also expects working unsubscribe links
                ; (relay.unsubscribe.*), bounce handling (relay.bounces.*: no mail again to addresses that bounced),
                ; valid From and Reply-To addresses, and mail people asked for.
                ; Check after publishing: dig +short TXT <selector>._domainkey.<domain>
                """);
        return out.toString();
    }

    /** The SPF record for the provider: Microsoft's include, or a placeholder to fill in for other servers. */
    static String spf(Provider provider, String smtpHost) {
        return switch (provider) {
            case OFFICE365 -> "v=spf1 include:spf.protection.outlook.com -all";
            case OUTLOOK -> "v=spf1 include:spf.protection.outlook.com ~all";
            default -> "v=spf1 a:" + (smtpHost == null ? "mail.example.com" : smtpHost) + " ~all";
        };
    }

    /** A TXT value as quoted strings of at most 255 characters. */
    static String quoted(String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            parts.add("\"" + value.substring(i, Math.min(value.length(), i + 255)) + "\"");
        }
        return parts.size() == 1 ? parts.get(0) : "( " + String.join("\n    ", parts) + " )";
    }
}
