package org.outboxrelay.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.RoutesBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * The routes part of {@code check}: each {@code routes/*.camel.yaml} is loaded by Camel's YAML DSL into a
 * Camel context that is never started - so YAML syntax, unknown EIPs and unknown options are found with their
 * line, and nothing connects anywhere. Across the files: route ids used twice, route configurations named but
 * defined nowhere, and {@code {{relay.*}}} placeholders that get no value.
 */
final class RoutesCheck {

    static final String PATTERN = "*.camel.yaml";
    /** {{key}} without a default ({{key:default}}) or function ({{env:NAME}}). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(relay\\.[^}:]+)}}");

    private final Path home;
    private final Path dir;
    private int fileCount;

    RoutesCheck(Path home, Path dir) {
        this.home = home;
        this.dir = dir;
    }

    /** The route files, in name order. */
    List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PATTERN)) {
                ds.forEach(files::add);
            }
        }
        files.sort(null);
        return files;
    }

    /** The relay.* placeholders the route files use, so that settings only the routes read count as known. */
    Set<String> placeholders() throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        for (Path f : files()) {
            Matcher m = PLACEHOLDER.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                keys.add(m.group(1).strip());
            }
        }
        return keys;
    }

    /**
     * Checks the route files.
     *
     * @param hasValue whether a relay.* placeholder gets a value
     * @param known    the settings the relay knows, for "did you mean"
     */
    List<CheckProblem> check(Predicate<String> hasValue, Set<String> known) throws IOException {
        List<CheckProblem> problems = new ArrayList<>();
        List<Path> files = files();
        fileCount = files.size();
        if (files.isEmpty()) {
            problems.add(CheckProblem.at(CheckProblem.shown(home, dir), "no route files (" + PATTERN + ")"));
            return problems;
        }
        Map<String, String> routeIds = new LinkedHashMap<>(); // id -> where it is defined
        Set<String> configurations = new LinkedHashSet<>();
        List<Runnable> afterAll = new ArrayList<>(); // checks that need every file loaded first
        for (Path file : files) {
            String shown = CheckProblem.shown(home, file);
            placeholders(file, shown, hasValue, known, problems);
            // a context of its own per file: a broken file cannot hide the next one's problems. It is never
            // started (nothing to stop; closing would only print Camel's shutdown lines)
            DefaultCamelContext context = new DefaultCamelContext();
            context.setSourceLocationEnabled(true); // line numbers on the route definitions
            try {
                for (RoutesBuilder builder : PluginHelper.getRoutesLoader(context)
                        .findRoutesBuilders(ResourceHelper.fromBytes("file:" + file, Files.readAllBytes(file)))) {
                    context.addRoutes(builder);
                }
            } catch (Exception e) {
                problems.add(loadFailure(shown, e));
                continue;
            }
            ModelCamelContext model = (ModelCamelContext) context;
            for (RouteConfigurationDefinition c : model.getRouteConfigurationDefinitions()) {
                configurations.add(c.getId());
            }
            for (RouteDefinition route : model.getRouteDefinitions()) {
                int line = Math.max(route.getLineNumber(), 0);
                String where = shown + (line > 0 ? ":" + line : "");
                if (route.hasCustomIdAssigned()) {
                    String first = routeIds.putIfAbsent(route.getId(), where);
                    if (first != null) {
                        problems.add(CheckProblem.at(shown, line, "route id " + route.getId()
                                + " is already used by the route at " + first));
                    }
                }
                String wanted = route.getRouteConfigurationId();
                if (wanted != null) {
                    afterAll.add(() -> {
                        for (String id : wanted.split(",")) {
                            if (!id.isBlank() && !id.contains("*") && !configurations.contains(id.strip())) {
                                problems.add(CheckProblem.at(shown, line, "route " + route.getId()
                                        + " uses routeConfigurationId " + id.strip()
                                        + ", but no route file defines a routeConfiguration with that id"));
                            }
                        }
                    });
                }
            }
        }
        afterAll.forEach(Runnable::run);
        return problems;
    }

    int fileCount() {
        return fileCount;
    }

    private static void placeholders(Path file, String shown, Predicate<String> hasValue, Set<String> known,
            List<CheckProblem> problems) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = PLACEHOLDER.matcher(lines.get(i));
            while (m.find()) {
                String key = m.group(1).strip();
                if (hasValue.test(key)) {
                    continue;
                }
                problems.add(CheckProblem.at(shown, i + 1, known.contains(key)
                        ? "{{" + key + "}} has no value: set " + key + " in config/application.properties"
                        : "{{" + key + "}} is not a setting" + NearestName.among(key, known)
                                .map(n -> " (did you mean " + n + "?)").orElse(", and nothing sets it")));
            }
        }
    }

    /** Camel's reason, at the line its YAML parser marked. */
    private static CheckProblem loadFailure(String shown, Exception e) {
        MarkedYamlEngineException marked = RelayCli.find(e, MarkedYamlEngineException.class);
        if (marked != null) {
            Mark mark = marked.getProblemMark().or(marked::getContextMark).orElse(null);
            String message = marked.getProblem() != null ? marked.getProblem() : marked.getContext();
            if (marked.getContext() != null && marked.getProblem() != null) {
                message = message + " (" + marked.getContext() + ")";
            }
            return CheckProblem.at(shown, mark == null ? 0 : mark.getLine() + 1,
                    (message == null ? "invalid YAML" : message.strip())
                            + (mark == null ? "" : ", column " + (mark.getColumn() + 1)));
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return CheckProblem.at(shown, String.valueOf(root.getMessage()).strip());
    }
}
