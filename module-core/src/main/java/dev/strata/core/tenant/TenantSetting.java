package dev.strata.core.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.strata.api.InvalidInputException;
import dev.strata.api.Durations;
import dev.strata.core.layer.LayerWriteOptions;
import dev.strata.core.timeline.TimelineSettings;
import dev.strata.core.wal.Durability;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A setting a tenant may override over the node's {@code [tenant_defaults]}: its name (the same key as in
 * {@code strata.toml}, {@code tenant_conf} and {@code config-v1}), the type of its value, and whether running
 * timelines pick up a change ({@link #live()}) or only when they are loaded again (a node restart or a
 * re-attach).
 *
 * <p>Values are held in one canonical type per kind: {@link Long} for integers, {@link Duration},
 * {@link Boolean} and {@link Durability}.
 */
public enum TenantSetting {
    CHECKPOINT_DISTANCE("checkpoint_distance", Kind.INTEGER, true),
    CHECKPOINT_TIMEOUT("checkpoint_timeout", Kind.DURATION, true),
    MAX_FROZEN_LAYERS("max_frozen_layers", Kind.INTEGER, true),
    COMPACTION_THRESHOLD("compaction_threshold", Kind.INTEGER, true),
    COMPACTION_TARGET_SIZE("compaction_target_size", Kind.INTEGER, true),
    IMAGE_CREATION_THRESHOLD("image_creation_threshold", Kind.INTEGER, true),
    GC_HORIZON("gc_horizon", Kind.INTEGER, true),
    PITR_INTERVAL("pitr_interval", Kind.DURATION, true),
    GC_PERIOD("gc_period", Kind.DURATION, true),
    COMPRESS("compress", Kind.BOOLEAN, true),
    EVICTION_IDLE_THRESHOLD("eviction_idle_threshold", Kind.DURATION, true),
    WAL_SEGMENT_SIZE("wal_segment_size", Kind.INTEGER, false),
    WAL_SPARE_SEGMENTS("wal_spare_segments", Kind.INTEGER, false),
    DURABILITY("durability", Kind.DURABILITY, false);

    /** The type of a setting's value. */
    public enum Kind { INTEGER, DURATION, BOOLEAN, DURABILITY }

    private final String key;
    private final Kind kind;
    private final boolean live;

    TenantSetting(String key, Kind kind, boolean live) {
        this.key = key;
        this.kind = kind;
        this.live = live;
    }

    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** True when running timelines apply a change at once; false when it waits for the next load. */
    public boolean live() {
        return live;
    }

    /** Every key, sorted, for messages. */
    public static List<String> keys() {
        return Arrays.stream(values()).map(TenantSetting::key).sorted().toList();
    }

    /**
     * The setting named {@code key}.
     *
     * @throws InvalidInputException naming the key and the known ones
     */
    public static TenantSetting ofKey(String key) {
        for (TenantSetting setting : values()) {
            if (setting.key.equals(key)) {
                return setting;
            }
        }
        throw new InvalidInputException("tenant config key", key, "unknown; known keys: " + keys());
    }

    /** The setting named {@code key}, or empty: readers of stored configs ignore keys they do not know. */
    static Optional<TenantSetting> find(String key) {
        return Arrays.stream(values()).filter(setting -> setting.key.equals(key)).findFirst();
    }

    /**
     * Parses a JSON or TOML value into this setting's canonical type.
     *
     * @throws InvalidInputException naming the key and the value when the type or form is wrong
     */
    public Object parse(JsonNode value) {
        return switch (kind) {
            case INTEGER -> {
                if (!value.canConvertToExactIntegral() || !value.canConvertToLong() || !value.isNumber()) {
                    throw invalid(value, "expected an integer");
                }
                yield value.asLong();
            }
            case DURATION -> {
                if (!value.isTextual()) {
                    throw invalid(value, "expected a duration such as \"250ms\", \"30s\", \"10m\", \"2h\", \"7d\"");
                }
                try {
                    yield Durations.parse(value.asText());
                } catch (IllegalArgumentException e) {
                    throw invalid(value, e.getMessage());
                }
            }
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    throw invalid(value, "expected true or false");
                }
                yield value.asBoolean();
            }
            case DURABILITY -> {
                if (!value.isTextual()) {
                    throw invalid(value, "expected \"fsync\" or \"periodic\"");
                }
                yield switch (value.asText().toLowerCase(Locale.ROOT)) {
                    case "fsync" -> Durability.FSYNC;
                    case "periodic" -> Durability.PERIODIC;
                    default -> throw invalid(value, "expected \"fsync\" or \"periodic\"");
                };
            }
        };
    }

    /** The value as JSON (durations in the configuration file's short form). */
    public JsonNode toJson(Object value) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        return switch (kind) {
            case INTEGER -> json.numberNode((Long) value);
            case DURATION -> json.textNode(Durations.format((Duration) value));
            case BOOLEAN -> json.booleanNode((Boolean) value);
            case DURABILITY -> json.textNode(((Durability) value).name().toLowerCase(Locale.ROOT));
        };
    }

    /**
     * {@code settings} with this setting set to {@code value} (of this setting's canonical type).
     *
     * @throws InvalidInputException naming the key and the value when the settings refuse it
     */
    public TimelineSettings apply(TimelineSettings settings, Object value) {
        try {
            return switch (this) {
                case CHECKPOINT_DISTANCE -> settings.withCheckpointDistance((Long) value);
                case CHECKPOINT_TIMEOUT -> settings.withCheckpointTimeout((Duration) value);
                case MAX_FROZEN_LAYERS -> settings.withMaxFrozenLayers(toInt(value));
                case COMPACTION_THRESHOLD -> settings.withCompaction(toInt(value), settings.compactionTargetSize(),
                        settings.imageCreationThreshold());
                case COMPACTION_TARGET_SIZE -> settings.withCompaction(settings.compactionThreshold(), (Long) value,
                        settings.imageCreationThreshold());
                case IMAGE_CREATION_THRESHOLD -> settings.withCompaction(settings.compactionThreshold(),
                        settings.compactionTargetSize(), toInt(value));
                case GC_HORIZON -> settings.withGc((Long) value, settings.pitrInterval());
                case PITR_INTERVAL -> settings.withGc(settings.gcHorizon(), (Duration) value);
                case GC_PERIOD -> settings.withGcPeriod((Duration) value);
                case COMPRESS -> settings.withLayerWrite(new LayerWriteOptions(settings.layerWrite().targetBlockBytes(),
                        (Boolean) value));
                case EVICTION_IDLE_THRESHOLD -> settings.withEvictionIdleThreshold(Optional.of((Duration) value));
                case WAL_SEGMENT_SIZE -> settings.withWal(settings.wal().withSegmentBytes((Long) value));
                case WAL_SPARE_SEGMENTS -> settings.withWal(settings.wal().withSpareSegments(toInt(value)));
                case DURABILITY -> settings.withWal(settings.wal().withDurability((Durability) value));
            };
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("tenant config value", key + " = " + toJson(value), e.getMessage());
        }
    }

    /**
     * This setting's value in {@code settings}; for the eviction threshold, {@code nodeIdleThreshold} when the
     * settings do not set one.
     */
    public Object valueIn(TimelineSettings settings, Duration nodeIdleThreshold) {
        return switch (this) {
            case CHECKPOINT_DISTANCE -> settings.checkpointDistance();
            case CHECKPOINT_TIMEOUT -> settings.checkpointTimeout();
            case MAX_FROZEN_LAYERS -> (long) settings.maxFrozenLayers();
            case COMPACTION_THRESHOLD -> (long) settings.compactionThreshold();
            case COMPACTION_TARGET_SIZE -> settings.compactionTargetSize();
            case IMAGE_CREATION_THRESHOLD -> (long) settings.imageCreationThreshold();
            case GC_HORIZON -> settings.gcHorizon();
            case PITR_INTERVAL -> settings.pitrInterval();
            case GC_PERIOD -> settings.gcPeriod();
            case COMPRESS -> settings.layerWrite().compress();
            case EVICTION_IDLE_THRESHOLD -> settings.evictionIdleThreshold().orElse(nodeIdleThreshold);
            case WAL_SEGMENT_SIZE -> settings.wal().segmentBytes();
            case WAL_SPARE_SEGMENTS -> (long) settings.wal().spareSegments();
            case DURABILITY -> settings.wal().durability();
        };
    }

    private int toInt(Object value) {
        long number = (Long) value;
        if (number < Integer.MIN_VALUE || number > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must fit in 32 bits, got " + number);
        }
        return (int) number;
    }

    private InvalidInputException invalid(JsonNode value, String reason) {
        return new InvalidInputException("tenant config value", key + " = " + value, reason);
    }
}
