package org.outboxrelay.console;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.outboxrelay.console.ConsoleSessions.Session;
import org.outboxrelay.console.JobSearch.Criteria;
import org.outboxrelay.console.JobSearch.JobDetail;
import org.outboxrelay.console.MessageSource.Content;
import org.outboxrelay.http.ApiException;
import org.outboxrelay.state.StateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console's routes (routes/http-console.camel.yaml) call: sign-in and sign-out, the overview, the mail list
 * and one mail (history, recipients, content), and the captured inbox. Each method turns request parameters
 * (headers, as platform-http gives them) into a call and the result into a {@link ConsoleReply}; the work is in
 * {@link JobSearch}, {@link ConsoleOverviewView}, {@link MessageSource} and {@link CapturedMail}. The
 * {@link ConsoleGate} has checked the session, the origin and the CSRF token before any of this runs. Dead
 * letters are not here: the console calls the admin API's own bean for them.
 */
public class ConsoleApi {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleApi.class);
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    private final ConsoleSessions sessions;
    private final JobSearch search;
    private final ConsoleOverviewView overview;
    private final MessageSource messages;
    private final CapturedMail captured;
    private final boolean capturing;

    public ConsoleApi(ConsoleSessions sessions, JobSearch search, ConsoleOverviewView overview,
            MessageSource messages, CapturedMail captured, boolean capturing) {
        this.sessions = sessions;
        this.search = search;
        this.overview = overview;
        this.messages = messages;
        this.captured = captured;
        this.capturing = capturing;
    }

    // --- session -------------------------------------------------------------------------------------------

    /** {@code GET /console/api/session}: signed in or not; when signed in, the CSRF token for changes. */
    public ConsoleReply session(@Header("Cookie") String cookies) {
        ObjectNode n = JSON.createObjectNode();
        Optional<Session> session = sessions.verify(cookie(cookies));
        n.put("signedIn", session.isPresent());
        session.ifPresent(s -> {
            n.put("csrf", sessions.csrfToken(s));
            n.put("expiresAt", s.expiresAt().toString());
        });
        n.put("capture", capturing);
        return json(200, n);
    }

    /** {@code POST /console/api/session} with {@code {"token": "..."}}: an admin token gets a session cookie. */
    public ConsoleReply signIn(@Body String body) throws ApiException {
        String token;
        try {
            token = JSON.readTree(body == null ? "" : body).path("token").asText("");
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "Sign in with {\"token\": \"<admin token>\"}.");
        }
        if (!sessions.admits(token)) {
            // one answer for a wrong token and a token that may only submit: it says nothing about the token
            LOG.warn("Console: refused a sign-in (not an admin token)");
            throw new ApiException(403, "This is not an admin token. The console takes a token of"
                    + " relay.http.admin-tokens (or of relay.http.tokens when no admin tokens are set).");
        }
        String cookie = sessions.open(token);
        Session session = sessions.verify(cookie).orElseThrow();
        LOG.info("Console: signed in (session until {})", session.expiresAt());
        ObjectNode n = JSON.createObjectNode();
        n.put("signedIn", true);
        n.put("csrf", sessions.csrfToken(session));
        n.put("expiresAt", session.expiresAt().toString());
        n.put("capture", capturing);
        return json(200, n).withCookie(ConsoleSessions.COOKIE + "=" + cookie + "; Path=/console/; HttpOnly;"
                + " SameSite=Strict; Max-Age=" + sessions.lifetime().toSeconds());
    }

    /** {@code POST /console/api/session/end}: the session is over on every relay; the cookie is cleared. */
    public ConsoleReply signOut(@Header("Cookie") String cookies) {
        sessions.verify(cookie(cookies)).ifPresent(s -> {
            sessions.close(s);
            LOG.info("Console: signed out");
        });
        ObjectNode n = JSON.createObjectNode();
        n.put("signedIn", false);
        return json(200, n).withCookie(ConsoleSessions.COOKIE + "=; Path=/console/; HttpOnly; SameSite=Strict;"
                + " Max-Age=0");
    }

    /** The value of the console's cookie in a Cookie header. */
    static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(ConsoleSessions.COOKIE + "=")) {
                return p.substring(ConsoleSessions.COOKIE.length() + 1);
            }
        }
        return null;
    }

    // --- overview and mail -------------------------------------------------------------------------------------

    /** {@code GET /console/api/overview}. */
    public ConsoleReply overview() {
        return json(200, overview.describe());
    }

    /** {@code GET /console/api/mails?id=&recipient=&subject=&status=&channel=&from=&to=&after=&limit=}. */
    public ConsoleReply mails(@Header("id") Object id, @Header("recipient") Object recipient,
            @Header("subject") Object subject, @Header("status") Object status, @Header("channel") Object channel,
            @Header("from") Object from, @Header("to") Object to, @Header("after") Object after,
            @Header("limit") Object limit) {
        Criteria criteria = new Criteria(text(id), text(recipient), text(subject), text(status), text(channel),
                time("from", from), time("to", to), text(after), number("limit", limit, 50));
        return json(200, JSON.valueToTree(search.search(criteria)));
    }

    /** {@code GET /console/api/mails/{id}}: the job, its recipients and history, and its content if it is kept. */
    public ConsoleReply mail(@Header("id") Object idHeader) throws Exception {
        String id = text(idHeader);
        Optional<JobDetail> detail = search.job(id);
        Optional<Content> content = messages.find(id, detail.map(JobDetail::job));
        if (detail.isEmpty() && content.isEmpty()) {
            throw new ApiException(404, "No job with id \"" + id + "\" is in the job store or on a queue.");
        }
        ObjectNode n = JSON.createObjectNode();
        if (detail.isPresent()) {
            JobDetail d = detail.get();
            ObjectNode job = JSON.valueToTree(d.job());
            job.put("node", d.node());
            job.put("account", d.account());
            job.put("smtpReply", d.smtpReply());
            job.put("reason", d.reason());
            if (d.accepted() != null) {
                job.put("accepted", d.accepted());
            }
            n.set("job", job);
            n.set("recipients", JSON.valueToTree(d.recipients()));
            n.set("events", JSON.valueToTree(d.events()));
        } else {
            n.putNull("job");
            n.set("recipients", JSON.createArrayNode());
            n.set("events", JSON.createArrayNode());
        }
        if (content.isPresent()) {
            Content c = content.get();
            n.set("deadLetter", c.deadLetter());
            n.set("content", describe(c));
        } else {
            n.putNull("deadLetter");
            n.putNull("content");
        }
        return json(200, n);
    }

    private ObjectNode describe(Content c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("origin", c.origin().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        n.put("capturedName", c.capturedName());
        n.put("problem", c.problem());
        n.put("payload", c.payload());
        if (c.message() != null) {
            try {
                n.set("message", JSON.valueToTree(MessageView.of(c.message()).view()));
            } catch (IllegalArgumentException e) {
                n.put("problem", e.getMessage());
            }
        }
        return n;
    }

    /** {@code GET /console/api/mails/{id}/html[?remote=true]}: the HTML part, for the sandboxed frame. */
    public ConsoleReply mailHtml(@Header("id") Object id) throws Exception {
        return html(jobMessage(text(id)));
    }

    /** {@code GET /console/api/mails/{id}/eml}: the message as a file. */
    public ConsoleReply mailEml(@Header("id") Object id) throws Exception {
        String jobId = text(id);
        return ConsoleReply.download("message/rfc822", jobMessage(jobId).raw(), safeName(jobId) + ".eml");
    }

    /** {@code GET /console/api/mails/{id}/parts/{part}}: one attachment, as a file. */
    public ConsoleReply mailPart(@Header("id") Object id, @Header("part") Object part) throws Exception {
        return part(jobMessage(text(id)), number("part", part, -1));
    }

    private MessageView jobMessage(String id) throws Exception {
        Optional<JobDetail> detail = search.job(id);
        Content c = messages.find(id, detail.map(JobDetail::job)).orElse(null);
        if (c == null || c.message() == null) {
            throw new ApiException(404, "The relay does not have the content of job \"" + id + "\".");
        }
        return MessageView.of(c.message());
    }

    // --- captured mail ---------------------------------------------------------------------------------------

    /** {@code GET /console/api/captured?q=&after=&limit=}: the capture provider's inbox, newest first. */
    public ConsoleReply capturedList(@Header("q") Object q, @Header("after") Object after,
            @Header("limit") Object limit) throws Exception {
        ObjectNode n = JSON.valueToTree(captured.list(text(q), text(after), number("limit", limit, 50)));
        n.put("capture", capturing);
        n.put("folder", captured.dir().toString());
        return json(200, n);
    }

    /** {@code GET /console/api/captured/{name}}. */
    public ConsoleReply capturedOne(@Header("name") Object name) throws Exception {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", text(name));
        n.set("message", JSON.valueToTree(capturedMessage(text(name)).view()));
        return json(200, n);
    }

    public ConsoleReply capturedHtml(@Header("name") Object name) throws Exception {
        return html(capturedMessage(text(name)));
    }

    public ConsoleReply capturedEml(@Header("name") Object name) throws Exception {
        String n = text(name);
        return ConsoleReply.download("message/rfc822", capturedMessage(n).raw(), n);
    }

    public ConsoleReply capturedPart(@Header("name") Object name, @Header("part") Object part) throws Exception {
        return part(capturedMessage(text(name)), number("part", part, -1));
    }

    private MessageView capturedMessage(String name) throws Exception {
        byte[] bytes = captured.read(name).orElseThrow(() -> new ApiException(404, "No captured message \""
                + name + "\" in " + captured.dir() + "."));
        return MessageView.of(bytes);
    }

    // --- shared ----------------------------------------------------------------------------------------------

    private static ConsoleReply html(MessageView message) throws ApiException {
        String html = message.html();
        if (html == null) {
            throw new ApiException(404, "The message has no HTML part.");
        }
        return new ConsoleReply(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), null, null);
    }

    private static ConsoleReply part(MessageView message, int number) {
        MessageView.PartContent p = message.part(number);
        // always a download, never rendered: an attachment's own type could be HTML or SVG with scripts
        return ConsoleReply.download("application/octet-stream", p.bytes(), p.filename());
    }

    /** 400 for a bad parameter, 404/503 for what the API exceptions say, 503 for the store, else 500. */
    public ConsoleReply failed(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e) {
        if (e instanceof ApiException a) {
            return problem(a.status(), a.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return problem(400, e.getMessage());
        }
        if (e instanceof StateStoreException) {
            LOG.error("Console: the job store failed", e);
            return problem(503, "The job store cannot be read just now. Try again; the relay's log has the details.");
        }
        LOG.error("Console: a request failed", e);
        return problem(500, "The request failed inside the relay; the relay's log has the details.");
    }

    static ConsoleReply problem(int status, String detail) {
        ObjectNode p = JSON.createObjectNode();
        p.put("status", status);
        p.put("detail", detail);
        ConsoleReply r = json(status, p);
        return new ConsoleReply(status, "application/problem+json", r.body(), null, null);
    }

    static ConsoleReply json(int status, JsonNode node) {
        try {
            return ConsoleReply.json(status, JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A parameter's value (the last one: platform-http appends the path parameter after any header or query). */
    static String text(Object header) {
        Object last = header instanceof List<?> values && !values.isEmpty() ? values.get(values.size() - 1) : header;
        if (last == null) {
            return null;
        }
        String s = String.valueOf(last).trim();
        return s.isEmpty() ? null : s;
    }

    private static Instant time(String name, Object header) {
        String s = text(header);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be a time such as 2026-11-23T08:00:00Z, not \"" + s
                    + "\"");
        }
    }

    private static int number(String name, Object header, int defaultValue) {
        String s = text(header);
        if (s == null) {
            if (defaultValue < 0) {
                throw new IllegalArgumentException(name + " is required");
            }
            return defaultValue;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not \"" + s + "\"");
        }
    }

    private static String safeName(String id) {
        String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.length() > 100 ? s.substring(0, 100) : s;
    }
}
