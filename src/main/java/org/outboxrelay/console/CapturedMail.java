package org.outboxrelay.console;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeUtility;

/**
 * The inbox of the {@code capture} provider: the messages in {@code data/captured/}, newest first, as Mailpit
 * lists them (from, envelope recipients, subject, date), with a filter on those and paging. A message file never
 * changes once captured, so its header summary is read once and kept; the folder's listing is read on each call.
 * Only names the capture server makes are served ({@code *.eml}, no path), so nothing outside the folder is.
 */
public class CapturedMail {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.eml");
    // 20261123-000915-597-12.eml: the capture time, then a sequence number
    private static final Pattern STAMPED = Pattern.compile("(\\d{8}-\\d{6}-\\d{3})-(\\d+)\\.eml");

    /** One message of the inbox. */
    public record Summary(String name, String from, String to, String subject, String date, String messageId,
            long size, Instant capturedAt) {
    }

    /** A page of the inbox: the messages, how many match in all, and the name to go on after (null at the end). */
    public record Page(List<Summary> messages, int total, String next) {
    }

    private final Path dir;
    private final Map<String, Summary> summaries = new ConcurrentHashMap<>();

    public CapturedMail(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Messages newest first, those whose from, recipients or subject contain {@code filter}, after {@code after}. */
    public Page list(String filter, String after, int limit) throws IOException {
        String needle = filter == null || filter.isBlank() ? null : filter.trim().toLowerCase(Locale.ROOT);
        List<Summary> all = new ArrayList<>();
        for (Summary s : summaries()) {
            if (needle == null || contains(s.from(), needle) || contains(s.to(), needle)
                    || contains(s.subject(), needle)) {
                all.add(s);
            }
        }
        int start = 0;
        if (after != null && !after.isBlank()) {
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).name().equals(after)) {
                    start = i + 1;
                    break;
                }
            }
        }
        int end = Math.min(all.size(), start + Math.max(1, limit));
        String next = end < all.size() ? all.get(end - 1).name() : null;
        return new Page(List.copyOf(all.subList(start, end)), all.size(), next);
    }

    /** The bytes of a captured message, as the capture server stored them (envelope lines on top). */
    public Optional<byte[]> read(String name) throws IOException {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(dir.resolve(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The captured message with this Message-ID (what the relay sent for a job, under the capture provider). */
    public Optional<String> findByMessageId(String messageId) throws IOException {
        if (messageId == null) {
            return Optional.empty();
        }
        for (Summary s : summaries()) {
            if (messageId.equals(s.messageId())) {
                return Optional.of(s.name());
            }
        }
        return Optional.empty();
    }

    private List<Summary> summaries() throws IOException {
        List<Summary> all = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        List<String> present = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.eml")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!NAME.matcher(name).matches()) {
                    continue;
                }
                present.add(name);
                Summary s = summaries.get(name);
                if (s == null) {
                    s = summarize(f);
                    if (s == null) {
                        continue;
                    }
                    summaries.put(name, s);
                }
                all.add(s);
            }
        }
        summaries.keySet().retainAll(present); // deleted by hand: forgotten
        all.sort(NEWEST_FIRST);
        return all;
    }

    private static final Comparator<Summary> NEWEST_FIRST = Comparator.comparing(Summary::capturedAt)
            .thenComparing(s -> sequence(s.name())).thenComparing(Summary::name).reversed();

    private static long sequence(String name) {
        Matcher m = STAMPED.matcher(name);
        return m.matches() ? Long.parseLong(m.group(2)) : 0;
    }

    private static Summary summarize(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            InternetHeaders h = new InternetHeaders(in);
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            String to = h.getHeader("X-Envelope-To", ", ");
            return new Summary(file.getFileName().toString(), decode(h.getHeader("From", ", ")),
                    to != null ? to : decode(h.getHeader("To", ", ")), decode(h.getHeader("Subject", " ")),
                    h.getHeader("Date", " "), h.getHeader("Message-ID", " "), attributes.size(),
                    attributes.lastModifiedTime().toInstant());
        } catch (NoSuchFileException e) {
            return null;
        } catch (MessagingException e) {
            return new Summary(file.getFileName().toString(), null, null, "(unreadable headers)", null, null,
                    Files.size(file), Files.getLastModifiedTime(file).toInstant());
        }
    }

    private static String decode(String value) {
        if (value == null) {
            return null;
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(value));
        } catch (java.io.UnsupportedEncodingException e) {
            return value;
        }
    }

    private static boolean contains(String value, String needle) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(needle);
    }
}
