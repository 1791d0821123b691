package dev.vigil.testapp;

import jakarta.servlet.Filter;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ValveBase;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;

/**
 * The tests' application in embedded Tomcat: a command injection and an EL injection in a servlet, and two ways memory
 * web shells install: a filter whose class is defined from bytes (no class file) and added to the
 * running context through Catalina's internals, and a valve added from a request. Prints "ready PORT".
 */
public final class TomcatApp {
    private TomcatApp() {}

    public static void main(String[] args) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(new File(args[1], "tomcat").getAbsolutePath());
        tomcat.setPort(Integer.parseInt(args[0]));
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context ctx = tomcat.addContext("", new File(args[1]).getAbsolutePath());
        Tomcat.addServlet(ctx, "app", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String answer;
                try {
                    answer = switch (req.getRequestURI()) {
                        case "/exec" -> "exit " + Runtime.getRuntime().exec(new String[] {"sh", "-c", req.getParameter("cmd")}).waitFor();
                        case "/inject-filter" -> injectFilter(req.getServletContext());
                        case "/inject-valve" -> injectValve(req.getServletContext());
                        case "/el" -> String.valueOf((Object) new jakarta.el.ELProcessor().eval(req.getParameter("expr")));
                        default -> "hello";
                    };
                } catch (Exception e) {
                    answer = e.toString();
                }
                resp.getWriter().print(answer);
            }
        });
        ctx.addServletMappingDecoded("/*", "app");
        tomcat.start();
        System.out.println("ready " + tomcat.getConnector().getLocalPort());
        System.out.flush();
        tomcat.getServer().await();
    }

    /** The running context behind the servlet API's facade (ApplicationContextFacade.context.context), as memory shells reach it. */
    private static StandardContext running(ServletContext facade) throws ReflectiveOperationException {
        Field appContext = facade.getClass().getDeclaredField("context");
        appContext.setAccessible(true);
        Object app = appContext.get(facade);
        Field standard = app.getClass().getDeclaredField("context");
        standard.setAccessible(true);
        return (StandardContext) standard.get(app);
    }

    private static String injectFilter(ServletContext facade) throws Exception {
        byte[] bytes;
        try (InputStream in = TomcatApp.class.getResourceAsStream("MemoryFilter.class")) {
            bytes = in.readAllBytes();
        }
        Class<?> c = new ClassLoader(TomcatApp.class.getClassLoader()) {
            Class<?> define() {
                return defineClass(MemoryFilter.class.getName(), bytes, 0, bytes.length);
            }
        }.define();
        StandardContext ctx = running(facade);
        FilterDef def = new FilterDef();
        def.setFilterName("vigil-memory-filter");
        def.setFilter((Filter) c.getDeclaredConstructor().newInstance());
        def.setFilterClass(c.getName());
        ctx.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("vigil-memory-filter");
        map.addURLPattern("/*");
        ctx.addFilterMapBefore(map);
        ctx.filterStart();
        return "filter";
    }

    private static String injectValve(ServletContext facade) throws Exception {
        running(facade).getPipeline().addValve(new ValveBase() {
            @Override
            public void invoke(Request request, Response response) throws IOException, jakarta.servlet.ServletException {
                getNext().invoke(request, response);
            }
        });
        return "valve";
    }
}
