package org.outboxrelay.template;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import freemarker.cache.FileTemplateLoader;
import freemarker.core.InvalidReferenceException;
import freemarker.core.ParseException;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import org.apache.camel.ExchangeProperty;
import org.outboxrelay.job.MailJob;
import org.outboxrelay.job.QueuedJob;

/**
 * Renders the subject and bodies of jobs that name a template, with FreeMarker, from
 * {@code relay.templates.dir/<name>/}: {@code subject.ftl}, {@code text.ftl} and {@code html.ftlh}
 * (auto-escaped HTML), each optionally localized ({@code html_de_CH.ftlh}, {@code html_de.ftlh},
 * {@code html.ftlh} for {@code de-CH}). The files are read from disk and checked for changes every
 * {@code relay.templates.update-delay}, so an edit takes effect without a restart.
 * <p>
 * What the job gives itself ({@code subject}, {@code text}, {@code html}) is kept; the template renders the
 * rest. With HTML but no text, the text part is derived from the HTML ({@link HtmlToText}). Anything that would
 * leave a hole - a missing template or part, a value the model does not have, a syntax error - fails with a
 * {@link TemplateFailedException} naming the file, line and expression, never with a half-rendered mail.
 */
public class TemplateRenderer {

    public static final String SUBJECT = "subject.ftl";
    public static final String TEXT = "text.ftl";
    public static final String HTML = "html.ftlh";
    /** A template's own one-click unsubscribe list: one line, the list's name (the job's "unsubscribe" wins). */
    public static final String UNSUBSCRIBE_LIST = "unsubscribe-list";

    /** The schema's rule for template names: one folder name, so nothing outside the templates folder. */
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    private final Path dir;
    private final Duration updateDelay;
    private final HtmlToText htmlToText = new HtmlToText();
    private volatile Configuration configuration;

    public TemplateRenderer(Path dir, Duration updateDelay) {
        this.dir = dir;
        this.updateDelay = updateDelay;
    }

    /**
     * The step of the delivery route: a JSON job that names a template gets its subject and bodies rendered.
     * Raw messages and jobs without a template pass unchanged.
     */
    public void render(@ExchangeProperty("job") QueuedJob job) throws TemplateFailedException {
        MailJob mail = job.getMailJob();
        if (job.isRaw() || mail == null || mail.template() == null) {
            return;
        }
        job.setMailJob(complete(mail));
    }

    /** The job with the subject and bodies its template gives; what the job gives itself is kept. */
    public MailJob complete(MailJob mail) throws TemplateFailedException {
        String name = mail.template();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new TemplateFailedException("template \"" + name + "\": not a template name (letters, digits,"
                    + " '.', '_' and '-', starting with a letter or digit)");
        }
        if (!Files.isDirectory(dir.resolve(name))) {
            throw new TemplateFailedException("template " + name + ": no such template, the folder "
                    + shown(name + "/") + " does not exist");
        }
        checkInside(name);
        Locale locale = localeOf(mail.locale());
        Map<String, Object> model = mail.model();

