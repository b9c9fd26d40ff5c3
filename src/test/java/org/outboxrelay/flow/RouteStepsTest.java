package org.outboxrelay.flow;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The named steps as the routes reach them: through Camel's registry and its ref language. */
class RouteStepsTest {

    private CamelContext context;
    private RouteSteps steps;

    @BeforeEach
    void start() {
        context = new DefaultCamelContext();
        context.start();
        steps = new RouteSteps(context);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private Exchange exchange() {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty("job", "job-1");
        return exchange;
    }

    private Expression ref(String name) {
        return context.resolveLanguage("ref").createExpression(name);
    }

    @Test
    void aValueSeesTheExchangeItselfNotACopy() {
        AtomicReference<Exchange> seen = new AtomicReference<>();
        steps.value("jobs.idOf", e -> {
            seen.set(e);
            e.setProperty("touched", true);
            return e.getProperty("job", String.class) + "!";
        });
        Exchange exchange = exchange();

        assertEquals("job-1!", ref("jobs.idOf").evaluate(exchange, Object.class));
        assertSame(exchange, seen.get());
        assertEquals(Boolean.TRUE, exchange.getProperty("touched"));
    }

    @Test
    void aValueIsConvertedToTheTypeAsked() {
        steps.value("jobs.count", e -> 42);

        assertEquals("42", ref("jobs.count").evaluate(exchange(), String.class));
    }

    @Test
    void aConditionServesAFilterThroughTheRefLanguage() {
        steps.condition("jobs.first", e -> "job-1".equals(e.getProperty("job")));
        Predicate first = context.resolveLanguage("ref").createPredicate("jobs.first");

        assertTrue(first.matches(exchange()));
        Exchange other = exchange();
        other.setProperty("job", "job-2");
        assertFalse(first.matches(other));
    }

    @Test
    void aStepRunsOnTheExchangeAndKeepsItsName() throws Exception {
        steps.step("jobs.mark", e -> e.setProperty("marked", e.getProperty("job")));
        Processor mark = context.getRegistry().lookupByNameAndType("jobs.mark", Processor.class);
        Exchange exchange = exchange();

        mark.process(exchange);

        assertEquals("job-1", exchange.getProperty("marked"));
        assertEquals("jobs.mark", mark.toString());
    }

    @Test
    void aFailingValueOrConditionLeavesItsOwnExceptionOnTheExchangeAsAMethodExpressionDoes() {
        IOException io = new IOException("disk gone");
        steps.value("jobs.read", e -> {
            throw io;
        });
        IllegalStateException state = new IllegalStateException("no job");
        steps.condition("jobs.check", e -> {
            throw state;
        });

        Exchange reading = exchange();
        assertNull(ref("jobs.read").evaluate(reading, Object.class));
        assertSame(io, reading.getException());
        Exchange checking = exchange();
        assertFalse(context.resolveLanguage("ref").createPredicate("jobs.check").matches(checking));
        assertSame(state, checking.getException());
    }
}
