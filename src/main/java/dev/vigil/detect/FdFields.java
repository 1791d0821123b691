package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Falco's {@code fd.*} fields: the file or socket an event acted on. Vigil's socket events carry
 * the local end as {@code sip/sport} and the remote end as {@code dip/dport} (a port scan carries
 * the scanner as {@code sip}); Falco speaks of client and server as well, which depend on who
 * connected: for connect and DNS the process is the client, for accept, bind and listen the server.
 */
final class FdFields {
    private FdFields() {}

    enum End { LOCAL, REMOTE, CLIENT, SERVER }

    private static boolean socket(Map<String, Object> e) {
        return e.get("sa_family") instanceof Number n && (n.intValue() == 2 || n.intValue() == 10);
    }

    /** The process's own end is the server's for these. */
    private static boolean serves(Map<String, Object> e) {
        Object t = e.get("event");
        return "accept".equals(t) || "bind".equals(t) || "listen".equals(t) || "port_scan".equals(t);
    }

    /** Which of sip (true) or dip (false) is the end asked for, or null when the event has no such end. */
    private static Boolean source(Map<String, Object> e, End end) {
        boolean scan = "port_scan".equals(e.get("event"));
        return switch (end) {
            case LOCAL -> !scan;
            case REMOTE -> scan;
            case SERVER -> serves(e) != scan;
            case CLIENT -> serves(e) == scan;
        };
    }

    static Object end(Map<String, Object> e, End end, boolean ip) {
        if (!socket(e)) {
            return null;
        }
        boolean s = source(e, end);
        Object v = e.get(ip ? (s ? "sip" : "dip") : (s ? "sport" : "dport"));
        if (ip) {
            return v instanceof String a && !a.isEmpty() ? new Falco.Address(a) : null;
        }
        return v instanceof Number n && n.longValue() != 0 ? v : null;
    }

    /** Both ends: Falco's fd.ip / fd.port / fd.net match when either end does. */
    static Object both(Map<String, Object> e, boolean ip) {
        if (!socket(e)) {
            return null;
        }
        List<Object> out = new ArrayList<>(2);
        for (End end : new End[] {End.LOCAL, End.REMOTE}) {
            Object v = end(e, end, ip);
            if (v != null) {
                out.add(v);
            }
        }
        return out.isEmpty() ? null : new Falco.AnyOf(out);
    }

    static Object num(Map<String, Object> e) {
        if (e.get("fd") instanceof Number n) {
            return n;
        }
        if (Falco.openLike(e) && e.get("res") instanceof Number res) {
            return res.longValue() < 0 ? -1L : res; // an open's result is its descriptor
        }
        return null;
    }

    static Object name(Map<String, Object> e) {
        if (socket(e)) {
            Object cip = end(e, End.CLIENT, true), sip = end(e, End.SERVER, true);
            Object cport = end(e, End.CLIENT, false), sport = end(e, End.SERVER, false);
            if (cip == null) {
                return sip == null ? null : sip + ":" + sport;
            }
            return cip + ":" + cport + "->" + sip + ":" + sport;
        }
        return Fields.fdPath(e);
    }

    /** The DNS name of one end's address, from the event's sip_name or dip_name (whichever address that end is); null when none. */
    static Object endName(Map<String, Object> e, End which) {
        return socket(e) ? e.get(source(e, which) ? "sip_name" : "dip_name") : null;
    }

    static Object typechar(Map<String, Object> e) {
        Object t = type(e);
        if (t == null) {
            return null;
        }
        return switch (t.toString()) {
            case "ipv4" -> "4";
            case "ipv6" -> "6";
            case "directory" -> "d";
            case "memfd" -> "m";
            default -> "f";
        };
    }

    static Object type(Map<String, Object> e) {
        if (e.get("sa_family") instanceof Number n) {
            return switch (n.intValue()) {
                case 2 -> "ipv4";
                case 10 -> "ipv6";
                case 1 -> "unix";
                default -> null;
            };
        }
        Object t = e.get("event");
        if ("memfd_create".equals(t)) {
            return "memfd";
        }
        if ("rmdir".equals(t) || "rmdir".equals(e.get("action"))
                || Falco.openLike(e) && e.get("flags") instanceof Number f && (f.longValue() & 0200000) != 0) {
            return "directory";
        }
        return Fields.fdPath(e) != null ? "file" : null;
    }

    static Object sockfamily(Map<String, Object> e) {
        Object t = type(e);
        return t == null ? null : switch (t.toString()) {
            case "ipv4", "ipv6" -> "ip";
            case "unix" -> "unix";
            default -> null;
        };
    }

    static Object l4proto(Map<String, Object> e) {
        Object p = e.get("protocol");
        if (p != null) {
            return p;
        }
        return "dns".equals(e.get("event")) ? "udp" : null;
    }

    /** A connect that succeeded or is under way; accepted sockets are connected too. */
    static Object connected(Map<String, Object> e) {
        if (!socket(e)) {
            return null;
        }
        long res = e.get("res") instanceof Number n ? n.longValue() : -1;
        return switch (String.valueOf(e.get("event"))) {
            case "connect" -> res == 0 || res == -115;
            case "accept" -> res >= 0;
            default -> false;
        };
    }
}
