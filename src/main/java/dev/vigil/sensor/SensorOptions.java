package dev.vigil.sensor;

import dev.vigil.event.EventType;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@link Sensor} collects.
 *
 * @param hooks         hooks to switch on
 * @param argvMax       argv bytes kept per exec (longer ones are cut and flagged argv_truncated)
 * @param watchPaths    files and directories whose opens become file_read/file_write events
 * @param scanThreshold distinct ports from one source within scanWindowMs that make a port_scan event
 * @param scanWindowMs  the port-scan window
 * @param usbSubsystems uevent subsystems reported as usb_device_event ("usb")
 * @param rawSyscalls   allow programs on raw_syscalls (every syscall) where a hook has no cheaper route here
 * @param tamperLog     keep the last tamper record pinned in bpffs, for the next start to report (the agent, not tools)
 * @param envMax        environment bytes kept per exec (0: none; longer ones are cut and flagged env_truncated)
 * @param watches       further watches with their own reach (reads, writes, subtrees), such as the rules ask for
 * @param rateLimit     events per second one process may send while the ring buffer is filling (0: no limit);
 *                      what it suppresses is counted as rate_limited, by hook
 * @param connectRepeats failed connects sent per process, destination, port and error in CONNECT_WINDOW_MS
 *                      (0: all); the rest are counted as folded, by hook
 */
public record SensorOptions(Set<EventType> hooks, int argvMax, List<Path> watchPaths, int scanThreshold, int scanWindowMs, boolean rawSyscalls,
                            Set<String> usbSubsystems, boolean tamperLog, int envMax, List<Watch> watches, int rateLimit,
                            int connectRepeats) {
    public static final int DEFAULT_ARGV_MAX = 4096;
    public static final int DEFAULT_ENV_MAX = 2048;
    public static final int DEFAULT_RATE_LIMIT = 2000;
    /** Failed connects sent per port and window when no rule counts more (`vigil run` raises it to its rules' largest count on connects). */
    public static final int DEFAULT_CONNECT_REPEATS = 8;
    public static final int CONNECT_WINDOW_MS = 10_000;
    /** process_vm_readv/writev calls sent per caller, target and access in CONNECT_WINDOW_MS; the rest are counted as folded. */
    public static final int MEMORY_REPEATS = 8;

    public SensorOptions {
        hooks = hooks.isEmpty() ? EnumSet.noneOf(EventType.class) : EnumSet.copyOf(hooks);
        argvMax = Math.clamp(argvMax, 64, 4096);
        envMax = Math.clamp(envMax, 0, 4096);
        watchPaths = List.copyOf(watchPaths);
        usbSubsystems = Set.copyOf(usbSubsystems);
        watches = List.copyOf(watches);
        rateLimit = Math.clamp(rateLimit, 0, 1_000_000_000);
        connectRepeats = Math.clamp(connectRepeats, 0, 1_000_000_000);
    }

    public static SensorOptions of(Set<EventType> hooks) {
        return new SensorOptions(hooks, DEFAULT_ARGV_MAX, WatchList.defaults(), 20, 5000, false, Set.of("usb"), false, DEFAULT_ENV_MAX, List.of(), DEFAULT_RATE_LIMIT, DEFAULT_CONNECT_REPEATS);
    }

    public SensorOptions withArgvMax(int bytes) {
        return new SensorOptions(hooks, bytes, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withRawSyscalls(boolean on) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, on, usbSubsystems, tamperLog, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withScan(int threshold, int windowMs) {
        return new SensorOptions(hooks, argvMax, watchPaths, threshold, windowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withUsbSubsystems(Set<String> subsystems) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, subsystems, tamperLog, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withTamperLog(boolean on) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, on, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withEnvMax(int bytes) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, bytes, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withWatches(List<Watch> more) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, more, rateLimit, connectRepeats);
    }

    public SensorOptions withWatchPaths(List<Path> paths) {
        return new SensorOptions(hooks, argvMax, paths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, watches, rateLimit, connectRepeats);
    }

    public SensorOptions withRateLimit(int eventsPerSecond) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, watches, eventsPerSecond, connectRepeats);
    }

    public SensorOptions withConnectRepeats(int perWindow) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog, envMax, watches, rateLimit, perWindow);
    }
}
