package dev.strata.core.tenant;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.controlplane.ControlPlane;
import dev.strata.core.controlplane.EmergencyMode;
import dev.strata.core.deletion.DeletionQueueSettings;
import java.util.Objects;

/**
 * What a node with a control plane starts with: who to ask, as which node, what to do when it does not answer,
 * and how validated deletions are carried out.
 */
public record ControlPlaneSetup(ControlPlane controlPlane, long nodeId, EmergencyMode emergencyMode,
                                DeletionExecutor executor, DeletionQueueSettings queueSettings) {
    public ControlPlaneSetup {
        Objects.requireNonNull(controlPlane, "controlPlane is null");
        Objects.requireNonNull(emergencyMode, "emergencyMode is null");
        Objects.requireNonNull(executor, "executor is null");
        Objects.requireNonNull(queueSettings, "queueSettings is null");
    }
}
