package dev.strata.core.walbackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.Lsn;
import dev.strata.core.io.DurableFiles;
import dev.strata.core.walbackup.WalBackupState.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL backup state file and the names of backed-up WAL objects. */
final class WalBackupStateTest {
    private static final WalObjectName.Full FULL = new WalObjectName.Full(Lsn.of(0x0100_0000L));
    private static final WalObjectName.Partial PARTIAL = new WalObjectName.Partial(Lsn.of(0x0200_0000L),
            Generation.of(3), Lsn.of(0x0200_2A10L), Lsn.of(0x0200_2A10L), 7);

    @TempDir
    Path directory;

    @Test
    void objectNamesFollowTheRemoteLayout() {
        assertEquals("0000000001000000.wal", FULL.objectName());
        assertEquals("0000000002000000.wal_00000003_0000000002002A10_0000000002002A10_node7.partial",
                PARTIAL.objectName());
        assertEquals(Optional.of(FULL), WalObjectName.parse(FULL.objectName()));
        assertEquals(Optional.of(PARTIAL), WalObjectName.parse(PARTIAL.objectName()));
        for (String other : List.of("index_part.json-00000001", "0000000001000000.wal_x.partial",
                "0000000002000000.wal_00000003_0000000002002A10_0000000002002A10_node.partial",
                "0000000002000000.wal_0000003_0000000002002A10_0000000002002A10_node7.partial",
                "0000000002000000.wal_00000003_0000000002002A10_0000000002002A10_node7",
                "0000000001000000.wal.___temp")) {
            assertEquals(Optional.empty(), WalObjectName.parse(other), other);
        }
    }

    @Test
    void aPartialCannotClaimACommitBeyondItsFlush() {
        assertThrows(IllegalArgumentException.class, () -> new WalObjectName.Partial(Lsn.of(0x100), Generation.of(1),
                Lsn.of(0x200), Lsn.of(0x201), 1));
    }

    @Test
    void stateRoundTripsCrashSafely() throws IOException {
        WalBackupState state = WalBackupState.EMPTY.with(FULL, Status.UPLOADED).with(PARTIAL, Status.IN_PROGRESS);
        state.write(directory);
        assertEquals(state, WalBackupState.read(directory));
        state = state.with(PARTIAL, Status.DELETING);
        state.write(directory);
        assertEquals(List.of(PARTIAL), WalBackupState.read(directory).objects(Status.DELETING));
        try (var files = Files.list(directory)) {
            assertEquals(List.of(WalBackupState.FILE_NAME), files.map(path -> path.getFileName().toString()).toList(),
                    "no temp file is left behind");
        }
    }

    @Test
    void aMissingStateFileIsAnEmptyState() throws IOException {
        assertEquals(WalBackupState.EMPTY, WalBackupState.read(directory));
    }

    @Test
    void unknownFieldsOfANewerWriterAreIgnored() throws IOException {
        String json = """
                {"version":2,"written_by":"a newer release","entries":[
                  {"object":"%s","status":"uploaded","size":123456,"checksum":{"crc32c":"abcd"}},
                  {"object":"%s","status":"deleting","reason":"superseded"}],
                 "last_upload":{"at":"2026-01-01T00:00:00Z"}}
                """.formatted(PARTIAL.objectName(), FULL.objectName());
        DurableFiles.writeAtomically(directory.resolve(WalBackupState.FILE_NAME), json.getBytes(StandardCharsets.UTF_8));
        WalBackupState state = WalBackupState.read(directory);
        assertEquals(List.of(PARTIAL), state.objects(Status.UPLOADED));
        assertEquals(List.of(FULL), state.objects(Status.DELETING));
    }

    @Test
    void aBrokenStateFileNamesTheFileAndTheProblem() throws IOException {
        Path file = directory.resolve(WalBackupState.FILE_NAME);
        Files.writeString(file, "{\"version\":1,\"entries\":[{\"object\":\"nonsense\",\"status\":\"uploaded\"}]}");
        IOException badName = assertThrows(IOException.class, () -> WalBackupState.read(directory));
        assertTrue(badName.getMessage().contains(file.toString()) && badName.getMessage().contains("nonsense"),
                badName.getMessage());
        Files.writeString(file, "{\"version\":1,\"entries\":[{\"object\":\"" + FULL.objectName()
                + "\",\"status\":\"lost\"}]}");
        IOException badStatus = assertThrows(IOException.class, () -> WalBackupState.read(directory));
        assertTrue(badStatus.getMessage().contains("lost"), badStatus.getMessage());
        Files.writeString(file, "{\"entries\":[]}");
        assertThrows(IOException.class, () -> WalBackupState.read(directory));
    }
}
