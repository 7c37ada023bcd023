package dev.strata.core.failpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.InvalidInputException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailpointsTest {

    @Test
    void parsesEveryAction() {
        assertEquals(FailpointAction.Kind.OFF, FailpointAction.parse("off").kind());
        assertNull(FailpointAction.parse("return").value());
        assertEquals("disk", FailpointAction.parse("return(disk)").value());
        assertEquals(25, FailpointAction.parse("sleep(25)").sleepMillis());
        assertEquals(FailpointAction.Kind.PAUSE, FailpointAction.parse("pause").kind());
        assertEquals(FailpointAction.Kind.PANIC, FailpointAction.parse("panic").kind());
        assertEquals(FailpointAction.Kind.EXIT, FailpointAction.parse("exit").kind());
        FailpointAction limited = FailpointAction.parse("50%3*return");
        assertEquals(50, limited.percent());
        assertEquals(3, limited.remaining());
        assertEquals(FailpointAction.Kind.RETURN, limited.kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "explode", "sleep()", "sleep(x)", "101%return", "return(", "3*"})
    void rejectsUnknownActionsNamingThem(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> FailpointAction.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void returnFiresOnlyTheConfiguredNumberOfTimes() throws Exception {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure("point", "2*return(full)");
        FailpointException first = assertThrows(FailpointException.class, () -> failpoints.hit("point"));
        assertEquals("full", first.value());
        assertEquals("point", first.failpoint());
        assertThrows(FailpointException.class, () -> failpoints.hit("point"));
        assertDoesNotThrow(() -> failpoints.hit("point"));
        assertDoesNotThrow(() -> failpoints.hit("another"));
    }

    @Test
    void panicThrowsAnErrorAndDisabledIgnoresEverything() throws Exception {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure("point", "panic");
        assertThrows(FailpointPanic.class, () -> failpoints.hit("point"));
        failpoints.configure("point", "off");
        failpoints.hit("point");
        Failpoints disabled = Failpoints.disabled();
        disabled.configure("point", "return");
        disabled.hit("point");
    }

    @Test
    void pauseHoldsUntilTheActionChanges() throws Exception {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure("point", "pause");
        CompletableFuture<Void> paused = CompletableFuture.runAsync(() -> {
            try {
                failpoints.hit("point");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100);
        assertTrue(!paused.isDone(), "paused at the failpoint");
        failpoints.configure("point", "off");
        paused.get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void probabilityZeroNeverFires() throws Exception {
        Failpoints failpoints = Failpoints.create();
        failpoints.configure("point", "0%return");
        for (int i = 0; i < 100; i++) {
            failpoints.hit("point");
        }
    }
}
