package dev.vigil.store;

import dev.vigil.event.FieldSink;
import dev.vigil.event.PidTree;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the store's rows need of an event beyond its JSON: the events row's columns, the exit's
 * code, and an exec's process row. Taken as the writer renders the event's fields (one pass), or
 * from an event's map; reused for every event by the writer's thread. A number absent is -1.
 */
final class Columns implements FieldSink {
    long ts, pid, res, startTime, ppid, uid, sid, exitCode;
    String host, type, execId, parentExecId, exe, comm, username, tty;
    List<String> args;

    Columns reset() {
        ts = pid = res = startTime = ppid = uid = sid = exitCode = -1;
        host = type = execId = parentExecId = exe = comm = username = tty = null;
        args = null;
        return this;
    }

    @Override
    public void field(String name, long value) {
        switch (name) {
            case "ts" -> ts = value;
            case "pid" -> pid = value;
            case "res" -> res = value;
            case "start_time" -> startTime = value;
            case "ppid" -> ppid = value;
            case "uid" -> uid = value;
            case "sid" -> sid = value;
            case "exit_code" -> exitCode = value;
            default -> { }
        }
    }

    @Override
    public void field(String name, String value) {
        switch (name) {
            case "nodename" -> host = value;
            case "event" -> type = value;
            case "exec_id" -> execId = value;
            case "parent_exec_id" -> parentExecId = value;
            case "exe" -> exe = value;
            case "comm" -> comm = value;
            case "username" -> username = value;
            case "tty" -> tty = value;
            default -> { }
        }
    }

    @Override
    public void field(String name, List<String> values) {
        if (name.equals("args")) {
            args = values;
        }
    }

    @Override
    public void field(String name, boolean value) {
        // no column holds a flag
    }

    @Override
    public void rendered(String name, java.util.function.Supplier<String> value) {
        // no column holds a rendering of other fields
    }

    @Override
    public void ancestry(PidTree tree) {
        // the process rows' lineage comes from exec_id and parent_exec_id
    }

    /** The columns of an event known as its fields. */
    Columns of(Map<String, Object> f) {
        reset();
        f.forEach((name, v) -> {
            switch (v) {
                case Number n -> field(name, n.longValue());
                case String s -> field(name, s);
                case List<?> l -> {
                    List<String> text = new ArrayList<>(l.size());
                    l.forEach(x -> text.add(String.valueOf(x)));
                    field(name, text);
                }
                default -> { }
            }
        });
        if (host == null) {
            host = String.valueOf(f.get("nodename"));
        }
        if (type == null) {
            type = String.valueOf(f.get("event"));
        }
        return this;
    }
}
