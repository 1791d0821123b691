package dev.vigil.inject.core;

import java.util.Locale;

/**
 * Which expressions are worth an event, decided in the JVM: applications evaluate expressions by
 * the thousand (every JSF page, every Spring property), and an injected one is one that reaches
 * past data for code: classes, reflection, processes, scripts, JNDI, or OGNL's guards.
 */
final class Expressions {
    private Expressions() {}

    private static final String[] CODE = {"getclass", "forname", "classloader", "runtime", "processbuilder", "exec(", "invoke(",
            "getmethod", "getdeclared", "newinstance", "scriptengine", "defineclass", "jndi", "lookup(", "t(java.", "newjava.",
            "@java.lang", "#_memberaccess", "#context", "#application", "ognlutil", "java.lang.system", "unsafe", "getruntime"};

    static boolean reachesForCode(String expression) {
        String e = expression.toLowerCase(Locale.ROOT).replace(" ", "");
        for (String c : CODE) {
            if (e.contains(c)) {
                return true;
            }
        }
        return false;
    }
}
