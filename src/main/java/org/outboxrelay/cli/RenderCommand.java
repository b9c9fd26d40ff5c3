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
import java.util.concurrent.Callable;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code render --template NAME --model FILE [--locale L] [--out DIR]}: renders a template the way the delivery
 * route does (same {@link TemplateRenderer}, same {@link MimeMessageBuilder}) and writes {@code subject.txt},
 * {@code text.txt}, {@code html.html} and the whole {@code message.eml} into DIR (default {@code preview/NAME}),
 * without sending anything: no broker, no SMTP connection. Template problems exit 1 with the reason delivery
 * would give; bad arguments exit 2.
 */
@Command(name = "render", description = {"Preview a template without sending: writes subject.txt, text.txt,"
        + " html.html and message.eml into DIR."})
public final class RenderCommand implements Callable<Integer> {

    /** Where the preview message goes: a reserved domain, so it can never reach anyone by mistake. */
    static final String PREVIEW_RECIPIENT = "recipient@example.invalid";
    private static final Pattern LOCALE = Pattern.compile("^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--template", paramLabel = "NAME", description = "The template: a folder of templates/.")
    String template;

    @Option(names = "--model", paramLabel = "FILE", description = "The template's variables: a JSON object.")
    String modelFile;

    @Option(names = "--locale", paramLabel = "L", description = "The locale, e.g. en-GB or de.")
    String locale;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default preview/NAME).")
    String outDir;

    private final PrintStream out;

    RenderCommand(CliOutput io) {
        this.out = io.out();
    }

    /** The help of {@code render}, as a usage error prints it. */
    static String usage() {
        return RelayCli.usageOf("render");
    }

    @Override
    public Integer call() throws Exception {
        if (template == null || modelFile == null) {
            throw usageError("--template and --model are required");
        }
        if (locale != null && !LOCALE.matcher(locale).matches()) {
            throw usageError("--locale " + locale + " is not a locale such as en-GB or de");
        }
        Map<String, Object> model;
        try {
            model = JSON.readValue(Files.readAllBytes(Path.of(modelFile)), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw usageError("--model " + modelFile + " is not a JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw usageError("--model " + modelFile + " cannot be read: " + e);
        }

        Settings settings = CommandLineSettings.load(Path.of("config", "application.properties"));
        TemplateRenderer renderer = new TemplateRenderer(settings.path(org.outboxrelay.config.SettingsCatalog.TEMPLATES_DIR),
                Duration.ZERO);
        InternetAddress from = SmtpSettings.from(settings).from();
        if (from == null) {
            settings.requireValid(); // names relay.smtp.from; the CLI exits 2
        }
        Path dir = Path.of(outDir != null ? outDir : Path.of("preview", template).toString());

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

    private ParameterException usageError(String problem) {
        return new ParameterException(spec.commandLine(), problem);
    }
}
