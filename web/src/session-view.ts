// One open session: the xterm.js terminal fed by the session's event stream, the presence and
// activity panels, and resumption with the continuity token when the connection drops.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import {
  ClientFrameSchema, ClientKind, Mode, Reason, ServerFrameSchema,
  type AttachedClient, type Event, type Screen, type ServerFrame, type Sender,
} from "./gen/cmdop/v1/session_pb";
import type { Call, Carrier } from "./carrier";
import { el, kindName, modeName, since, printable } from "./dom";

const ATTACH = "cmdop.v1.Sessions/Attach";
const ACTIVITY_LIMIT = 100;
/** What one InputFrame may carry (session.proto). */
const MAX_INPUT_FRAME = 64 * 1024;
const encoder = new TextEncoder();

export interface SessionTarget {
  machine: string;
  session: string;
  mode: Mode;
}

/** What the view tells the page: its state line ("live", "reconnecting…") and fatal errors. */
export interface ViewEvents {
  state(text: string, live: boolean): void;
  error(message: string): void;
}

interface ActivityLine {
  clientId: string;
  text: string;
  open: boolean;
  node: HTMLElement;
}

export class SessionView {
  readonly root: HTMLElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly presence = new Map<string, AttachedClient>();
  private readonly presenceList: HTMLElement;
  private readonly activityList: HTMLElement;
  private readonly lines: ActivityLine[] = [];
  private carrier: Carrier | null = null;
  private call: Call | null = null;
  private token = "";
  private clientId = "";
  private lastSeq = 0n;
  private nextOffset = 0n;
  private mode: Mode;
  private closed = false;
  private resizeTimer = 0;
  private readonly presenceTimer: number;
  private readonly onWindowResize = () => this.scheduleResize();

  constructor(readonly target: SessionTarget, private readonly events: ViewEvents, compact: boolean) {
    this.mode = target.mode;
    const screen = el("div", { class: "terminal", "data-testid": "terminal" });
    this.presenceList = el("ul", { class: "presence", "data-testid": "presence" });
    this.activityList = el("ol", { class: "activity", "data-testid": "activity" });
    this.root = el("div", { class: "session-view" }, [
      screen,
      el("div", { class: "panels" }, [
        el("section", {}, [el("h3", {}, ["Here now"]), this.presenceList]),
        el("section", {}, [el("h3", {}, ["Who typed what"]), this.activityList]),
      ]),
    ]);
    this.term = new Terminal({
      fontSize: compact ? 11 : 14,
      scrollback: 1000,
      cursorBlink: false,
      disableStdin: this.mode === Mode.OBSERVER,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    });
    this.term.loadAddon(this.fit);
    this.term.open(screen);
    // Observers never send: their keystrokes are dropped here, and the relay would refuse them anyway.
    this.term.onData((data) => this.input(encoder.encode(data)));
    this.term.onBinary((data) => this.input(Uint8Array.from(data, (c) => c.charCodeAt(0))));
    window.addEventListener("resize", this.onWindowResize);
    this.presenceTimer = window.setInterval(() => this.renderPresence(), 10_000);  // keeps "since" current
  }

  get operator(): boolean {
    return this.mode === Mode.OPERATOR;
  }

  /** Attaches on this carrier: a fresh attach the first time, a resume with the token after a drop. */
  attach(carrier: Carrier): void {
    this.carrier = carrier;
    const dims = this.fit.proposeDimensions();
    const frame = this.token
      ? create(ClientFrameSchema, { body: { case: "resume", value: { token: this.token, offset: this.nextOffset, seq: this.lastSeq } } })
      : create(ClientFrameSchema, {
          body: {
            case: "attach",
            value: {
              session: { machine: this.target.machine, session: this.target.session },
              mode: this.mode,
              client: { kind: ClientKind.WEB, description: "cmdop web console" },
              size: dims ? { cols: dims.cols, rows: dims.rows } : undefined,
              scrollbackLines: 200,
            },
          },
        });
    const call = carrier.open(ATTACH, {
      onMessage: (bytes) => this.received(fromBinary(ServerFrameSchema, bytes)),
      onEnd: (end) => {
        if (this.call !== call) return;
        this.call = null;
        if (end.code !== 0 && end.code !== 14 && !this.token) this.events.error(end.message);
      },
    });
    this.call = call;
    call.send(toBinary(ClientFrameSchema, frame));
  }

