package dev.strata.core.scrub;

import dev.strata.api.Generation;
import dev.strata.api.LayerFileName;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorageException;
import dev.strata.core.remote.RetryingStorage;
import dev.strata.core.tiered.RemoteLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a bucket holds, tenant by tenant and timeline by timeline, with every object of a timeline sorted into
 * indexes (by generation), layers (by name and generation), WAL objects and keys that do not parse.
 */
final class BucketListing {
    private final RetryingStorage storage;
    private final RemoteLayout layout;

    BucketListing(RetryingStorage storage, RemoteLayout layout) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.layout = Objects.requireNonNull(layout, "layout is null");
    }

    /** The objects of one timeline, sorted by kind. */
    record TimelineObjects(TenantId tenant, TimelineId timeline, Map<Generation, ObjectMetadata> indexes,
                           Map<LayerFileName, ObjectMetadata> layers, List<ObjectMetadata> wal,
                           List<ObjectMetadata> unparseable) {
        /** The index of the highest generation, if any. */
        Optional<Map.Entry<Generation, ObjectMetadata>> newestIndex() {
            return indexes.isEmpty() ? Optional.empty() : Optional.of(((TreeMap<Generation, ObjectMetadata>) indexes).lastEntry());
        }
    }

    /** Every tenant with objects in the bucket, in key order. */
    List<TenantId> tenants() throws RemoteStorageException {
        List<TenantId> tenants = new ArrayList<>();
        for (String prefix : commonPrefixes(layout.tenantsPrefix())) {
            String hex = prefix.substring(layout.tenantsPrefix().length(), prefix.length() - 1);
            try {
                tenants.add(TenantId.parse(hex));
            } catch (IllegalArgumentException e) {
                // Not a tenant directory; the scan reports keys it cannot place where it finds them.
            }
        }
        return tenants;
    }

    /** The timelines of a tenant with objects in the bucket. */
    List<TimelineId> timelines(TenantId tenant) throws RemoteStorageException {
        List<TimelineId> timelines = new ArrayList<>();
        for (String prefix : commonPrefixes(layout.timelinesPrefix(tenant))) {
            layout.timelineOfPrefix(tenant, prefix).ifPresent(timelines::add);
        }
        return timelines;
    }

    /** Lists and sorts every object of one timeline. */
    TimelineObjects timeline(TenantId tenant, TimelineId timeline) throws RemoteStorageException {
        String prefix = layout.timelinePrefix(tenant, timeline);
        TreeMap<Generation, ObjectMetadata> indexes = new TreeMap<>();
        TreeMap<LayerFileName, ObjectMetadata> layers = new TreeMap<>(
                java.util.Comparator.comparing(LayerFileName::name).thenComparing(LayerFileName::generation));
        List<ObjectMetadata> wal = new ArrayList<>();
        List<ObjectMetadata> unparseable = new ArrayList<>();
        for (ObjectMetadata object : storage.listAll(prefix, CallContext.NONE)) {
            String name = object.key().substring(prefix.length());
            Optional<Generation> indexGeneration = RemoteLayout.indexGeneration(object.key());
            if (!name.contains("/") && indexGeneration.isPresent()) {
                indexes.put(indexGeneration.get(), object);
            } else if (name.startsWith(RemoteLayout.WAL_DIRECTORY + "/")) {
                wal.add(object);
            } else if (name.contains("/")) {
                unparseable.add(object);
            } else {
                try {
                    layers.put(LayerFileName.parse(name), object);
                } catch (IllegalArgumentException e) {
                    unparseable.add(object);
                }
            }
        }
        return new TimelineObjects(tenant, timeline, indexes, layers, wal, unparseable);
    }

    private List<String> commonPrefixes(String prefix) throws RemoteStorageException {
        List<String> found = new ArrayList<>();
        ListRequest request = ListRequest.children(prefix);
        while (true) {
            ListPage page = storage.list(request, CallContext.NONE);
            found.addAll(page.commonPrefixes());
            if (page.isLast()) {
                return found;
            }
            request = request.next(page);
        }
    }
}
