package org.outboxrelay.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The routes part of check: what Camel's YAML DSL refuses, with its line, and what only shows across files. */
class RoutesCheckTest {

    @TempDir
    Path home;

    private Path routes;

    @BeforeEach
    void copyProject() throws Exception {
        CheckFixture.copyProject(home);
        routes = home.resolve("routes");
    }

    /** Every placeholder has a value but these two; the relay knows relay.smtp.username, not the typo. */
    private static final Set<String> NO_VALUE = Set.of("relay.outbox.dri", "relay.smtp.username");

    private List<String> check() throws Exception {
        return new RoutesCheck(home, routes)
                .check(key -> !NO_VALUE.contains(key), Set.of("relay.outbox.dir", "relay.smtp.username"))
                .stream().map(CheckProblem::toString).toList();
    }

    @Test
    void theShippedRoutesHaveNoProblem() throws Exception {
        assertEquals(List.of(), check());
    }

    @Test
    void aYamlSyntaxErrorIsReportedAtItsLine() throws Exception {
        int line = CheckFixture.replace(routes.resolve("outbox.camel.yaml"), "id: outbox-ingest", "id: outbox: ingest");

        assertEquals(List.of("routes/outbox.camel.yaml:" + line + ": mapping values are not allowed here, column 15"),
                check());
    }

    @Test
    void anUnknownOptionIsReportedAtItsLine() throws Exception {
        int line = CheckFixture.replace(routes.resolve("delivery.camel.yaml"), "uri: jms:queue:mail.jobs",
                "uri2: jms:queue:mail.jobs");

        assertEquals(List.of("routes/delivery.camel.yaml:" + line + ": Unsupported field: uri2, column 13"), check());
    }

    @Test
    void aRouteIdUsedTwiceAndAMissingRouteConfiguration() throws Exception {
        Files.writeString(routes.resolve("zz-extra.camel.yaml"), """
                # an integrator's copy of the delivery route
                - route:
                    id: deliver-mail
                    routeConfigurationId: delivery-errros
                    from:
                      uri: direct:extra
                      steps:
                        - log: extra
                """);

        // the line of the shipped delivery route's "- route:", wherever its comments end
        int deliveryLine = Files.readAllLines(routes.resolve("delivery.camel.yaml")).indexOf("- route:") + 1;
        assertEquals(List.of("routes/zz-extra.camel.yaml:2: route id deliver-mail is already used by the route at"
                + " routes/delivery.camel.yaml:" + deliveryLine,
                "routes/zz-extra.camel.yaml:2: route deliver-mail uses routeConfigurationId delivery-errros, but no"
                        + " route file defines a routeConfiguration with that id"), check());
    }

    @Test
    void aPlaceholderWithoutValue() throws Exception {
        int typo = CheckFixture.replace(routes.resolve("outbox.camel.yaml"), "{{relay.outbox.dir}}",
                "{{relay.outbox.dri}}");
        Files.writeString(routes.resolve("zz-extra.camel.yaml"), """
                - route:
                    from:
                      uri: direct:extra
                      steps:
                        - log: "{{relay.smtp.username}} {{relay.outbox.dri:a default is fine}}"
                """);

        assertEquals(List.of("routes/outbox.camel.yaml:" + typo + ": {{relay.outbox.dri}} is not a setting (did you"
                + " mean relay.outbox.dir?)",
                "routes/zz-extra.camel.yaml:5: {{relay.smtp.username}} has no value: set relay.smtp.username in"
                        + " config/application.properties"), check());
    }

    @Test
    void noRouteFilesIsAProblem() throws Exception {
        assertEquals(List.of("nothing-here: no route files (*.camel.yaml)"),
                new RoutesCheck(home, home.resolve("nothing-here")).check(k -> true, Set.of()).stream()
                        .map(CheckProblem::toString).toList());
    }
}
