package dev.vigil.inject.core;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which request each thread is serving. A request hook (a servlet's service, the JDK server's
 * filter chain) notes the request object; the details (method, URL, peer, handler) are read only when
 * an event needs them, and only while the hooked frame is still on the thread's stack: a thread
 * back in its pool serves no request, whatever it served last.
 */
final class Requests {
    private Requests() {}

    private static final class Current {
        final Object request;
        Object self;
        final Hook hook;

        Current(Object request, Object self, Hook hook) {
            this.request = request;
            this.self = self;
            this.hook = hook;
        }
    }

    private static final ThreadLocal<Current> current = new ThreadLocal<Current>();

    static void enter(Hook hook, Object self, Object request) {
        Current c = current.get();
        if (c == null || c.request != request) {
            current.set(new Current(request, self, hook));
        } else if (hook.op.equals("servlet") && !c.hook.op.equals("servlet")) {
            c.self = self; // the servlet the filter chain reached: the handler; the chain's frame stays the request's
        }
    }

    /** The request this stack serves, as a JSON object, or null. */
    static String describe(StackTraceElement[] stack) {
        Current c = current.get();
        if (c == null || !onStack(c.hook, stack)) {
            return null;
        }
        Json j = new Json();
        if (!c.hook.op.equals("httpserver")) {
            j.field("method", text(call(c.request, "getMethod")));
            String uri = text(call(c.request, "getRequestURI")), query = text(call(c.request, "getQueryString"));
            j.field("url", query == null ? uri : uri + "?" + query);
            j.field("remote", text(call(c.request, "getRemoteAddr")) + ":" + text(call(c.request, "getRemotePort")));
            j.field("handler", c.self == null || c.self.getClass().getName().startsWith("org.apache.catalina.") ? null : c.self.getClass().getName());
        } else {
            j.field("method", text(call(c.request, "getRequestMethod")));
            j.field("url", text(call(c.request, "getRequestURI")));
            Object remote = call(c.request, "getRemoteAddress");
            if (remote instanceof java.net.InetSocketAddress) {
                java.net.InetSocketAddress a = (java.net.InetSocketAddress) remote;
                j.field("remote", (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort());
            }
            Object handler = call(call(c.request, "getHttpContext"), "getHandler");
            j.field("handler", handler == null ? null : handler.getClass().getName());
        }
        return j.toString();
    }

    private static boolean onStack(Hook hook, StackTraceElement[] stack) {
        String owner = hook.dotted();
        for (StackTraceElement f : stack) {
            if (f.getMethodName().equals(hook.method) && f.getClassName().equals(owner)) {
                return true;
            }
        }
        return false;
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static final ConcurrentHashMap<String, Method> methods = new ConcurrentHashMap<String, Method>();

    /** o.name() through a public type that declares it (the object's own class may be a container's private one). */
    static Object call(Object o, String name) {
        if (o == null) {
            return null;
        }
        String key = o.getClass().getName() + "#" + name;
        Method m = methods.get(key);
        if (m == null) {
            m = find(o.getClass(), name);
            if (m == null) {
                return null;
            }
            methods.put(key, m);
        }
        try {
            return m.invoke(o);
        } catch (Exception e) {
            return null;
        }
    }

    private static Method find(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (Modifier.isPublic(k.getModifiers())) {
                try {
                    return k.getMethod(name);
                } catch (NoSuchMethodException e) {
                    // a superclass or interface may have it
                }
            }
            for (Class<?> i : k.getInterfaces()) {
                Method m = find(i, name);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }
}
