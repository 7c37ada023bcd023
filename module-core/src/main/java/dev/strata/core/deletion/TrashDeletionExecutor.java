package dev.strata.core.deletion;

import dev.strata.api.deletion.DeletionExecutor;
import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.DeleteResult;
import dev.strata.api.remote.ListPage;
import dev.strata.api.remote.ListRequest;
import dev.strata.api.remote.ObjectMetadata;
import dev.strata.api.remote.RemoteStorage;
import dev.strata.api.remote.RemoteStorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code trash} executor: moves each object to {@code <trash prefix><yyyy-mm-dd>/<key>} (copy, then delete
 * the original), and {@link #maintain} purges trash days older than the retention. A mistaken deletion can be
 * undone by copying back within the retention.
 *
 * <p>A key whose original is gone counts as handled (a repeated call after a crash, or never written). A copy
 * that succeeded but whose delete failed is reported as failed and retried: the second copy overwrites the
 * first with the same bytes.
 */
final class TrashDeletionExecutor implements DeletionExecutor {
    private static final System.Logger LOG = System.getLogger(TrashDeletionExecutor.class.getName());
    private final RemoteStorage storage;
    private final String prefix;
    private final Duration retention;
    private final Clock clock;

    TrashDeletionExecutor(RemoteStorage storage, String prefix, Duration retention, Clock clock) {
        this.storage = Objects.requireNonNull(storage, "storage is null");
        this.prefix = Objects.requireNonNull(prefix, "prefix is null");
        this.retention = Objects.requireNonNull(retention, "retention is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        if (prefix.isEmpty() || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("trash prefix '" + prefix + "' must be non-empty and end with '/'");
        }
    }

    @Override
    public int maxKeysPerCall() {
        return Math.max(1, storage.maxKeysPerDelete());
    }

    /** Where {@code key} goes today. */
    String trashKey(String key) {
        return prefix + LocalDate.now(clock.withZone(ZoneOffset.UTC)) + "/" + key;
    }

    @Override
    public List<DeleteResult> delete(List<String> keys, CallContext context) throws RemoteStorageException {
        List<DeleteResult> results = new ArrayList<>(keys.size());
        List<String> copied = new ArrayList<>();
        for (String key : keys) {
            if (key.startsWith(prefix)) {
                results.add(DeleteResult.failed(key, new RemoteStorageException.Permanent("trash", key,
                        "refusing to move an object that is already in the trash", null)));
                continue;
            }
            try {
                storage.copy(key, trashKey(key), context);
                copied.add(key);
            } catch (RemoteStorageException.NotFound e) {
                results.add(DeleteResult.deleted(key));
            } catch (RemoteStorageException e) {
                results.add(DeleteResult.failed(key, e));
            }
        }
        if (!copied.isEmpty()) {
            for (DeleteResult result : storage.deleteBatch(copied, context)) {
                results.add(result.error().orElse(null) instanceof RemoteStorageException.NotFound
                        ? DeleteResult.deleted(result.key()) : result);
            }
        }
        // One result per key, in the order asked.
        List<DeleteResult> ordered = new ArrayList<>(keys.size());
        for (String key : keys) {
            ordered.add(results.stream().filter(result -> result.key().equals(key)).findFirst()
                    .orElse(DeleteResult.deleted(key)));
        }
        return ordered;
    }

    /** Deletes every trash day older than the retention. A name under the prefix that is not a date is left alone. */
    @Override
    public void maintain(CallContext context) throws RemoteStorageException {
        LocalDate oldestKept = LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(retention.toDays());
        ListRequest request = ListRequest.children(prefix);
        while (true) {
            ListPage page = storage.list(request, context);
            for (String day : page.commonPrefixes()) {
                String name = day.substring(prefix.length(), day.length() - (day.endsWith("/") ? 1 : 0));
                LocalDate date;
                try {
                    date = LocalDate.parse(name);
                } catch (DateTimeParseException e) {
                    LOG.log(System.Logger.Level.WARNING, "trash: ignoring {0}, which is not a day", day);
                    continue;
                }
                if (date.isBefore(oldestKept)) {
                    purge(day, context);
                }
            }
            if (page.isLast()) {
                return;
            }
            request = request.next(page);
        }
    }

    private void purge(String day, CallContext context) throws RemoteStorageException {
        List<String> keys = new ArrayList<>();
        ListRequest request = ListRequest.all(day);
        while (true) {
            ListPage page = storage.list(request, context);
            page.objects().stream().map(ObjectMetadata::key).forEach(keys::add);
            if (page.isLast()) {
                break;
            }
            request = request.next(page);
        }
        for (DeleteResult result : storage.deleteBatch(keys, context)) {
            if (!result.isDeleted() && !(result.error().get() instanceof RemoteStorageException.NotFound)) {
                throw result.error().get();
            }
        }
        LOG.log(System.Logger.Level.INFO, "trash: purged {0} objects of {1}", keys.size(), day);
    }

    @Override
    public String toString() {
        return "trash deletion under " + prefix + " (retention " + retention + ") over " + storage;
    }
}
