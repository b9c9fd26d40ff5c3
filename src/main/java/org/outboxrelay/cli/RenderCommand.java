package org.outboxrelay.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.CommandLineSettings;
import org.outboxrelay.delivery.AttachmentFiles;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.OutgoingMessage;
import org.outboxrelay.job.Channel;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.template.TemplateRenderer;

/**
 * {@code render --template NAME --model FILE [--locale L] [--out DIR]}: renders a template the way the delivery
 * route does (same {@link TemplateRenderer}, same {@link MimeMessageBuilder}) and writes {@code subject.txt},
 * {@code text.txt}, {@code html.html} and the whole {@code message.eml} into DIR (default {@code preview/NAME}),
 * without sending anything: no broker, no SMTP connection. Template problems exit 1 with the reason delivery
 * would give; bad arguments exit 2.
 */
public final class RenderCommand {

    /** Where the preview message goes: a reserved domain, so it can never reach anyone by mistake. */
    static final String PREVIEW_RECIPIENT = "recipient@example.invalid";
    private static final Pattern LOCALE = Pattern.compile("^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RenderCommand() {
    }

    static String usage() {
        return "Usage: java -jar outbox-relay.jar render --template NAME --model FILE [--locale L] [--out DIR]";
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (!List.of("--template", "--model", "--locale", "--out").contains(option)) {
                return usageError(err, "unknown option " + option);
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                return usageError(err, option + " needs a value");
            }
            options.put(option, args[++i]);
        }
        String template = options.get("--template");
        String modelFile = options.get("--model");
        String locale = options.get("--locale");
        if (template == null || modelFile == null) {
            return usageError(err, "--template and --model are required");
        }
        if (locale != null && !LOCALE.matcher(locale).matches()) {
            return usageError(err, "--locale " + locale + " is not a locale such as en-GB or de");
        }
        Map<String, Object> model;
        try {
            model = JSON.readValue(Files.readAllBytes(Path.of(modelFile)), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            return usageError(err, "--model " + modelFile + " is not a JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            return usageError(err, "--model " + modelFile + " cannot be read: " + e);
        }

        Settings settings = CommandLineSettings.load(Path.of("config", "application.properties"));
        TemplateRenderer renderer = new TemplateRenderer(settings.path(org.outboxrelay.config.SettingsCatalog.TEMPLATES_DIR),
                Duration.ZERO);
        InternetAddress from = SmtpSettings.from(settings).from();
        if (from == null) {
            settings.requireValid(); // names relay.smtp.from; the CLI exits 2
        }
        Path dir = Path.of(options.getOrDefault("--out", Path.of("preview", template).toString()));

        MailJob mail = renderer.complete(new MailJob("preview-" + template, null, null, List.of(PREVIEW_RECIPIENT),
                null, null, null, null, null, template, locale, model, null, null));
        QueuedJob job = new QueuedJob(mail.id(), Channel.JMS, false, new byte[0], 0, Instant.now(), null, "preview");
        job.setMailJob(mail);
        OutgoingMessage message = new MimeMessageBuilder(Session.getInstance(new Properties()), from,
                new AttachmentFiles(null)).build(job);

        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        write(dir, "subject.txt", mail.subject() + "\n", written);
        write(dir, "text.txt", mail.text(), written);
        if (mail.html() != null) {
            write(dir, "html.html", mail.html(), written);
        }
        try (OutputStream eml = Files.newOutputStream(dir.resolve("message.eml"))) {
            message.writeTo(eml);
        }
        written.add("message.eml");
        out.println("Rendered template " + template + (locale != null ? " (locale " + locale + ")" : "") + " into "
                + dir + ": " + String.join(", ", written) + (renderer.hasPart(template, TemplateRenderer.TEXT, locale)
                        ? "" : " (text derived from the HTML)"));
        out.println("Subject: " + mail.subject());
        return RelayCli.OK;
    }

    private static void write(Path dir, String name, String content, List<String> written) throws IOException {
        Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        written.add(name);
    }

    private static int usageError(PrintStream err, String problem) {
        err.println("outbox-relay render: " + problem);
        err.println(usage());
        return RelayCli.USAGE;
    }
}