        String subject = mail.subject();
        if (subject == null) {
            subject = singleLine(renderPart(name, SUBJECT, locale, model));
            if (subject == null) {
                throw new TemplateFailedException("template " + name + ": " + shown(name + "/" + SUBJECT)
                        + " is missing (or give \"subject\" in the job)");
            }
            if (subject.isEmpty()) {
                throw new TemplateFailedException("template " + name + ": " + shown(name + "/" + SUBJECT)
                        + " renders an empty subject");
            }
        }
        String html = mail.html() != null ? mail.html() : renderPart(name, HTML, locale, model);
        String text = mail.text() != null ? mail.text() : renderPart(name, TEXT, locale, model);
        if (text == null && html == null) {
            throw new TemplateFailedException("template " + name + ": has no body, neither "
                    + shown(name + "/" + TEXT) + " nor " + shown(name + "/" + HTML) + " exists");
        }
        if (text == null) {
            text = htmlToText.convert(html);
        }
        MailJob rendered = mail.withContent(subject, text, html);
        return mail.unsubscribe() != null ? rendered : withTemplateList(rendered, name);
    }

    /** A newsletter template may ask for one-click unsubscribe itself, in {@value #UNSUBSCRIBE_LIST}. */
    private MailJob withTemplateList(MailJob mail, String name) throws TemplateFailedException {
        Path file = dir.resolve(name).resolve(UNSUBSCRIBE_LIST);
        if (!Files.isRegularFile(file)) {
            return mail;
        }
        String list;
        try {
            list = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new TemplateFailedException("template " + name + ": cannot read " + shown(name + "/"
                    + UNSUBSCRIBE_LIST) + ": " + e.getMessage());
        }
        if (!NAME.matcher(list).matches()) {
            throw new TemplateFailedException("template " + name + ": " + shown(name + "/" + UNSUBSCRIBE_LIST)
                    + " must hold one list name (letters, digits, '.', '_' and '-'), not \"" + list + "\"");
        }
        return mail.withUnsubscribe(new MailJob.Unsubscribe(list));
    }

    /**
     * A template folder that is a link to somewhere outside the templates folder is refused, the same way each
     * time. (FreeMarker refuses such a file with a SecurityException on the first lookup and remembers the
     * failure as an IOException later; the first one used to escape as an unexpected, transient failure.)
     */
    private void checkInside(String name) throws TemplateFailedException {
        try {
            Path base = dir.toRealPath();
            if (!dir.resolve(name).toRealPath().startsWith(base)) {
                throw new TemplateFailedException("template " + name + ": the folder " + shown(name + "/")
                        + " leads outside " + dir + " (a symbolic link?); templates must be inside it");
            }
        } catch (IOException e) {
            throw new TemplateFailedException("template " + name + ": cannot read the folder " + shown(name + "/")
                    + ": " + e.getMessage(), e);
        }
    }

    /** Whether the template has this part (subject.ftl, text.ftl, html.ftlh) for the locale or a fallback. */
    public boolean hasPart(String name, String part, String locale) {
        try {
            return configuration().getTemplate(name + "/" + part, localeOf(locale), null, true, true) != null;
        } catch (IOException | SecurityException e) {
            return true; // it is there, but broken: rendering says how
        }
    }

    /**
     * Parses one template file (a path under the templates folder, e.g. {@code welcome/html_de.ftlh}) exactly
     * as delivery would, without rendering it: a syntax error is thrown as FreeMarker's {@link ParseException},
     * which has the line and column.
     */
    public void parse(String file) throws IOException {
        configuration().getTemplate(file, Locale.ROOT, null, true, false); // ROOT: this file, no localized variant
    }

    /** One part rendered with the model, or null when the template has no such file (in any locale). */
    private String renderPart(String name, String part, Locale locale, Map<String, Object> model)
            throws TemplateFailedException {
        Template template;
        try {
            template = configuration().getTemplate(name + "/" + part, locale, null, true, true);
        } catch (ParseException e) {
            throw syntaxError(name, e);
        } catch (IOException e) {
            ParseException parse = find(e, ParseException.class);
            if (parse != null) {
                throw syntaxError(name, parse);
            }
            SecurityException outside = find(e, SecurityException.class);
            throw new TemplateFailedException("template " + name + ": cannot read " + shown(name + "/" + part)
                    + ": " + (outside != null ? "it leads outside " + dir + " (a symbolic link?)" : e.getMessage()), e);
        } catch (SecurityException e) {
            // a file of the template that links out of the templates folder (FreeMarker's FileTemplateLoader)
            throw new TemplateFailedException("template " + name + ": cannot read " + shown(name + "/" + part)
                    + ": it leads outside " + dir + " (a symbolic link?)", e);
        }
        if (template == null) {
            return null;
        }
        StringWriter out = new StringWriter();
        try {
            template.process(model, out);
        } catch (TemplateException e) {
            throw renderError(name, e);
        } catch (IOException e) {
            throw new TemplateFailedException("template " + name + ": " + shown(template.getSourceName())
                    + ": " + e.getMessage(), e);
        }
        return out.toString();
    }

    private TemplateFailedException syntaxError(String name, ParseException e) {
        String file = e.getTemplateName() != null ? shown(e.getTemplateName()) : shown(name);
        return new TemplateFailedException("template " + name + ": " + file + ", line " + e.getLineNumber()
                + ", column " + e.getColumnNumber() + ": syntax error: " + oneLine(e.getEditorMessage()), e);
    }

    private TemplateFailedException renderError(String name, TemplateException e) {
        // a syntax error in an included or imported file surfaces as a failed inclusion
        ParseException parse = find(e, ParseException.class);
        if (parse != null) {
            return syntaxError(name, parse);
        }
        String where = (e.getTemplateSourceName() != null ? shown(e.getTemplateSourceName()) : shown(name))
                + (e.getLineNumber() != null ? ", line " + e.getLineNumber() + ", column " + e.getColumnNumber() : "");
        String what;
        if (e instanceof InvalidReferenceException && e.getBlamedExpressionString() != null) {
            what = "the model has no value for " + e.getBlamedExpressionString()
                    + " (give it in the model, or a default in the template: ${" + e.getBlamedExpressionString()
                    + "!\"...\"})";
        } else {
            what = oneLine(e.getMessageWithoutStackTop());
        }
        return new TemplateFailedException("template " + name + ": " + where + ": " + what, e);
    }

    /** FreeMarker's explanation up to its tips, on one line. */
    private static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String text = message;
        for (String noise : new String[] {"\n----", "\nThe name was interpreted by"}) {
            int cut = text.indexOf(noise);
            text = cut >= 0 ? text.substring(0, cut) : text;
        }
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** Subject text: one line (a line break would break the header), trimmed. Null stays null. */
    private static String singleLine(String rendered) {
        return rendered == null ? null : rendered.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** A template file as the integrator knows it: under the templates folder as configured. */
    private String shown(String templateName) {
        return dir.resolve(templateName).toString() + (templateName.endsWith("/") ? "/" : "");
    }

    /**
     * The job's locale ("en-GB", "en_GB", "de") as FreeMarker looks templates up (html_en_GB.ftlh,
     * html_en.ftlh, html.ftlh). No locale: the base files, with neutral formatting.
     */
    public static Locale localeOf(String tag) {
        if (tag == null || tag.isBlank()) {
            return Locale.ROOT;
        }
        Locale parsed = Locale.forLanguageTag(tag.strip().replace('_', '-'));
        // the script (zh-Hant-TW) is not part of FreeMarker's file names; language, country and variant are
        return new Locale(parsed.getLanguage(), parsed.getCountry(), parsed.getVariant());
    }

    /** Created on first use, so that a templates folder created after the start is found. */
    private Configuration configuration() throws IOException {
        Configuration c = configuration;
        if (c == null) {
            synchronized (this) {
                c = configuration;
                if (c == null) {
                    c = newConfiguration();
                    configuration = c;
                }
            }
        }
        return c;
    }

    private Configuration newConfiguration() throws IOException {
        // 2.3.34 defaults: .ftlh files are auto-escaped HTML, .ftl files plain text
        Configuration c = new Configuration(Configuration.VERSION_2_3_34);
        // refuses names and links that lead outside the folder
        c.setTemplateLoader(new FileTemplateLoader(dir.toFile()));
        c.setDefaultEncoding("UTF-8");
        c.setOutputEncoding("UTF-8");
        c.setLocalizedLookup(true);
        c.setTemplateUpdateDelayMilliseconds(updateDelay.toMillis());
        // a problem fails the job; it is reported through the job's failure, not logged by FreeMarker
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setWrapUncheckedExceptions(true);
        c.setFallbackOnNullLoopVariable(false);
        c.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        c.setAPIBuiltinEnabled(false);
        // numbers as written (order 4711, not 4,711); templates format on purpose: ${price?string.currency}
        c.setNumberFormat("computer");
        return c;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
