package org.outboxrelay.observe;

import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.model.ThrottleDefinition;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.support.processor.DelegateAsyncProcessor;

/**
 * Measures how long messages wait in the throttle EIP of the routes (outbox_relay_throttle_wait_seconds),
 * without a step in the YAML: Camel wraps every throttle it builds with this timer, also after a live reload.
 */
public class ThrottleWaitTimer implements InterceptStrategy {

    private final RelayMetrics metrics;

    public ThrottleWaitTimer(RelayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target,
            Processor nextTarget) {
        if (!(definition instanceof ThrottleDefinition)) {
            return target;
        }
        return new DelegateAsyncProcessor(target) {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                long start = System.nanoTime();
                return processor.process(exchange, doneSync -> {
                    metrics.throttleWaited(System.nanoTime() - start);
                    callback.done(doneSync);
                });
            }
        };
    }
}
