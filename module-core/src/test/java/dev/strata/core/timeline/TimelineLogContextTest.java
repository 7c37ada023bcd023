package dev.strata.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import java.nio.file.Path;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.ThreadContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A timeline's log context names its tenant, timeline and generation, and is gone when closed. */
class TimelineLogContextTest {
    @TempDir Path workdir;

    @Test
    void logContextCarriesTheTimelineAndIsRemovedOnClose() throws Exception {
        TenantId tenant = TenantId.random();
        TimelineId id = TimelineId.random();
        try (LocalEngine engine = LocalEngine.open(workdir, EngineOptions.DEFAULT)) {
            engine.createTenant(tenant, Generation.of(3));
            Timeline timeline = engine.createTimeline(tenant, id);
            try (CloseableThreadContext.Instance _ = timeline.logContext()) {
                assertEquals(tenant.hex(), ThreadContext.get("tenant_id"));
                assertEquals(id.hex(), ThreadContext.get("timeline_id"));
                assertEquals("3", ThreadContext.get("generation"));
            }
            assertNull(ThreadContext.get("tenant_id"));
            assertNull(ThreadContext.get("timeline_id"));
        }
    }
}
