package org.outboxrelay.bounce;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.Message;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.mail.MailMessage;
import org.outboxrelay.delivery.DeliveryEvents;
import org.outboxrelay.delivery.OutcomeEvent;
import org.outboxrelay.observe.RelayMetrics;
import org.outboxrelay.state.JobRecord;
import org.outboxrelay.state.JobStateStore;
import org.outboxrelay.state.ProcessedReport;
import org.outboxrelay.state.ProcessedReportStore;
import org.outboxrelay.state.RecipientOutcome;
import org.outboxrelay.state.RecipientOutcomeStore;
import org.outboxrelay.state.Suppression;
import org.outboxrelay.state.SuppressionReason;
import org.outboxrelay.state.SuppressionStore;
import org.outboxrelay.suppression.SuppressionSettings;
import org.outboxrelay.unsubscribe.UnsubscribeTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of routes/bounces.camel.yaml, for each message the IMAP consumer fetched from the account's mailbox:
 * <ol>
 * <li>{@link #read}: a report seen before (by its Message-ID, in the shared store) is not read again; else it is
 * parsed ({@link ReportParser}), tied to its job by the Message-ID the relay set, and recorded per recipient on
 * the job (bounced, delayed, complained; idempotent), with the suppression list updated: hard bounces and
 * complaints at once, delays after relay.suppression.soft-bounce-limit within the window. A message that is no
 * report, cannot be read or is about no known job is left in the mailbox, counted and logged - once;</li>
 * <li>the route publishes the bounced / complained event;</li>
 * <li>{@link #done}: the report is recorded as handled, and the route moves it to the processed folder.</li>
 * </ol>
 * A crash between the steps reads the report again on the next poll: its recording changes nothing, its event
 * may be published twice (at least once, never lost).
 */
public class BounceReader {

    private static final Logger LOG = LoggerFactory.getLogger(BounceReader.class);
    private static final Pattern TOKEN = Pattern.compile("/u/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)");

    private final ReportParser parser = new ReportParser();
    private final ProcessedReportStore processed;
    private final RecipientOutcomeStore outcomes;
    private final SuppressionStore suppressions;
    private final JobStateStore jobs;
    private final UnsubscribeTokens tokens;
    private final SuppressionSettings rules;
    private final DeliveryEvents events;
    private final RelayMetrics metrics;
    private final String account;
    private final Clock clock;
    private final Set<String> problemsLogged = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.Supplier<String> signInProblem = () -> null;

    public BounceReader(ProcessedReportStore processed, RecipientOutcomeStore outcomes, SuppressionStore suppressions,
            JobStateStore jobs, UnsubscribeTokens tokens, SuppressionSettings rules, DeliveryEvents events,
            RelayMetrics metrics, String account, Clock clock) {
        this.processed = processed;
        this.outcomes = outcomes;
        this.suppressions = suppressions;
        this.jobs = jobs;
        this.tokens = tokens;
        this.rules = rules;
        this.events = events;
        this.metrics = metrics;
        this.account = account;
        this.clock = clock;
    }

    /** Where the reason for a failed sign-in is (the mailbox's authenticator), to log it rather than its symptom. */
    public void setSignInProblem(java.util.function.Supplier<String> problem) {
        this.signInProblem = problem;
    }

    /** Step 1 for the message the IMAP consumer fetched. */
    public ReportOutcome read(Exchange exchange) throws Exception {
        Message mail = ((MailMessage) exchange.getIn()).getOriginalMessage();
        String[] ids = mail.getHeader("Message-ID");
        byte[] raw = null;
        String reportId;
        if (ids != null && ids.length > 0 && !ids[0].isBlank()) {
            reportId = ids[0].strip();
        } else {
            raw = bytes(mail);
            reportId = ReportParser.reportId(new jakarta.mail.internet.MimeMessage(null,
                    new java.io.ByteArrayInputStream(raw)), raw);
        }
        Optional<ProcessedReport> before = processed.find(account, reportId);
        if (before.isPresent()) {
            // handled in an earlier run (its move may not have happened): move it; left: leave it, silently
            return new ReportOutcome(reportId, before.get().outcome(), before.get().jobId(), null, null, null, true);
        }
        return read(reportId, raw != null ? raw : bytes(mail));
    }

    /** Parses, ties to the job and records one report (its bytes). */
    public ReportOutcome read(String reportId, byte[] raw) {
        ParsedReport report;
        try {
            report = parser.parse(raw);
        } catch (Exception e) {
            return leave(reportId, ProcessedReport.Outcome.UNREADABLE, null, "its MIME structure cannot be read: "
                    + e.getMessage());
        }
        if (report.kind() == ParsedReport.Kind.NOT_A_REPORT) {
            return leave(reportId, ProcessedReport.Outcome.NOT_A_REPORT, null, report.why() + " (\""
                    + report.subject() + "\")");
        }
        JobRecord job = null;
        for (String id : report.originalMessageIds()) {
            Optional<String> jobId = outcomes.jobForMessageId(id);
            if (jobId.isPresent()) {
                job = jobs.find(jobId.get()).orElse(null);
                break;
            }
        }
        if (job == null) {
            return leave(reportId, ProcessedReport.Outcome.UNCORRELATED, null, "a " + describe(report)
                    + " about " + (report.originalMessageIds().isEmpty() ? "no Message-ID it names"
                            : String.join(", ", report.originalMessageIds()))
                    + ": no job of the relay sent it (another program's mail, or forgotten after relay.status.retention)");
        }
        List<BouncedRecipient> recorded = report.kind() == ParsedReport.Kind.COMPLAINT
                ? complaint(report, job, reportId) : bounces(report, job, reportId);
        String status = report.kind() == ParsedReport.Kind.COMPLAINT ? "complained" : "bounced";
        String reason = describe(report) + (recorded.isEmpty() ? ", naming no recipient of the job" : "");
        LOG.info("Report {} about job {}: {}", reportId, job.id(), recorded.isEmpty() ? reason : String.join("; ",
                recorded.stream().map(r -> r.kind() + " " + (r.status() == null ? "" : r.status())
                        + (r.suppressed() != null ? ", suppressed (" + r.suppressed() + ")" : "")).toList()));
        OutcomeEvent event = recorded.isEmpty() && report.kind() != ParsedReport.Kind.COMPLAINT ? null
                : events.report(status, job, reportId, recorded, reason);
        if (metrics != null) {
            metrics.bounceReport(ProcessedReport.Outcome.HANDLED.id());
        }
        return new ReportOutcome(reportId, ProcessedReport.Outcome.HANDLED, job.id(), reason, recorded, event, false);
    }

    /** Step 3: the report is handled for good (after its event went out). */
    public void done(@ExchangeProperty("report") ReportOutcome report) {
        if (report.isHandled() && report.isNew()) {
            processed.record(new ProcessedReport(account, report.reportId(), ProcessedReport.Outcome.HANDLED,
                    report.jobId(), report.detail(), clock.instant()));
        }
    }

    /** The route's error handler: a failure of the mailbox or of one message, logged once per kind of problem. */
    public void failed(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String signIn = signInProblem.get();
        String problem = signIn != null ? signIn : e == null ? "unknown failure" : message(e);
        if (problemsLogged.add(problem)) {
            LOG.warn("Bounce reader: {} - it tries again at the next poll (logged once)", problem);
        } else {
            LOG.debug("Bounce reader: {}", problem);
        }
    }

    private List<BouncedRecipient> bounces(ParsedReport report, JobRecord job, String reportId) {
        List<BouncedRecipient> out = new ArrayList<>();
        for (ParsedReport.RecipientStatus r : report.recipients()) {
            List<String> addresses = r.address() != null ? List.of(r.address()) : textRecipients(report, job);
            for (String address : addresses) {
                BounceRules.Decision d = BounceRules.decide(r.action(), r.status());
                if (d.ignore()) {
                    continue;
                }
                boolean first = outcomes.record(new RecipientOutcome(account, job.id(), address, d.outcome(),
                        r.status(), r.action(), r.diagnostic(), reportId, clock.instant()));
                if (first && metrics != null) {
                    metrics.bounce(d.kind());
                }
                String suppressed = null;
                if (d.suppress()) {
                    suppressed = suppress(address, SuppressionReason.HARD_BOUNCE, r.status() + " " + nz(r.diagnostic()),
                            job.id());
                } else if (d.outcome() == RecipientOutcome.Kind.DELAYED && rules.softBounceLimit() > 0
                        && outcomes.countForAddressSince(account, address, RecipientOutcome.Kind.DELAYED,
                                clock.instant().minus(rules.softBounceWindow())) >= rules.softBounceLimit()) {
                    suppressed = suppress(address, SuppressionReason.SOFT_BOUNCES, rules.softBounceLimit()
                            + " temporary failures within " + rules.softBounceWindow() + ", last " + r.status(),
                            job.id());
                }
                out.add(new BouncedRecipient(address, d.kind(), r.status(), r.action(), r.diagnostic(), suppressed));
            }
        }
        return out;
    }

    /** A report with no machine-readable part: the job's recipients its text names (or the job's only one). */
    private List<String> textRecipients(ParsedReport report, JobRecord job) {
        List<String> sent = job.sentRecipients().stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
        List<String> named = report.addressesInText().stream().filter(sent::contains)
                .filter(a -> !a.equalsIgnoreCase(account)).toList();
        if (!named.isEmpty()) {
            return named;
        }
        return sent.size() == 1 ? sent : List.of();
    }

    private List<BouncedRecipient> complaint(ParsedReport report, JobRecord job, String reportId) {
        Set<String> who = new LinkedHashSet<>();
        report.recipients().forEach(r -> who.add(r.address()));
        if (who.isEmpty() && report.returnedListUnsubscribe() != null && tokens != null) {
            // Outlook.com redacts the recipient; the returned List-Unsubscribe link still names it (signed)
            Matcher m = TOKEN.matcher(report.returnedListUnsubscribe());
            while (m.find()) {
                tokens.verify(m.group(1)).filter(c -> c.account().equalsIgnoreCase(account))
                        .ifPresent(c -> who.add(c.address()));
            }
        }
        if (who.isEmpty()) {
            List<String> sent = job.sentRecipients();
            report.addressesInText().stream().filter(a -> sent.contains(a.toLowerCase(Locale.ROOT))).forEach(who::add);
            if (who.isEmpty() && sent.size() == 1) {
                who.add(sent.get(0));
            }
        }
        if (who.isEmpty()) {
            LOG.warn("Complaint {} about job {} names no recipient the relay can tell (it had {}); no address was"
                    + " suppressed", reportId, job.id(), job.sentRecipients().size());
        }
        List<BouncedRecipient> out = new ArrayList<>();
        for (String address : who) {
            boolean first = outcomes.record(new RecipientOutcome(account, job.id(), address,
                    RecipientOutcome.Kind.COMPLAINED, null, "complained", report.feedbackType(), reportId,
                    clock.instant()));
            if (first && metrics != null) {
                metrics.complaint();
            }
            String suppressed = suppress(address, SuppressionReason.COMPLAINT, "feedback type "
                    + nz(report.feedbackType()), job.id());
            out.add(new BouncedRecipient(address, "complaint", null, "complained", report.feedbackType(), suppressed));
        }
        return out;
    }

    /** Adds the address to every list of the account; the reason, or null when it was there already. */
    private String suppress(String address, SuppressionReason reason, String detail, String jobId) {
        boolean added = suppressions.add(new Suppression(account, Suppression.EVERY_LIST, address, reason, detail,
                jobId, clock.instant()));
        return added ? reason.id() : null;
    }

    private ReportOutcome leave(String reportId, ProcessedReport.Outcome outcome, String jobId, String why) {
        if (processed.record(new ProcessedReport(account, reportId, outcome, jobId, why, clock.instant()))) {
            if (metrics != null) {
                metrics.bounceReport(outcome.id());
            }
            if (outcome == ProcessedReport.Outcome.NOT_A_REPORT) {
                LOG.info("Bounce reader: left {} in the mailbox: {}", reportId, why);
            } else {
                LOG.warn("Bounce reader: left {} in the mailbox ({}): {}", reportId, outcome.id(), why);
            }
        }
        return new ReportOutcome(reportId, outcome, jobId, why, null, null, true);
    }

    private static String describe(ParsedReport report) {
        return switch (report.kind()) {
            case DELIVERY_STATUS -> "delivery status notification";
            case NDR_TEXT -> "non-delivery report";
            case COMPLAINT -> "complaint (" + nz(report.feedbackType()) + ")";
            case NOT_A_REPORT -> "message";
        };
    }

    private static byte[] bytes(Message mail) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        mail.writeTo(out);
        return out.toByteArray();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The failure and its root cause. */
    private static String message(Throwable e) {
        Throwable root = e;
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            root = c;
        }
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return root == e || root.getMessage() == null || top.contains(root.getMessage()) ? top
                : top + ": " + root.getMessage();
    }
}
