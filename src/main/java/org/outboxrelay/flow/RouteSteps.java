package org.outboxrelay.flow;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.support.ExpressionAdapter;

/**
 * Named steps for the routes: a processor ({@code process: ref: NAME}), an expression or a predicate ({@code ref:
 * NAME} in {@code setProperty}, {@code setBody}, {@code split}, {@code filter}), each one typed call of a relay
 * bean's method, bound in Camel's registry under the name the route YAML uses ({@code jobLedger.admit}: that
 * bean, that method).
 *
 * <p>Why not {@code bean:} and {@code method:}: Camel binds a bean method by reflection at every call, and a
 * {@code method:} expression first copies the whole exchange and then copies its properties back
 * ({@code BeanExpression.invokeBean}), on every job (README, Performance, has the figures). The beans' methods
 * stay as they are: their unit tests call them, and routes off the delivery path still use them with
 * {@code bean:}.
 */
public final class RouteSteps {

    /** A value computed from the exchange, for {@code setProperty}, {@code setBody} or {@code split}. */
    @FunctionalInterface
    public interface Value {
        Object of(Exchange exchange) throws Exception;
    }

    /** A condition on the exchange, for {@code filter} or {@code choice}. */
    @FunctionalInterface
    public interface Condition {
        boolean holds(Exchange exchange) throws Exception;
    }

    private final CamelContext context;

    public RouteSteps(CamelContext context) {
        this.context = context;
    }

    /** Binds a step for {@code process: ref: NAME}. Its exceptions reach the route's error handler as thrown. */
    public RouteSteps step(String name, Processor step) {
        context.getRegistry().bind(name, Processor.class, new NamedStep(name, step));
        return this;
    }

    /**
     * Binds a value for {@code ref: NAME}. A value or condition that fails leaves its exception, as thrown, on the
     * exchange, for the route's error handler: as a {@code method:} expression does, so that {@code onException}
     * and the beans that read the exception caught see the bean's own exception, not a wrapper.
     */
    public RouteSteps value(String name, Value value) {
        context.getRegistry().bind(name, Expression.class, new NamedValue(name, value));
        return this;
    }

    /** Binds a condition for {@code ref: NAME} in a filter or a choice. */
    public RouteSteps condition(String name, Condition condition) {
        context.getRegistry().bind(name, Predicate.class, new NamedCondition(name, condition));
        return this;
    }

    /** The name in Camel's route dumps, logs and error messages. */
    private record NamedStep(String name, Processor step) implements Processor {
        @Override
        public void process(Exchange exchange) throws Exception {
            step.process(exchange);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Camel's ExpressionAdapter converts the value to the type asked for. */
    private static final class NamedValue extends ExpressionAdapter {
        private final String name;
        private final Value value;

        NamedValue(String name, Value value) {
            this.name = name;
            this.value = value;
        }

        @Override
        public Object evaluate(Exchange exchange) {
            try {
                return value.of(exchange);
            } catch (Exception e) {
                exchange.setException(e);
                return null;
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private record NamedCondition(String name, Condition condition) implements Predicate {
        @Override
        public boolean matches(Exchange exchange) {
            try {
                return condition.holds(exchange);
            } catch (Exception e) {
                exchange.setException(e);
                return false;
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
