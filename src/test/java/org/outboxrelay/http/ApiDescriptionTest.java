package org.outboxrelay.http;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ApiDescriptionTest {

    @Test
    void knowsTheMethodsOfEachPathUnderTheBasePath() {
        ApiDescription d = new ApiDescription();
        assertEquals(Set.of("POST"), d.operations().get("/api/v1/mails"));
        assertEquals(Set.of("POST"), d.operations().get("/api/v1/mails/batch"));
        assertEquals(Set.of("GET"), d.operations().get("/api/v1/mails/{id}"));
        assertEquals(Set.of("GET"), d.operations().get("/api/v1/openapi.json"));
        assertEquals(200, d.reply().status());
    }

    @Test
    void pathTemplatesBecomeVertxPaths() {
        assertEquals("/api/v1/mails/:id", ApiGate.vertxPath("/api/v1/mails/{id}"));
        assertEquals("/a/:x/b/:y", ApiGate.vertxPath("/a/{x}/b/{y}"));
        assertEquals("/api/v1/mails", ApiGate.vertxPath("/api/v1/mails"));
    }
}
