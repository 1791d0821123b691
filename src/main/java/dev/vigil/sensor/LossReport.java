package dev.vigil.sensor;

import dev.vigil.event.EventType;

import java.util.Map;
import java.util.TreeMap;

/**
 * Events lost or damaged, by hook and cause. Kernel causes come from the loss map; "decode" counts
 * records userspace rejected as malformed.
 */
public record LossReport(Map<String, Map<String, Long>> byHook) {
    /** In the order of enum vigil_loss (vigil.h); WireCheck holds them to the object's BTF. */
    public static final String[] KERNEL_CAUSES = {"ringbuf_full", "truncated", "read_fault", "rate_limited", "folded"};

    /** The loss map's type slot that sums every hook's counters by cause (L_ALL_HOOKS). */
    static final int ALL_HOOKS = 0;

    public long total(String cause) {
        return byHook.values().stream().mapToLong(m -> m.getOrDefault(cause, 0L)).sum();
    }

    /** Lost events only: truncated and read_fault events were still delivered, with a shorter field. */
    public long lost() {
        return total("ringbuf_full") + total("decode");
    }

    /** Events the kernel held back from processes over the rate limit while the ring buffer was filling. */
    public long suppressed() {
        return total("rate_limited");
    }

    /** Repeats counted in the kernel and not sent (by design, not lost): failed connects past SensorOptions.connectRepeats, process_vm calls past MEMORY_REPEATS. */
    public long folded() {
        return total("folded");
    }

    static LossReport of(long[][] kernel, Map<String, Long> decode) {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (int type = 0; type < kernel.length; type++) {
            for (int cause = 0; cause < KERNEL_CAUSES.length; cause++) {
                if (kernel[type][cause] > 0) {
                    EventType t = EventType.ofNumber(type);
                    String name = t == null ? String.valueOf(type) : t.eventName();
                    out.computeIfAbsent(name, k -> new TreeMap<>()).merge(KERNEL_CAUSES[cause], kernel[type][cause], Long::sum);
                }
            }
        }
        decode.forEach((hook, n) -> out.computeIfAbsent(hook, k -> new TreeMap<>()).merge("decode", n, Long::sum));
        return new LossReport(out);
    }
}
