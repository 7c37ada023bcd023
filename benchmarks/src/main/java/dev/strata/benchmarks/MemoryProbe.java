package dev.strata.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Heap and RSS of this JVM. The heap figure that matters for "heap under 1 GiB throughout" is the live heap,
 * so the probe listens to every garbage collection and keeps the peak of the heap in use right after it
 * (young collections included: what they leave is what survived plus the old generation). {@link #reset}
 * starts a new window.
 */
final class MemoryProbe implements AutoCloseable {
    private final Set<String> heapPools = new HashSet<>();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final NotificationListener listener = this::onCollection;
    private volatile long peakAfterGc;
    private volatile long gcMillisAtReset;
    private volatile long nanosAtReset = System.nanoTime();

    MemoryProbe() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean collector : collectors) {
            ((NotificationEmitter) collector).addNotificationListener(listener, null, null);
        }
    }

    private void onCollection(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        synchronized (this) {
            peakAfterGc = Math.max(peakAfterGc, used);
        }
    }

    synchronized void reset() {
        peakAfterGc = 0;
        gcMillisAtReset = collectionMillis();
        nanosAtReset = System.nanoTime();
    }

    /**
     * The share of wall time since the last reset that the collectors report as spent collecting (their
     * pauses, and for G1 the pauses of its concurrent cycles): high when the heap is too small for the workload.
     */
    double gcTimeShare() {
        double elapsedMillis = (System.nanoTime() - nanosAtReset) / 1e6;
        return elapsedMillis <= 0 ? 0 : (collectionMillis() - gcMillisAtReset) / elapsedMillis;
    }

    private long collectionMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            millis += Math.max(0, collector.getCollectionTime());
        }
        return millis;
    }

    /** Peak heap in use after a collection since the last reset (0 when no collection ran). */
    long peakLiveHeapBytes() {
        return peakAfterGc;
    }

    /** Heap in use now (right after {@code System.gc()}, the live heap). */
    static long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** VmRSS of this process in bytes, or -1 where /proc is not there. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        for (GarbageCollectorMXBean collector : collectors) {
            try {
                ((NotificationEmitter) collector).removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // never added
            }
        }
    }

    /** The first {@code lines} lines of the JVM's class histogram of live objects (it runs a full GC first). */
    static String classHistogram(int lines) {
        try {
            Object histogram = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {null}, new String[] {String[].class.getName()});
            String[] all = histogram.toString().split("\n");
            return String.join("\n", java.util.Arrays.copyOf(all, Math.min(lines, all.length)));
        } catch (javax.management.JMException e) {
            return "no class histogram: " + e;
        }
    }

    /**
     * Dumps the running flight recording to {@code path} with the reference chains of its old-object samples
     * ({@code path-to-gc-roots=true}); the JVM must run with {@code -XX:StartFlightRecording}.
     */
    static String jfrDumpWithPathsToRoots(String path) {
        try {
            Object result = java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "jfrDump",
                    new Object[] {new String[] {"filename=" + path, "path-to-gc-roots=true"}},
                    new String[] {String[].class.getName()});
            return String.valueOf(result).strip();
        } catch (javax.management.JMException e) {
            return "no flight recording dump: " + e;
        }
    }
}
