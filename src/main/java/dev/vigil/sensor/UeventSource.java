package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.Header;
import dev.vigil.event.Text;
import dev.vigil.event.UsbEvent;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * 610 usb_device_event: the kernel's uevent netlink broadcast (NETLINK_KOBJECT_UEVENT, group 1),
 * read through libc with FFM. No BPF program is needed: the kernel already tells every listener.
 * Messages are {@code action@devpath\0KEY=VALUE\0…}; those of the chosen subsystems become events.
 */
final class UeventSource implements AutoCloseable {
    private static final int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000, NETLINK_KOBJECT_UEVENT = 15;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    private static final MethodHandle SOCKET, BIND, RECV, CLOSE, SETSOCKOPT;
    static {
        Linker l = Linker.nativeLinker();
        var libc = l.defaultLookup();
        SOCKET = l.downcallHandle(libc.find("socket").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        BIND = l.downcallHandle(libc.find("bind").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        RECV = l.downcallHandle(libc.find("recv").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        CLOSE = l.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        SETSOCKOPT = l.downcallHandle(libc.find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private final int fd;
    private final Set<String> subsystems;
    private final Consumer<UsbEvent> sink;
    private final Thread reader;
    private volatile boolean closing;

    UeventSource(Set<String> subsystems, Consumer<UsbEvent> sink) {
        this.subsystems = Set.copyOf(subsystems);
        this.sink = sink;
        try (Arena arena = Arena.ofConfined()) {
            int s = (int) SOCKET.invokeExact(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
            if (s < 0) {
                throw new dev.vigil.bpf.NotSupportedException("uevent", "cannot open the uevent netlink socket");
            }
            MemorySegment addr = arena.allocate(12);
            addr.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            addr.set(JAVA_INT, 8, 1); // nl_groups: the kernel's broadcast group
            int rc = (int) BIND.invokeExact(s, addr, 12);
            MemorySegment tv = arena.allocate(16);
            tv.set(JAVA_LONG, 8, 200_000L); // 200 ms, so close() is noticed
            int rc2 = (int) SETSOCKOPT.invokeExact(s, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            if (rc != 0 || rc2 != 0) {
                int ignored = (int) CLOSE.invokeExact(s);
                throw new dev.vigil.bpf.NotSupportedException("uevent", "cannot bind the uevent netlink socket");
            }
            this.fd = s;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new dev.vigil.bpf.NotSupportedException("uevent", t.toString());
        }
        reader = new Thread(this::read, "vigil-uevent");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192);
            while (!closing) {
                long n = (long) RECV.invokeExact(fd, buf, 8192L, 0);
                if (n > 0) {
                    UsbEvent e = parse(buf.asSlice(0, n).toArray(JAVA_BYTE), subsystems);
                    if (e != null) {
                        sink.accept(e);
                    }
                }
            }
        } catch (Throwable t) {
            // the socket is gone; the stream goes on without uevents
        }
    }

    /** One uevent message, or null when it is not of a chosen subsystem (or not a kernel message). */
    static UsbEvent parse(byte[] msg, Set<String> subsystems) {
        Map<String, String> kv = new HashMap<>();
        int start = 0;
        String head = null;
        for (int i = 0; i <= msg.length; i++) {
            if (i == msg.length || msg[i] == 0) {
                String part = Text.decode(msg, start, i - start);
                if (head == null) {
                    head = part;
                } else {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        kv.put(part.substring(0, eq), part.substring(eq + 1));
                    }
                }
                start = i + 1;
            }
        }
        if (head == null || !head.contains("@") || !subsystems.contains(kv.getOrDefault("SUBSYSTEM", ""))) {
            return null;
        }
        String devpath = kv.getOrDefault("DEVPATH", head.substring(head.indexOf('@') + 1));
        Header h = new Header(EventType.USB, BootTime.now(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0, 0, "kernel");
        return new UsbEvent(h, kv.getOrDefault("ACTION", head.substring(0, head.indexOf('@'))), kv.getOrDefault("SUBSYSTEM", ""),
                devpath, sysfs(devpath, "product", kv.getOrDefault("PRODUCT", "")), sysfs(devpath, "manufacturer", ""),
                sysfs(devpath, "serial", ""));
    }

    private static String sysfs(String devpath, String attr, String fallback) {
        try {
            Path p = Path.of("/sys", devpath, attr).normalize();
            if (!p.startsWith("/sys/")) {
                return fallback;
            }
            return Files.readString(p).trim();
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            reader.join(1000);
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // closing anyway
        }
    }
}
