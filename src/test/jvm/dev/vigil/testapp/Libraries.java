package dev.vigil.testapp;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.MethodDelegation;
import net.bytebuddy.matcher.ElementMatchers;
import ognl.AbstractMemberAccess;
import ognl.Ognl;
import ognl.OgnlContext;
import org.springframework.expression.spel.standard.SpelExpressionParser;

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Member;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.Supplier;

/**
 * The application's uses of libraries found in real ones: Spring's expression language and OGNL
 * evaluating what the request says (the injection), and a ByteBuddy proxy, a class made from bytes
 * as ordinary work, doing the application's I/O (which must stay silent).
 */
final class Libraries {
    private Libraries() {}

    static String spel(String expression) {
        return String.valueOf(new SpelExpressionParser().parseExpression(expression).getValue());
    }

    /** OGNL as a permissive Struts-era application ran it: every member accessible. */
    static String ognl(String expression) throws Exception {
        Object root = new java.util.HashMap<String, Object>();
        OgnlContext context = Ognl.createDefaultContext(root, new AbstractMemberAccess() {
            @Override
            public boolean isAccessible(OgnlContext c, Object target, Member member, String property) {
                return true;
            }
        });
        return String.valueOf(Ognl.getValue(Ognl.parseExpression(expression), context, root));
    }

    /** What the proxy's get() runs: the application's own code, behind a generated class. */
    public static final class Work {
        private final String host;
        private final int port;
        private final File file;

        Work(String host, int port, File file) {
            this.host = host;
            this.port = port;
            this.file = file;
        }

        public Object get() throws Exception {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
            }
            try (OutputStream out = new FileOutputStream(file)) {
                out.write("generated".getBytes());
            }
            return "proxied";
        }
    }

    /** A Supplier made by ByteBuddy (no class file: defined from bytes, as Hibernate's and Mockito's proxies are) delegating to `work`. */
    @SuppressWarnings("unchecked")
    static String throughProxy(Work work) throws Exception {
        Class<?> proxy = new ByteBuddy().subclass(Object.class).implement(Supplier.class)
                .method(ElementMatchers.named("get")).intercept(MethodDelegation.to(work))
                .make().load(Libraries.class.getClassLoader()).getLoaded();
        return String.valueOf(((Supplier<Object>) proxy.getConstructor().newInstance()).get());
    }
}
