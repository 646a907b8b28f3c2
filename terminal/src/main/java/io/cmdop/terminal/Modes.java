package io.cmdop.terminal;

/**
 * The terminal modes a program switches with SM/RM and DECSET/DECRST that change how later output is drawn
 * or how the user's keys and mouse must be encoded, so a late-joining client has to adopt them.
 */
final class Modes {
    /** Mouse tracking as set by DECSET 1000, 1002 or 1003; setting one replaces the others. */
    enum MouseTracking {
        OFF(0), STANDARD(1000), BUTTON(1002), ANY(1003);

        final int mode;

        MouseTracking(int mode) {
            this.mode = mode;
        }
    }

    boolean insert;          // IRM (4)
    boolean applicationCursor; // DECCKM (?1)
    boolean origin;          // DECOM (?6)
    boolean autowrap;        // DECAWM (?7)
    boolean cursorBlink;     // ?12
    boolean cursorVisible;   // DECTCEM (?25)
    boolean applicationKeypad; // DECKPAM / DECKPNM
    boolean bracketedPaste;  // ?2004
    boolean focusEvents;     // ?1004
    boolean mouseUtf8;       // ?1005
    boolean mouseSgr;        // ?1006
    MouseTracking mouse;

    Modes() {
        reset();
    }

    /** The modes of a freshly reset terminal: autowrap on, cursor shown, everything else off. */
    void reset() {
        insert = false;
        applicationCursor = false;
        origin = false;
        autowrap = true;
        cursorBlink = false;
        cursorVisible = true;
        applicationKeypad = false;
        bracketedPaste = false;
        focusEvents = false;
        mouseUtf8 = false;
        mouseSgr = false;
        mouse = MouseTracking.OFF;
    }

    Modes copy() {
        Modes m = new Modes();
        m.insert = insert;
        m.applicationCursor = applicationCursor;
        m.origin = origin;
        m.autowrap = autowrap;
        m.cursorBlink = cursorBlink;
        m.cursorVisible = cursorVisible;
        m.applicationKeypad = applicationKeypad;
        m.bracketedPaste = bracketedPaste;
        m.focusEvents = focusEvents;
        m.mouseUtf8 = mouseUtf8;
        m.mouseSgr = mouseSgr;
        m.mouse = mouse;
        return m;
    }
}
