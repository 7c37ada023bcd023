package dev.strata.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.TenantId;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.controller.Attachment;
import dev.strata.controller.ControllerException;
import dev.strata.controller.Migration;
import dev.strata.controller.MigrationStep;
import dev.strata.controller.Node;
import dev.strata.controller.Placement;
import dev.strata.controller.Tenant;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every database behind the controller must do: the schema comes up once, generations are issued in the
 * transaction that changes their holder, validate answers per FORMATS.md, and concurrent callers see whole
 * transactions. Each database runs it through a subclass.
 */
abstract class ControllerStoreContract {
    private Database database;
    private ControllerStore store;

    /** A new, empty database. */
    abstract Database openDatabase() throws Exception;

    @BeforeEach
    void open() throws Exception {
        database = openDatabase();
        new SchemaMigrations(database).apply();
        store = new ControllerStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void schemaMigrationAtStartIsIdempotent() throws Exception {
        SchemaMigrations migrations = new SchemaMigrations(database);
        assertEquals(SchemaMigrations.SCRIPTS.size(), migrations.currentVersion(), "applied in open()");
        store.registerNode(node(1));
        assertEquals(List.of(), migrations.apply(), "a second start applies nothing");
        assertEquals(List.of(), new SchemaMigrations(database).apply(), "nor does a third");
        assertEquals(SchemaMigrations.SCRIPTS.size(), migrations.currentVersion());
        assertEquals(List.of(node(1)), store.nodes(), "and keeps the data");
    }

    @Test
    void tenantsArePlacedOnTheNodeWithFewestTenants() throws Exception {
        assertThrows(ControllerException.Unavailable.class, () -> store.createTenant(TenantId.random()), "no node yet");
        store.registerNode(node(2));
        store.registerNode(node(1));
        List<Long> placed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Tenant tenant = store.createTenant(TenantId.random());
            assertEquals(1, tenant.generation());
            placed.add(tenant.current().orElseThrow().nodeId());
        }
        assertEquals(List.of(1L, 2L, 1L, 2L, 1L), placed, "fewest tenants first, lowest id among equals");
        TenantId again = store.tenants().getFirst().id();
        assertEquals(store.tenant(again), store.createTenant(again), "creating an existing tenant changes nothing");
        store.registerNode(new Node(1, URI.create("http://127.0.0.1:7001")));
        assertEquals(URI.create("http://127.0.0.1:7001"), store.node(1).address(), "registering again updates the address");
    }

    @Test
    void reAttachBumpsEveryTenantTheNodeHoldsAndNoOther() throws Exception {
        store.registerNode(node(1));
        store.registerNode(node(2));
        TenantId first = store.createTenant(TenantId.random()).id();
        TenantId second = store.createTenant(TenantId.random()).id();
        TenantId third = store.createTenant(TenantId.random()).id();

        List<Attachment> answer = store.reAttach(1, null);
        assertEquals(Map.of(first, 2L, third, 2L), answer.stream().collect(Collectors.toMap(Attachment::tenant, Attachment::generation)));
        assertTrue(answer.stream().allMatch(attachment -> attachment.mode() == TenantMode.ATTACHED_SINGLE));
        assertEquals(1, store.tenant(second).generation(), "node 2's tenant is untouched");
        store.reAttach(1, null);
        assertEquals(3, store.tenant(first).generation(), "every re-attach issues the next generation");
        assertEquals(Map.of(first, false, third, true), store.validate(Map.of(first, 2L, third, 3L)));

        assertThrows(ControllerException.NotFound.class, () -> store.reAttach(9, null), "unknown node without register");
        assertEquals(List.of(), store.reAttach(9, URI.create("http://127.0.0.1:9009")), "registered by its re-attach");
        assertEquals(URI.create("http://127.0.0.1:9009"), store.node(9).address());
    }

    @Test
    void validateAnswersAbsentStaleAndCurrent() throws Exception {
        store.registerNode(node(1));
        TenantId tenant = store.createTenant(TenantId.random()).id();
        store.reAttach(1, null);
        TenantId unknown = TenantId.random();
        Map<TenantId, Long> asked = new LinkedHashMap<>();
        asked.put(unknown, 1L);
        assertEquals(Map.of(unknown, false), store.validate(asked), "a tenant the controller does not know is invalid");
        assertFalse(store.validate(Map.of(tenant, 1L)).get(tenant), "stale");
        assertTrue(store.validate(Map.of(tenant, 2L)).get(tenant), "current");
        assertFalse(store.validate(Map.of(tenant, 3L)).get(tenant), "never issued");
        assertEquals(Map.of(), store.validate(Map.of()));
    }