  /** The carrier dropped: keep the token, the terminal and what was received; attach() resumes. */
  disconnected(): void {
    this.call = null;
    this.carrier = null;
  }

  /** A resume was refused (the grace window passed): start over with a fresh attach and screen. */
  forgetToken(): void {
    this.token = "";
  }

  close(): void {
    this.closed = true;
    window.removeEventListener("resize", this.onWindowResize);
    window.clearInterval(this.presenceTimer);
    if (this.call) {
      this.call.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { body: { case: "detach", value: {} } })));
      this.call.halfClose();
    }
    this.call = null;
    this.term.dispose();
  }

  private received(frame: ServerFrame): void {
    switch (frame.body.case) {
      case "attached": {
        const a = frame.body.value;
        this.token = a.continuityToken;
        this.clientId = a.clientId;
        this.mode = a.mode;
        this.term.options.disableStdin = a.mode !== Mode.OPERATOR;
        if (a.snapshot) this.draw(a.snapshot);
        if (!a.resumed || a.snapshot) {
          this.presence.clear();
          for (const c of a.session?.attached ?? []) this.presence.set(c.clientId, c);
          this.renderPresence();
        }
        this.events.state(`live · ${modeName(a.mode)}`, true);
        this.scheduleResize();
        break;
      }
      case "event":
        this.event(frame.body.value);
        break;
      case "resync": {
        const r = frame.body.value;
        this.note("—", `missed output (${r.gap?.reason ?? "gap"}); showing the current screen`);
        if (r.snapshot) this.draw(r.snapshot);
        break;
      }
      case "error": {
        const e = frame.body.value;
        if (e.fatal && this.token && (e.reason === Reason.TOKEN_INVALID || e.reason === Reason.TOKEN_EXPIRED)) {
          // Too late to resume: attach afresh, with the current screen.
          this.token = "";
          this.note("—", "could not resume (" + e.message + "); showing the current screen");
          const carrier = this.carrier;
          if (carrier) queueMicrotask(() => this.attach(carrier));
          return;
        }
        if (e.fatal && this.token && e.reason === Reason.MACHINE_OFFLINE) {
          // The machine has not re-linked yet (e.g. right after a relay restart): try again shortly.
          this.events.state("reconnecting… (waiting for the machine)", false);
          const carrier = this.carrier;
          window.setTimeout(() => { if (carrier && this.carrier === carrier && !this.closed) this.attach(carrier); }, 1000);
          return;
        }
        if (e.fatal) {
          this.token = "";
          this.closed = true;
          this.events.state("ended", false);
        }
        this.events.error(e.message);
        break;
      }
      default:
        break;
    }
  }

  private draw(screen: Screen): void {
    this.term.reset();
    if (screen.size && screen.size.cols > 0) this.term.resize(screen.size.cols, screen.size.rows);
    this.term.write(screen.ansi);
    this.lastSeq = screen.seq;
    this.nextOffset = screen.offset;
  }

  private event(e: Event): void {
    if (e.seq <= this.lastSeq) return;  // already shown (a replay overlapping what we hold)
    this.lastSeq = e.seq;
    switch (e.kind.case) {
      case "output": {
        const out = e.kind.value;
        const end = out.offset + BigInt(out.data.length);
        if (end <= this.nextOffset) return;
        const skip = out.offset < this.nextOffset ? Number(this.nextOffset - out.offset) : 0;
        this.term.write(skip ? out.data.subarray(skip) : out.data);
        this.nextOffset = end;
        break;
      }
      case "input":
        this.typed(e.kind.value.sender, e.kind.value.data, e.kind.value.commandId);
        break;
      case "joined":
        if (e.kind.value.client) this.presence.set(e.kind.value.client.clientId, e.kind.value.client);
        this.renderPresence();
        break;
      case "left":
        if (e.kind.value.client) this.presence.delete(e.kind.value.client.clientId);
        this.renderPresence();
        break;
      case "resized": {
        const size = e.kind.value.size;
        if (size && size.cols > 0) this.term.resize(size.cols, size.rows);
        break;
      }
      case "signaled":
        this.note(who(e.kind.value.sender), `sent signal ${e.kind.value.signal}`);
        break;
      case "commandStarted":
        this.note("▶", `command started${e.kind.value.command ? ": " + e.kind.value.command : ""}`);
        break;
      case "commandFinished":
        this.note("■", `command finished: exit ${e.kind.value.exitCode} (${e.kind.value.durationMs} ms)`, e.kind.value.exitCode === 0 ? "ok" : "failed");
        break;
      case "exited":
        this.note("■", `the program exited with code ${e.kind.value.exitCode}`);
        this.events.state(`exited (${e.kind.value.exitCode})`, false);
        break;
      default:
        break;
    }
  }

  /** Keystrokes or a paste; a paste longer than one input frame holds (64 KiB) goes in several, in order. */
  private input(data: Uint8Array): void {
    if (this.mode !== Mode.OPERATOR || !this.call) return;
    for (let from = 0; from < data.length; from += MAX_INPUT_FRAME) {
      const part = data.subarray(from, from + MAX_INPUT_FRAME);
      this.call.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { body: { case: "input", value: { data: part } } })));
    }
  }

  private scheduleResize(): void {
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => {
      const dims = this.fit.proposeDimensions();
      if (!dims || this.closed || !this.call || this.mode !== Mode.OPERATOR) return;
      if (dims.cols === this.term.cols && dims.rows === this.term.rows) return;
      this.call.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, {
        body: { case: "resize", value: { size: { cols: dims.cols, rows: dims.rows } } },
      })));
    }, 150);
  }

  /** Consecutive keystrokes of one client make one line until Enter; another sender starts a new one. */
  private typed(sender: Sender | undefined, data: Uint8Array, commandId: string): void {
    const id = sender?.clientId ?? "";
    const text = (commandId ? "ran " : "") + printable(data);
    const last = this.lines[this.lines.length - 1];
    let line: ActivityLine;
    if (!commandId && last && last.clientId === id && last.open && last.node === this.activityList.lastElementChild) {
      line = last;
      line.text += text;
      line.node.querySelector(".what")!.textContent = line.text;
    } else {
      const node = this.append(who(sender) + (id === this.clientId ? " (you)" : ""), text, "input");
      line = { clientId: id, text, open: !commandId, node };
      this.lines.push(line);
      if (this.lines.length > ACTIVITY_LIMIT) this.lines.shift();
    }
    if (data.includes(13) || data.includes(10)) line.open = false;
  }

  /** An entry that is not typing (a command boundary, a signal, a gap). */
  private note(whoText: string, what: string, tone = ""): void {
    this.append(whoText, what, tone);
  }

  private append(whoText: string, what: string, tone: string): HTMLElement {
    const node = el("li", { class: tone }, [el("span", { class: "who" }, [whoText]), " ", el("span", { class: "what" }, [what])]);
    this.activityList.append(node);
    while (this.activityList.children.length > ACTIVITY_LIMIT) this.activityList.firstElementChild!.remove();
    this.activityList.scrollTop = this.activityList.scrollHeight;
    return node;
  }

  private renderPresence(): void {
    this.presenceList.replaceChildren(...[...this.presence.values()].map((c) => el("li", {
      class: c.connected ? "" : "away", "data-mode": modeName(c.mode),
    }, [
      el("strong", {}, [c.principal]), c.clientId === this.clientId ? " (you)" : "",
      el("span", { class: "badge" }, [kindName(c.kind)]),
      el("span", { class: `badge ${modeName(c.mode)}` }, [modeName(c.mode)]),
      el("span", { class: "since" }, [c.connected ? `since ${since(c.sinceMs)}` : "reconnecting…"]),
    ])));
  }
}

function who(sender: Sender | undefined): string {
  if (!sender) return "someone";
  return `${sender.principal} (${kindName(sender.kind)})`;
}
