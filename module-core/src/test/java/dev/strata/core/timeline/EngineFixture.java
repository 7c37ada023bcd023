package dev.strata.core.timeline;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.io.FileIo;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** A local engine in a test directory with small thresholds, so flushes and compactions happen often. */
final class EngineFixture implements AutoCloseable {
    static final TimelineSettings SMALL = TimelineSettings.DEFAULT
            .withCheckpointDistance(16 * 1024)
            .withCompaction(3, 24 * 1024, 2)
            .withGc(1L << 40, Duration.ZERO);

    final Path workdir;
    final Failpoints failpoints = Failpoints.create();
    final TenantId tenant = TenantId.random();
    final TimelineId main = TimelineId.random();
    private final TimelineSettings settings;
    private final FileIo io;
    private final boolean backgroundCompaction;
    LocalEngine engine;

    EngineFixture(Path workdir, TimelineSettings settings, FileIo io) throws IOException {
        this(workdir, settings, io, true);
    }

    EngineFixture(Path workdir, TimelineSettings settings, FileIo io, boolean backgroundCompaction) throws IOException {
        this.workdir = workdir;
        this.settings = settings;
        this.io = io;
        this.backgroundCompaction = backgroundCompaction;
        this.engine = open();
        engine.createTenant(tenant, Generation.of(1));
        engine.createTimeline(tenant, main);
    }

    EngineFixture(Path workdir) throws IOException {
        this(workdir, SMALL, FileIo.DEFAULT);
    }

    private LocalEngine open() throws IOException {
        return LocalEngine.open(workdir, EngineOptions.DEFAULT.withTimelineSettings(settings).withFailpoints(failpoints).withIo(io)
                .withBackgroundThreads(1).withBackgroundCompaction(backgroundCompaction));
    }

    Timeline main() {
        return engine.timeline(tenant, main);
    }

    Timeline timeline(TimelineId id) {
        return engine.timeline(tenant, id);
    }

    /** Simulates a crash: in-memory data is dropped (the WAL keeps it), then the engine is opened again. */
    void crashAndReopen() throws IOException {
        engine.close(false);
        engine = open();
    }

    void cleanReopen() throws IOException {
        engine.close(true);
        engine = open();
    }

    Path timelineDirectory(TimelineId id) {
        return workdir.resolve("tenants").resolve(tenant.hex()).resolve("timelines").resolve(id.hex());
    }

    /** Every file under the work directory whose name marks it as temporary. */
    List<Path> leftoverTempFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(workdir)) {
            return walk.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".___temp") || name.endsWith(".temp_download") || name.startsWith("ephemeral-");
            }).toList();
        }
    }

    /** Layer files on disk that the timeline's index does not list. */
    List<Path> unlistedLayerFiles(TimelineId id) throws IOException {
        Timeline timeline = timeline(id);
        try (Stream<Path> files = Files.list(timelineDirectory(id))) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                if (name.equals("index_part.json") || name.equals("wal")) {
                    return false;
                }
                return timeline.layerFileNames().stream().noneMatch(l -> l.localFileName().equals(name));
            }).toList();
        }
    }

    @Override
    public void close() throws IOException {
        engine.close(false);
    }
}
