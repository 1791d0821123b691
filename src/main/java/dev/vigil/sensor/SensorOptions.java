package dev.vigil.sensor;

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
 */
public record SensorOptions(Set<Hook> hooks, int argvMax, List<Path> watchPaths, int scanThreshold, int scanWindowMs, boolean rawSyscalls,
                            Set<String> usbSubsystems, boolean tamperLog) {
    public static final int DEFAULT_ARGV_MAX = 4096;

    public SensorOptions {
        hooks = hooks.isEmpty() ? EnumSet.noneOf(Hook.class) : EnumSet.copyOf(hooks);
        argvMax = Math.clamp(argvMax, 64, 4096);
        watchPaths = List.copyOf(watchPaths);
        usbSubsystems = Set.copyOf(usbSubsystems);
    }

    public static SensorOptions of(Set<Hook> hooks) {
        return new SensorOptions(hooks, DEFAULT_ARGV_MAX, WatchList.defaults(), 20, 5000, false, Set.of("usb"), false);
    }

    public SensorOptions withArgvMax(int bytes) {
        return new SensorOptions(hooks, bytes, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog);
    }

    public SensorOptions withRawSyscalls(boolean on) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, on, usbSubsystems, tamperLog);
    }

    public SensorOptions withScan(int threshold, int windowMs) {
        return new SensorOptions(hooks, argvMax, watchPaths, threshold, windowMs, rawSyscalls, usbSubsystems, tamperLog);
    }

    public SensorOptions withUsbSubsystems(Set<String> subsystems) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, subsystems, tamperLog);
    }

    public SensorOptions withTamperLog(boolean on) {
        return new SensorOptions(hooks, argvMax, watchPaths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, on);
    }

    public SensorOptions withWatchPaths(List<Path> paths) {
        return new SensorOptions(hooks, argvMax, paths, scanThreshold, scanWindowMs, rawSyscalls, usbSubsystems, tamperLog);
    }
}
