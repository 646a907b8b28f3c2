package io.cmdop.session.pty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignalTest {
    @ParameterizedTest
    @ValueSource(strings = {"INT", "SIGINT", "int", "sigint", "SigInt", "2", " INT "})
    void parsesEveryUsualSpellingOfInterrupt(String name) {
        assertThat(Signal.parse(name)).contains(Signal.INT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "SIG", "SIGSIGINT", "INTR", "-2", "+2", "2.0", "0", "99", "4294967298",
            "ＩＮＴ", "KILL9", "SIG INT", "9 "  + "x"})
    void rejectsJunk(String name) {
        assertThat(Signal.parse(name)).isEmpty();
    }

    @Test
    void rejectsNull() {
        assertThat(Signal.parse(null)).isEmpty();
    }

    @Test
    void numbersAreThoseOfLinux() {
        assertThat(Signal.HUP.number()).isEqualTo(1);
        assertThat(Signal.INT.number()).isEqualTo(2);
        assertThat(Signal.QUIT.number()).isEqualTo(3);
        assertThat(Signal.KILL.number()).isEqualTo(9);
        assertThat(Signal.USR1.number()).isEqualTo(10);
        assertThat(Signal.USR2.number()).isEqualTo(12);
        assertThat(Signal.TERM.number()).isEqualTo(15);
        assertThat(Signal.CONT.number()).isEqualTo(18);
        assertThat(Signal.STOP.number()).isEqualTo(19);
        assertThat(Signal.TSTP.number()).isEqualTo(20);
        assertThat(Signal.WINCH.number()).isEqualTo(28);
    }

    @Test
    void everySignalParsesFromItsNameAndNumber() {
        for (Signal signal : Signal.values()) {
            assertThat(Signal.parse(signal.name())).contains(signal);
            assertThat(Signal.parse(signal.signalName())).contains(signal);
            assertThat(Signal.parse(Integer.toString(signal.number()))).contains(signal);
            assertThat(Signal.of(signal.number())).contains(signal);
        }
    }
}
