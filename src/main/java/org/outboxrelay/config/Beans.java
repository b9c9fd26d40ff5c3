package org.outboxrelay.config;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the relay's configurations hand their beans to each other and to the routes: through Camel's registry, by
 * name. A configuration that needs a bean of an earlier one gets it here, or a clear error naming the missing
 * bean (a configuration registered out of order).
 */
public final class Beans {

    private static final Logger LOG = LoggerFactory.getLogger(Beans.class);

    private Beans() {
    }

    public static <T> T get(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("bean " + name + " (" + type.getSimpleName() + ") is not bound: the"
                    + " configuration that binds it must come first in RelayApplication.configure");
        }
        return bean;
    }

    public static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }

    /** Starts a service at once and lets Camel stop it when the relay stops. */
    public static void startNow(CamelContext context, Object service) throws Exception {
        ServiceHelper.startService(service);
        context.addService(service, true);
    }

    /** Closes a resource when Camel stops. */
    public static void closeOnStop(CamelContext context, String what, Runnable close) throws Exception {
        context.addService(new Closer(what, close), true);
    }

    private static final class Closer extends ServiceSupport {
        private final String what;
        private final Runnable close;

        Closer(String what, Runnable close) {
            this.what = what;
            this.close = close;
        }

        @Override
        protected void doStop() {
            LOG.debug("Closing {}", what);
            close.run();
        }
    }
}
