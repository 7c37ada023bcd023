package dev.strata.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.strata.api.Generation;
import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.page.PageWrite;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.timeline.Timeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** One tenant with one root timeline (and any branches of it) in an embedded {@link LocalEngine}. */
final class StrataStore implements VersionedStore {
    private final LocalEngine engine;
    private final TenantId tenantId;
    private final Timeline timeline;
    private final boolean ownsEngine;

    private StrataStore(LocalEngine engine, TenantId tenantId, Timeline timeline, boolean ownsEngine) {
        this.engine = requireNonNull(engine, "engine is null");
        this.tenantId = requireNonNull(tenantId, "tenantId is null");
        this.timeline = requireNonNull(timeline, "timeline is null");
        this.ownsEngine = ownsEngine;
    }

    static StrataStore open(Path workdir, EngineOptions options) throws IOException {
        LocalEngine engine = LocalEngine.open(workdir, options);
        boolean success = false;
        try {
            TenantId tenantId = TenantId.random();
            engine.createTenant(tenantId, Generation.of(1));
            Timeline timeline = engine.createTimeline(tenantId, TimelineId.random());
            StrataStore store = new StrataStore(engine, tenantId, timeline, true);
            success = true;
            return store;
        } finally {
            if (!success) {
                engine.close(false);
            }
        }
    }

    /** Block cache hits and misses so far, node-wide. */
    long[] cacheHitsAndMisses() {
        return new long[] {engine.resources().cache().hits(), engine.resources().cache().misses()};
    }

    /** Bytes in the node's in-memory layers (open and frozen), the node's budget for them, and the block cache's bytes. */
    long[] inMemoryBytesBudgetAndCache() {
        return new long[] {engine.resources().memory().usedBytes(), engine.resources().memory().limitBytes(),
                engine.resources().cache().sizeBytes()};
    }

    Timeline timeline() {
        return timeline;
    }

    @Override
    public String name() {
        return "Strata";
    }

    @Override
    public long ingest(List<PageWrite> batch) throws IOException {
        return timeline.ingest(batch).value();
    }

    @Override
    public byte[] get(Key key, long lsn) throws IOException {
        return timeline.get(key, Lsn.of(lsn));
    }

    @Override
    public long lastLsn() {
        return timeline.lastRecordLsn().value();
    }

    @Override
    public void flush() throws IOException {
        timeline.checkpoint();
    }

    @Override
    public void settle() throws IOException {
        timeline.checkpoint();
        timeline.compact();
    }

    @Override
    public VersionedStore branch(long lsn) throws IOException {
        Timeline child = engine.branch(tenantId, TimelineId.random(), timeline.timelineId(), Lsn.of(lsn));
        return new StrataStore(engine, tenantId, child, false);
    }

    @Override
    public void close() throws IOException {
        if (ownsEngine) {
            engine.close();
        }
    }
}
