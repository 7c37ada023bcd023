package dev.strata.api.controlplane;

import dev.strata.api.remote.CallContext;
import java.util.List;
import java.util.Map;

/**
 * The authority over which node holds which tenant at which generation.
 *
 * <p>A node calls {@link #reAttach} once at start-up to learn what to hold, and {@link #validate} before every
 * deletion and every advance of a visible {@code remote_consistent_lsn} (INVARIANTS 11): a generation that is no
 * longer current means another node may hold the tenant, so this node's deletions could remove objects the
 * newer index references.
 *
 * <p>Implementations are thread-safe. Transient failures may be retried inside a call with backoff, but never
 * past the {@link CallContext}'s deadline or cancellation, nor past {@link #close()}: then the call throws
 * {@link ControlPlaneException.Unavailable} or {@link ControlPlaneException.Cancelled}. Both calls are idempotent
 * from the node's point of view; {@code reAttach} may increment generations each time it succeeds.
 */
public interface ControlPlane extends AutoCloseable {
    /** The most pairs one {@link #validate} call accepts. */
    int MAX_VALIDATE_BATCH = 128;

    /**
     * The tenants node {@code nodeId} must hold, each with the generation and mode to attach at. A tenant not
     * listed must not be held. Generations returned are newer than any this node used before for the tenant.
     *
     * @param emptyLocalDisk true when the node starts without local tenant state (it holds nothing yet)
     * @throws ControlPlaneException.Unavailable when no answer came before the deadline
     * @throws ControlPlaneException.Rejected    when the control plane refused the node
     */
    List<TenantAttachment> reAttach(long nodeId, boolean emptyLocalDisk, CallContext context) throws ControlPlaneException;

    /**
     * Whether each of {@code tenants} (at most {@link #MAX_VALIDATE_BATCH}, no tenant twice) is current: the
     * tenant is still attached at exactly that generation. The answer has an entry for every pair asked about;
     * a tenant the control plane does not know is invalid.
     *
     * @throws IllegalArgumentException on more than {@link #MAX_VALIDATE_BATCH} pairs or a tenant listed twice
     * @throws ControlPlaneException.Unavailable when no answer came before the deadline: nothing is known, so the
     *                                           caller must treat every pair as not yet validated
     */
    Map<TenantGeneration, Boolean> validate(List<TenantGeneration> tenants, CallContext context) throws ControlPlaneException;

    /**
     * The node's operator (not the control plane) made this node hold {@code attachment} (a tenant created or a
     * location applied through the node's own API). A control plane that is its own authority (the single-node
     * {@code local} one) records it, so the next {@link #reAttach} returns the tenant and {@link #validate}
     * knows its generation; one that drives attachments itself ignores it. Called before the node writes the
     * tenant's configuration. Does nothing by default.
     *
     * @throws ControlPlaneException when the record could not be kept; the node then refuses the change
     */
    default void attachedLocally(TenantAttachment attachment) throws ControlPlaneException {
    }

    /** Stops retries in progress (they throw {@link ControlPlaneException.Cancelled}) and releases resources. */
    @Override
    void close();
}
