package dev.strata.core.tenant;

import dev.strata.api.TenantId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tenants waiting to be attached at start-up, in order, and the ones a client asked for, which go first.
 * Workers take tenants with {@link #next()}; a request for a tenant still waiting calls {@link #prioritize},
 * which moves it to the front, and waits on {@link #completion}. Thread-safe.
 */
final class AttachQueue {
    private final Deque<TenantId> ordered;
    private final Deque<TenantId> urgent = new ArrayDeque<>();
    /** Every tenant of the queue until its attach finished (either way); its future completes then. */
    private final Map<TenantId, CompletableFuture<Void>> unfinished = new ConcurrentHashMap<>();
    /** Tenants not yet taken by a worker. */
    private final java.util.Set<TenantId> waiting = ConcurrentHashMap.newKeySet();
    private boolean closed;

    AttachQueue(List<TenantId> tenants) {
        this.ordered = new ArrayDeque<>(Objects.requireNonNull(tenants, "tenants is null"));
        for (TenantId tenant : tenants) {
            unfinished.put(tenant, new CompletableFuture<>());
            waiting.add(tenant);
        }
    }

    /** The next tenant to attach, prioritized ones first; empty when none is left or the queue is closed. */
    synchronized Optional<TenantId> next() {
        while (!closed) {
            TenantId tenant = urgent.pollFirst();
            if (tenant == null) {
                tenant = ordered.pollFirst();
            }
            if (tenant == null) {
                return Optional.empty();
            }
            if (waiting.remove(tenant)) {
                return Optional.of(tenant);
            }
        }
        return Optional.empty();
    }

    /**
     * Moves a waiting tenant to the front: it is the next one a worker takes.
     *
     * @return true when the tenant was still waiting
     */
    synchronized boolean prioritize(TenantId tenant) {
        if (!waiting.contains(tenant)) {
            return false;
        }
        urgent.addFirst(tenant);
        return true;
    }

    /** Completes when the tenant's attach finished (exceptionally when it failed); empty when it is not queued. */
    Optional<CompletableFuture<Void>> completion(TenantId tenant) {
        return Optional.ofNullable(unfinished.get(tenant));
    }

    /** Records the end of a tenant's attach. */
    void finished(TenantId tenant, Throwable failure) {
        CompletableFuture<Void> future = unfinished.remove(tenant);
        if (future != null) {
            if (failure == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(failure);
            }
        }
    }

    /** True while the tenant waits or attaches. */
    boolean pending(TenantId tenant) {
        return unfinished.containsKey(tenant);
    }

    /** Tenants waiting or attaching. */
    int pendingCount() {
        return unfinished.size();
    }

    /** Tenants moved to the front and not taken by a worker yet. */
    synchronized int prioritizedCount() {
        return (int) urgent.stream().filter(waiting::contains).count();
    }

    /** The tenants waiting or attaching. */
    List<TenantId> pendingTenants() {
        return List.copyOf(unfinished.keySet());
    }

    /** Stops handing out tenants; the ones never taken complete with {@code cause}. */
    void close(Throwable cause) {
        synchronized (this) {
            closed = true;
        }
        for (TenantId tenant : List.copyOf(waiting)) {
            if (waiting.remove(tenant)) {
                finished(tenant, cause);
            }
        }
    }
}
