package dev.strata.core.testing;

import dev.strata.api.Generation;
import dev.strata.api.TenantId;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.TenantAttachment;
import dev.strata.api.controlplane.TenantGeneration;
import dev.strata.api.controlplane.TenantMode;
import dev.strata.api.remote.CallContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A control plane in memory: tenants and their current generation, switchable between answering and
 * unavailable. Counts validate calls so tests can see that nothing was asked.
 */
public final class FakeControlPlane implements ControlPlane {
    private final Map<TenantId, Generation> generations = new ConcurrentHashMap<>();
    private final AtomicInteger validateCalls = new AtomicInteger();
    private final AtomicInteger largestBatch = new AtomicInteger();
    private volatile boolean down;

    private final java.util.Set<TenantId> askedAbout = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public FakeControlPlane set(TenantId tenant, Generation generation) {
        generations.put(tenant, generation);
        return this;
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** Every tenant a validate call that was answered asked about. */
    public java.util.Set<TenantId> askedAbout() {
        return java.util.Set.copyOf(askedAbout);
    }

    public int validateCalls() {
        return validateCalls.get();
    }

    public int largestBatch() {
        return largestBatch.get();
    }

    @Override
    public List<TenantAttachment> reAttach(long nodeId, boolean emptyLocalDisk, CallContext context)
            throws ControlPlaneException {
        if (down) {
            throw new ControlPlaneException.Unavailable("re-attach: control plane is down", null);
        }
        List<TenantAttachment> tenants = new ArrayList<>();
        generations.forEach((tenant, generation) -> tenants.add(new TenantAttachment(tenant, generation, TenantMode.ATTACHED_SINGLE)));
        return tenants;
    }

    @Override
    public Map<TenantGeneration, Boolean> validate(List<TenantGeneration> tenants, CallContext context)
            throws ControlPlaneException {
        if (tenants.size() > MAX_VALIDATE_BATCH) {
            throw new IllegalArgumentException("validate of " + tenants.size() + " tenants");
        }
        if (down) {
            throw new ControlPlaneException.Unavailable("validate: control plane is down", null);
        }
        validateCalls.incrementAndGet();
        tenants.forEach(pair -> askedAbout.add(pair.tenant()));
        largestBatch.accumulateAndGet(tenants.size(), Math::max);
        Map<TenantGeneration, Boolean> answers = new LinkedHashMap<>();
        for (TenantGeneration pair : tenants) {
            answers.put(pair, pair.generation().equals(generations.get(pair.tenant())));
        }
        return answers;
    }

    @Override
    public void close() {
    }
}
