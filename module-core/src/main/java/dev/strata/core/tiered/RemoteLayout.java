package dev.strata.core.tiered;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.RemoteKeys;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a deployment's objects live in the bucket (FORMATS.md, "Remote layout"), under an optional prefix:
 *
 * <pre>
 * [prefix/]tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/index_part.json-&lt;gen:08x&gt;
 * [prefix/]tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/&lt;layer name&gt;-&lt;gen:08x&gt;
 * [prefix/]tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/wal/…
 * [prefix/]tenants/&lt;tenant&gt;/heatmap-v1.json
 * </pre>
 *
 * Every key this class returns is valid for {@link RemoteKeys}.
 *
 * @param prefix the deployment's prefix without a trailing slash, or the empty string for none
 */
public record RemoteLayout(String prefix) {
    /** The index object's name without its generation suffix. */
    public static final String INDEX_NAME = "index_part.json";
    public static final String HEATMAP_NAME = "heatmap-v1.json";
    public static final String WAL_DIRECTORY = "wal";

    public RemoteLayout {
        Objects.requireNonNull(prefix, "prefix is null");
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!prefix.isEmpty()) {
            RemoteKeys.requireValid(prefix);
        }
    }

    /** The layout without a prefix. */
    public static RemoteLayout root() {
        return new RemoteLayout("");
    }

    /** {@code [prefix/]tenants/}: the list prefix of every tenant. */
    public String tenantsPrefix() {
        return (prefix.isEmpty() ? "" : prefix + "/") + "tenants/";
    }

    /** {@code …/tenants/<tenant>/}: everything a tenant owns, for listing and tenant deletion. */
    public String tenantPrefix(TenantId tenant) {
        return tenantsPrefix() + tenant.hex() + "/";
    }

    /** {@code …/tenants/<tenant>/timelines/}: list with delimiter {@code /} to find a tenant's timelines. */
    public String timelinesPrefix(TenantId tenant) {
        return tenantPrefix(tenant) + "timelines/";
    }

    /** {@code …/timelines/<timeline>/}: everything one timeline owns. */
    public String timelinePrefix(TenantId tenant, TimelineId timeline) {
        return timelinesPrefix(tenant) + timeline.hex() + "/";
    }

    /** The index written by {@code generation} (the legacy key without suffix for {@link Generation#NONE}). */
    public String indexKey(TenantId tenant, TimelineId timeline, Generation generation) {
        return timelinePrefix(tenant, timeline) + INDEX_NAME + generation.suffix();
    }

    /** The list prefix matching every generation's index of a timeline. */
    public String indexPrefix(TenantId tenant, TimelineId timeline) {
        return timelinePrefix(tenant, timeline) + INDEX_NAME;
    }

    /** The object of a layer, named by the generation that wrote it. */
    public String layerKey(TenantId tenant, TimelineId timeline, LayerFileName layer) {
        return timelinePrefix(tenant, timeline) + layer.remoteObjectName();
    }

    public String walPrefix(TenantId tenant, TimelineId timeline) {
        return timelinePrefix(tenant, timeline) + WAL_DIRECTORY + "/";
    }

    public String heatmapKey(TenantId tenant) {
        return tenantPrefix(tenant) + HEATMAP_NAME;
    }

    /**
     * The generation of an index key ({@code …/index_part.json-<gen>} or the legacy {@code …/index_part.json}),
     * or empty when {@code key} is not an index key.
     */
    public static Optional<Generation> indexGeneration(String key) {
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        if (name.equals(INDEX_NAME)) {
            return Optional.of(Generation.NONE);
        }
        if (!name.startsWith(INDEX_NAME + "-")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Generation.parseSuffix(name.substring(INDEX_NAME.length() + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The timeline id of a common prefix {@code …/timelines/<timeline>/} from a delimited listing. */
    public Optional<TimelineId> timelineOfPrefix(TenantId tenant, String commonPrefix) {
        String base = timelinesPrefix(tenant);
        if (!commonPrefix.startsWith(base) || !commonPrefix.endsWith("/")) {
            return Optional.empty();
        }
        String hex = commonPrefix.substring(base.length(), commonPrefix.length() - 1);
        try {
            return Optional.of(TimelineId.parse(hex));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
