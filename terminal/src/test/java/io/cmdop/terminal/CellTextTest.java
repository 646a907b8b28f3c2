package io.cmdop.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CellTextTest {
    @Test
    void shortTextIsPaddedToTheWidth() {
        assertThat(CellText.fit("abc", 6)).isEqualTo("abc   ");
    }

    @Test
    void aWideCharacterThatWouldBeHalfShownIsLeftOutAndItsCellPadded() {
        assertThat(CellText.fit("ab構築", 5)).isEqualTo("ab構 ");
        assertThat(CellText.fit("ab構築", 6)).isEqualTo("ab構築");
    }

    @Test
    void aCharacterOutsideTheBasicPlaneIsKeptWholeOrLeftOut() {
        String grinning = new String(Character.toChars(0x1F600)); // two cells, a surrogate pair
        assertThat(CellText.fit("a" + grinning + "b", 3)).isEqualTo("a" + grinning);
        assertThat(CellText.fit("a" + grinning + "b", 2)).isEqualTo("a ");
    }

    @Test
    void combiningMarksStayWithTheirLetterAndTakeNoCell() {
        assertThat(CellText.fit("e\u0301x", 2)).isEqualTo("e\u0301x");
    }

    @Test
    void controlCharactersShowAsQuestionMarks() {
        assertThat(CellText.fit("a\u001b[2J\u009b\u007fb", 8)).isEqualTo("a?[2J??b");
    }
}