    @Test
    void migrationStepsIssueTheGenerationWithThePlacement() throws Exception {
        store.registerNode(node(1));
        store.registerNode(node(2));
        TenantId tenant = store.createTenant(TenantId.random()).id();
        assertThrows(ControllerException.Conflict.class, () -> store.beginMigration(tenant, 1), "already there");
        assertThrows(ControllerException.NotFound.class, () -> store.beginMigration(tenant, 3), "unknown node");

        Migration begun = store.beginMigration(tenant, 2);
        assertEquals(new Migration(tenant, 1, 2, MigrationStep.SOURCE_STALE), begun);
        assertEquals(begun, store.beginMigration(tenant, 2), "beginning again continues the same migration");
        assertThrows(ControllerException.Conflict.class, () -> store.beginMigration(tenant, 1));
        assertEquals(List.of(new Placement(tenant, 1, TenantMode.ATTACHED_STALE, 1L)), store.tenant(tenant).placements());
        assertFalse(store.validate(Map.of(tenant, 1L)).get(tenant), "a stale source may not delete");
        assertEquals(List.of(new Attachment(tenant, 1L, TenantMode.ATTACHED_STALE)), store.reAttach(1, null),
                "a restarting source stays stale and takes no generation");

        assertEquals(MigrationStep.TARGET_MULTI, store.issueTargetGeneration(tenant).step());
        assertEquals(MigrationStep.TARGET_MULTI, store.issueTargetGeneration(tenant).step(), "idempotent");
        Tenant moving = store.tenant(tenant);
        assertEquals(2, moving.generation(), "exactly one generation issued");
        assertEquals(new Placement(tenant, 2, TenantMode.ATTACHED_MULTI, 2L), moving.current().orElseThrow());
        assertTrue(store.validate(Map.of(tenant, 2L)).get(tenant));

        assertEquals(MigrationStep.TARGET_SINGLE, store.promoteTarget(tenant).step());
        store.finishMigration(tenant, TenantMode.DETACHED);
        Tenant moved = store.tenant(tenant);
        assertEquals(List.of(new Placement(tenant, 2, TenantMode.ATTACHED_SINGLE, 2L)), moved.placements());
        assertEquals(null, moved.migration());
        assertEquals(List.of(), store.migrations());
    }

    /** The database keeps modes as their wire names, whatever type the code uses for them. */
    @Test
    void placementModesAreStoredAsTheirWireNames() throws Exception {
        store.registerNode(node(1));
        store.registerNode(node(2));
        TenantId tenant = store.createTenant(TenantId.random()).id();
        store.beginMigration(tenant, 2);
        store.issueTargetGeneration(tenant);
        List<String> stored = database.inTransaction(connection -> {
            List<String> modes = new ArrayList<>();
            try (java.sql.PreparedStatement query = connection.prepareStatement(
                    "SELECT mode FROM placements WHERE tenant_id = ? ORDER BY node_id")) {
                query.setString(1, tenant.hex());
                try (java.sql.ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        modes.add(rows.getString(1));
                    }
                }
            }
            return modes;
        });
        assertEquals(List.of("AttachedStale", "AttachedMulti"), stored);
    }

    /**
     * Two nodes' worth of re-attaches race validates of every tenant: each validate must see all tenants at
     * one generation (a re-attach is one transaction), and no re-attach may be lost.
     */
    @Test
    void concurrentReAttachAndValidateStayConsistent() throws Exception {
        store.registerNode(node(1));
        List<TenantId> tenants = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tenants.add(store.createTenant(TenantId.random()).id());
        }
        int reAttachers = 2;
        int rounds = 25;
        AtomicLong newest = new AtomicLong(1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger wholeAnswers = new AtomicInteger();
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writers = new ArrayList<>();
            for (int r = 0; r < reAttachers; r++) {
                writers.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        List<Attachment> answer = store.reAttach(1, null);
                        Set<Long> generations = answer.stream().map(Attachment::generation).collect(Collectors.toSet());
                        assertEquals(1, generations.size(), "one re-attach gives every tenant the same generation: " + answer);
                        newest.accumulateAndGet(generations.iterator().next(), Math::max);
                    }
                    return null;
                }));
            }
            Future<?> validator = executor.submit(() -> {
                start.await();
                while (!done.get()) {
                    long guess = newest.get();
                    Map<TenantId, Long> asked = new LinkedHashMap<>();
                    tenants.forEach(tenant -> asked.put(tenant, guess));
                    Map<TenantId, Boolean> answer = store.validate(asked);
                    Set<Boolean> verdicts = Set.copyOf(answer.values());
                    if (verdicts.size() != 1) {
                        torn.add("generation " + guess + ": " + answer);
                    } else if (verdicts.contains(true)) {
                        wholeAnswers.incrementAndGet();
                    }
                }
                return null;
            });
            start.countDown();
            for (Future<?> writer : writers) {
                writer.get();
            }
            done.set(true);
            validator.get();
        }
        assertEquals(List.of(), List.copyOf(torn), "validate saw a re-attach half done");
        long expected = 1 + (long) reAttachers * rounds;
        for (TenantId tenant : tenants) {
            assertEquals(expected, store.tenant(tenant).generation(), "no re-attach lost for " + tenant);
        }
        assertTrue(wholeAnswers.get() > 0, "the validator saw the current generation at least once");
    }

    private static Node node(long id) {
        return new Node(id, URI.create("http://127.0.0.1:" + (6400 + id)));
    }
}
