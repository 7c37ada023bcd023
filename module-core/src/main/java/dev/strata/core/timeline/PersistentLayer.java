package dev.strata.core.timeline;

import dev.strata.api.Generation;
import dev.strata.api.ImageLayerName;
import dev.strata.api.Key;
import dev.strata.api.LayerFileName;
import dev.strata.api.LayerName;
import dev.strata.core.index.LayerMetadata;
import dev.strata.core.layer.LayerFile;
import java.util.Objects;

/** A layer file that the timeline's index lists, open for reading. */
record PersistentLayer(LayerFileName fileName, long fileSize, LayerFile file) {
    PersistentLayer {
        Objects.requireNonNull(fileName, "fileName is null");
        Objects.requireNonNull(file, "file is null");
    }

    LayerName name() {
        return fileName.name();
    }

    Generation generation() {
        return fileName.generation();
    }

    boolean isImage() {
        return fileName.name() instanceof ImageLayerName;
    }

    boolean isL0() {
        return fileName.name().isL0();
    }

    boolean containsKey(Key key) {
        return fileName.name().containsKey(key);
    }

    long lsnStart() {
        return fileName.name().lsnStart().value();
    }

    /** Exclusive end; an image's LSN plus one. */
    long lsnEnd() {
        return fileName.name().lsnEnd().value();
    }

    LayerMetadata metadata() {
        return new LayerMetadata(fileSize, fileName.generation());
    }
}
