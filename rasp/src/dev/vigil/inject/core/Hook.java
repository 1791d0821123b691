package dev.vigil.inject.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One hooked method: the class and method the hook's call is inserted into, at its first
 * instruction, and the event type it reports as (Vigil's catalogue names them: jvm_process…). Every
 * route to an operation the JDK offers ends in one of these methods on every JDK from 16 to 25, so a hook on
 * them sees Runtime.exec, ProcessBuilder and anything else that starts a process alike.
 * {@code request} hooks report nothing: they say which request a thread is serving.
 */
final class Hook {
    final int id;
    final String event;
    final String owner;
    final String method;
    final String desc;
    /** What the call does, where the event type has several (read, write, load, loadLibrary…). */
    final String op;

    private Hook(int id, String event, String owner, String method, String desc, String op) {
        this.id = id;
        this.event = event;
        this.owner = owner;
        this.method = method;
        this.desc = desc;
        this.op = op;
    }

    static final String REQUEST = "request";

    static final List<Hook> ALL;
    static {
        List<Hook> h = new ArrayList<Hook>();
        h.add(new Hook(h.size(), "jvm_process", "java/lang/ProcessImpl", "start",
                "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;", "start"));
        h.add(new Hook(h.size(), "jvm_jndi", "javax/naming/InitialContext", "lookup", "(Ljava/lang/String;)Ljava/lang/Object;", "lookup"));
        h.add(new Hook(h.size(), "jvm_jndi", "javax/naming/InitialContext", "lookup", "(Ljavax/naming/Name;)Ljava/lang/Object;", "lookup"));
        // a URL context reached without InitialContext (NamingManager.getURLContext, a library's own lookup)
        h.add(new Hook(h.size(), "jvm_jndi", "com/sun/jndi/toolkit/url/GenericURLContext", "lookup", "(Ljava/lang/String;)Ljava/lang/Object;", "lookup"));
        h.add(new Hook(h.size(), "jvm_deserialize", "java/io/ObjectInputStream", "resolveClass", "(Ljava/io/ObjectStreamClass;)Ljava/lang/Class;", "resolve"));
        h.add(new Hook(h.size(), "jvm_native_load", "java/lang/Runtime", "load0", "(Ljava/lang/Class;Ljava/lang/String;)V", "load"));
        h.add(new Hook(h.size(), "jvm_native_load", "java/lang/Runtime", "loadLibrary0", "(Ljava/lang/Class;Ljava/lang/String;)V", "loadLibrary"));
        h.add(new Hook(h.size(), "jvm_define_class", "java/lang/ClassLoader", "defineClass",
                "(Ljava/lang/String;[BIILjava/security/ProtectionDomain;)Ljava/lang/Class;", "define"));
        h.add(new Hook(h.size(), "jvm_define_class", "java/lang/ClassLoader", "defineClass",
                "(Ljava/lang/String;Ljava/nio/ByteBuffer;Ljava/security/ProtectionDomain;)Ljava/lang/Class;", "define"));
        h.add(new Hook(h.size(), "jvm_define_class", "java/lang/invoke/MethodHandles$Lookup", "defineClass", "([B)Ljava/lang/Class;", "lookup_define"));
        h.add(new Hook(h.size(), "jvm_define_class", "java/lang/invoke/MethodHandles$Lookup", "defineHiddenClass",
                "([BZ[Ljava/lang/invoke/MethodHandles$Lookup$ClassOption;)Ljava/lang/invoke/MethodHandles$Lookup;", "hidden"));
        h.add(new Hook(h.size(), "jvm_connect", "java/net/Socket", "connect", "(Ljava/net/SocketAddress;I)V", "connect"));
        h.add(new Hook(h.size(), "jvm_connect", "sun/nio/ch/SocketChannelImpl", "connect", "(Ljava/net/SocketAddress;)Z", "connect"));
        h.add(new Hook(h.size(), "jvm_file", "java/io/FileInputStream", "open", "(Ljava/lang/String;)V", "read"));
        h.add(new Hook(h.size(), "jvm_file", "java/io/FileOutputStream", "open", "(Ljava/lang/String;Z)V", "write"));
        h.add(new Hook(h.size(), "jvm_file", "java/io/RandomAccessFile", "open", "(Ljava/lang/String;I)V", "open"));
        h.add(new Hook(h.size(), "jvm_file", "sun/nio/fs/UnixFileSystemProvider", "newByteChannel",
                "(Ljava/nio/file/Path;Ljava/util/Set;[Ljava/nio/file/attribute/FileAttribute;)Ljava/nio/channels/SeekableByteChannel;", "open"));
        h.add(new Hook(h.size(), "jvm_file", "sun/nio/fs/UnixFileSystemProvider", "newFileChannel",
                "(Ljava/nio/file/Path;Ljava/util/Set;[Ljava/nio/file/attribute/FileAttribute;)Ljava/nio/channels/FileChannel;", "open"));
        h.add(new Hook(h.size(), "jvm_file", "sun/nio/fs/UnixFileSystemProvider", "implDelete", "(Ljava/nio/file/Path;Z)Z", "delete"));
        h.add(new Hook(h.size(), "jvm_file", "sun/nio/fs/UnixFileSystemProvider", "move",
                "(Ljava/nio/file/Path;Ljava/nio/file/Path;[Ljava/nio/file/CopyOption;)V", "rename"));
        // an expression language compiling an expression: Jakarta/Java EE EL (Tomcat's, also behind JSF and JSP), SpEL, OGNL
        h.add(new Hook(h.size(), "jvm_expression", "org/apache/el/ExpressionFactoryImpl", "createValueExpression",
                "(Ljakarta/el/ELContext;Ljava/lang/String;Ljava/lang/Class;)Ljakarta/el/ValueExpression;", "el"));
        h.add(new Hook(h.size(), "jvm_expression", "org/apache/el/ExpressionFactoryImpl", "createMethodExpression",
                "(Ljakarta/el/ELContext;Ljava/lang/String;Ljava/lang/Class;[Ljava/lang/Class;)Ljakarta/el/MethodExpression;", "el"));
        h.add(new Hook(h.size(), "jvm_expression", "org/apache/el/ExpressionFactoryImpl", "createValueExpression",
                "(Ljavax/el/ELContext;Ljava/lang/String;Ljava/lang/Class;)Ljavax/el/ValueExpression;", "el"));
        h.add(new Hook(h.size(), "jvm_expression", "org/springframework/expression/spel/standard/SpelExpressionParser", "doParseExpression",
                "(Ljava/lang/String;Lorg/springframework/expression/ParserContext;)Lorg/springframework/expression/spel/standard/SpelExpression;", "spel"));
        h.add(new Hook(h.size(), "jvm_expression", "ognl/Ognl", "parseExpression", "(Ljava/lang/String;)Ljava/lang/Object;", "ognl"));
        // a filter, servlet, listener or valve that joins a running web application: how memory web shells install
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addFilterDef",
                "(Lorg/apache/tomcat/util/descriptor/web/FilterDef;)V", "filter"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addFilterMapBefore",
                "(Lorg/apache/tomcat/util/descriptor/web/FilterMap;)V", "filter_mapping"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addFilterMap",
                "(Lorg/apache/tomcat/util/descriptor/web/FilterMap;)V", "filter_mapping"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addChild", "(Lorg/apache/catalina/Container;)V", "servlet"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addServletMappingDecoded",
                "(Ljava/lang/String;Ljava/lang/String;Z)V", "servlet_mapping"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardContext", "addApplicationEventListener",
                "(Ljava/lang/Object;)V", "listener"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/apache/catalina/core/StandardPipeline", "addValve", "(Lorg/apache/catalina/Valve;)V", "valve"));
        h.add(new Hook(h.size(), "jvm_web_component", "org/springframework/web/servlet/handler/AbstractHandlerMethodMapping$MappingRegistry",
                "register", "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/reflect/Method;)V", "controller"));
        // Tomcat's filter chain runs before the servlet: a filter's work (a memory shell's) is in the request too
        h.add(new Hook(h.size(), REQUEST, "org/apache/catalina/core/ApplicationFilterChain", "doFilter",
                "(Ljakarta/servlet/ServletRequest;Ljakarta/servlet/ServletResponse;)V", "filter_chain"));
        h.add(new Hook(h.size(), REQUEST, "org/apache/catalina/core/ApplicationFilterChain", "doFilter",
                "(Ljavax/servlet/ServletRequest;Ljavax/servlet/ServletResponse;)V", "filter_chain"));
        h.add(new Hook(h.size(), REQUEST, "javax/servlet/http/HttpServlet", "service",
                "(Ljavax/servlet/ServletRequest;Ljavax/servlet/ServletResponse;)V", "servlet"));
        h.add(new Hook(h.size(), REQUEST, "jakarta/servlet/http/HttpServlet", "service",
                "(Ljakarta/servlet/ServletRequest;Ljakarta/servlet/ServletResponse;)V", "servlet"));
        h.add(new Hook(h.size(), REQUEST, "com/sun/net/httpserver/Filter$Chain", "doFilter", "(Lcom/sun/net/httpserver/HttpExchange;)V", "httpserver"));
        ALL = Collections.unmodifiableList(h);
    }

    /** The event types the RASP can report. */
    static Set<String> events() {
        Set<String> out = new HashSet<String>();
        for (Hook h : ALL) {
            if (!h.event.equals(REQUEST)) {
                out.add(h.event);
            }
        }
        return out;
    }

    static final String DEFINE = "jvm_define_class";

    /**
     * The hooks for these event types, and with any of them the request hooks, which give events
     * their request, and the class definition hooks, which tell a stack's in-memory classes.
     */
    static List<Hook> forEvents(Set<String> events) {
        List<Hook> out = new ArrayList<Hook>();
        for (Hook h : ALL) {
            if (events.contains(h.event) || (h.event.equals(REQUEST) || h.event.equals(DEFINE)) && !events.isEmpty()) {
                out.add(h);
            }
        }
        return out;
    }

    String dotted() {
        return owner.replace('/', '.');
    }
}
