package org.outboxrelay.http;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/**
 * The Vert.x of the relay's HTTP servers, with HTTP/2 over clear text (h2c) turned off in every server it creates.
 * Vert.x answers an {@code Upgrade: h2c} request on plain HTTP by switching the connection to HTTP/2, and its
 * switch (Vert.x 4.5.24) now and then put body bytes of a large answer outside the HTTP/2 framing: Java's
 * {@code HttpClient}, which asks for the upgrade by default, failed on about 1 in 100 fetches of the 56 KB OpenAPI
 * description. camel-platform-http-vertx builds its server options itself with no setting for h2c, but it takes
 * the Vert.x it finds in the registry: this one. Clients get HTTP/1.1 on plain HTTP; over TLS nothing changes
 * (no ALPN, so HTTP/1.1 as before). Vert.x's own internals (a context's {@code owner()}) still see the real
 * instance: a server created through them would not go through this wrapper; neither Camel nor the relay does so.
 */
public final class Http1OnlyVertx {

    private Http1OnlyVertx() {
    }

    /** {@code vertx}, except that every HTTP server it creates refuses the h2c upgrade. */
    public static Vertx wrap(Vertx vertx) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = vertx.getClass(); c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (Modifier.isPublic(i.getModifiers())) {
                    interfaces.add(i);
                }
            }
        }
        interfaces.add(Vertx.class);
        // all the interfaces of the real one (VertxInternal among them): Vert.x casts to them in places
        return (Vertx) Proxy.newProxyInstance(Http1OnlyVertx.class.getClassLoader(), interfaces.toArray(Class<?>[]::new),
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "equals" -> {
                            if (args != null && args.length == 1 && method.getParameterTypes()[0] == Object.class) {
                                return proxy == args[0];
                            }
                        }
                        case "hashCode" -> {
                            if (args == null) {
                                return System.identityHashCode(proxy);
                            }
                        }
                        case "toString" -> {
                            if (args == null) {
                                return "Http1OnlyVertx(" + vertx + ")";
                            }
                        }
                        default -> {
                        }
                    }
                    if (method.getName().equals("createHttpServer") && args != null && args.length == 1
                            && args[0] instanceof HttpServerOptions options) {
                        args = new Object[] {withoutH2c(options)};
                    } else if (method.getName().equals("createHttpServer") && (args == null || args.length == 0)) {
                        return vertx.createHttpServer(withoutH2c(new HttpServerOptions()));
                    }
                    try {
                        Object result = method.invoke(vertx, args);
                        return result == vertx ? proxy : result; // fluent calls stay on the wrapper
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A copy of {@code options} with the h2c upgrade off; the caller's options are left as they were. */
    static HttpServerOptions withoutH2c(HttpServerOptions options) {
        return new HttpServerOptions(options).setHttp2ClearTextEnabled(false);
    }
}
