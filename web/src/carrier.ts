// The WebSocket carrier (docs/protocol.md, "The WebSocket carrier"): cmdop.v1 calls multiplexed
// as WebFrames on one socket at /ws. The browser is one more client of the same services.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { WebFrameSchema, type WebFrame } from "./gen/cmdop/v1/web_pb";
import type { Identity } from "./gen/cmdop/v1/link_pb";
import { ClientKind, Reason } from "./gen/cmdop/v1/session_pb";

/** A refusal from the relay, with its stable reason. */
export class CmdopError extends Error {
  constructor(message: string, readonly reason: Reason, readonly code = 0) {
    super(message);
  }
}

/** How a call ended: code 0 is success. */
export interface CallEnd {
  code: number;
  reason: Reason;
  message: string;
}

/** One open call: messages go up with send(), answers come to the handlers given at its start. */
export interface Call {
  send(message: Uint8Array): void;
  halfClose(): void;
  cancel(): void;
}

interface OpenCall {
  onMessage(bytes: Uint8Array): void;
  onEnd(end: CallEnd): void;
}

const KEEPALIVE_MS = 20_000;

/** Explains a close the relay did not explain itself (no Error frame came first). */
function describeClose(event: CloseEvent): string {
  switch (event.code) {
    case 1009:
      return "a frame was larger than the relay accepts";
    case 1008:
    case 1003:
    case 1007:
      return event.reason || "the relay refused the connection";
    default:
      return event.reason || "the connection to the relay was lost";
  }
}

export class Carrier {
  private readonly calls = new Map<bigint, OpenCall>();
  private nextCall = 1n;
  private keepalive = 0;
  private closedBy: string | null = null;

  private constructor(
    private readonly socket: WebSocket,
    readonly identity: Identity,
    private readonly onClosed: (why: string, refused: CmdopError | null) => void,
  ) {}

  /**
   * Opens a socket and signs in with an API key or a share token: the first frame, never the URL.
   * Rejects with the relay's reason when it refuses. `onClosed` tells when a signed-in socket ends.
   */
  static connect(credential: string, onClosed: (why: string, refused: CmdopError | null) => void): Promise<Carrier> {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.binaryType = "arraybuffer";
    return new Promise((resolve, reject) => {
      let carrier: Carrier | null = null;
      let refused: CmdopError | null = null;
      socket.onopen = () => {
        socket.send(toBinary(WebFrameSchema, create(WebFrameSchema, {
          body: { case: "signIn", value: { credential, client: { kind: ClientKind.WEB, description: "cmdop web console" } } },
        })));
      };
      socket.onmessage = (event) => {
        let frame: WebFrame;
        try {
          frame = fromBinary(WebFrameSchema, new Uint8Array(event.data as ArrayBuffer));
        } catch {
          socket.close(1007, "not a WebFrame");
          return;
        }
        if (frame.body.case === "signedIn" && carrier === null) {
          carrier = new Carrier(socket, frame.body.value, onClosed);
          carrier.startKeepalive();
          resolve(carrier);
        } else if (frame.body.case === "error") {
          refused = new CmdopError(frame.body.value.message, frame.body.value.reason);
          if (carrier) carrier.closedBy = refused.message;
        } else if (carrier) {
          carrier.dispatch(frame);
        }
      };
      socket.onclose = (event) => {
        if (carrier) {
          carrier.ended(carrier.closedBy ?? describeClose(event), refused);
        } else {
          reject(refused ?? new CmdopError(describeClose(event), Reason.UNSPECIFIED));
        }
      };
    });
  }

  /** A unary call: one request, one answer. */
  unary<I extends DescMessage, O extends DescMessage>(method: string, input: I, request: MessageInitShape<I>, output: O): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      let answer: MessageShape<O> | null = null;
      const call = this.open(method, {
        onMessage: (bytes) => { answer = fromBinary(output, bytes); },
        onEnd: (end) => {
          if (end.code === 0 && answer) resolve(answer);
          else reject(new CmdopError(end.message || "the call failed", end.reason, end.code));
        },
      });
      call.send(toBinary(input, create(input, request)));
      call.halfClose();
    });
  }

  /** A streaming call; `onMessage` gets each answer's bytes, `onEnd` its end. */
  open(method: string, handlers: OpenCall): Call {
    const id = this.nextCall++;
    this.calls.set(id, handlers);
    this.frame({ call: id, body: { case: "start", value: { method } } });
    return {
      send: (message) => this.frame({ call: id, body: { case: "message", value: message } }),
      halfClose: () => this.frame({ call: id, body: { case: "halfClose", value: {} } }),
      cancel: () => {
        if (this.calls.delete(id)) this.frame({ call: id, body: { case: "cancel", value: {} } });
      },
    };
  }

  close(): void {
    this.closedBy = "signed out";
    this.socket.close(1000, "signed out");
  }

  private frame(init: Parameters<typeof create<typeof WebFrameSchema>>[1]): void {
    if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(toBinary(WebFrameSchema, create(WebFrameSchema, init)));
    }
  }

  private dispatch(frame: WebFrame): void {
    const call = this.calls.get(frame.call);
    if (!call) return;
    if (frame.body.case === "message") {
      call.onMessage(frame.body.value);
    } else if (frame.body.case === "status") {
      this.calls.delete(frame.call);
      call.onEnd({ code: frame.body.value.code, reason: frame.body.value.reason, message: frame.body.value.message });
    }
  }

  private startKeepalive(): void {
    this.keepalive = window.setInterval(() => this.frame({}), KEEPALIVE_MS);
  }

  private ended(why: string, refused: CmdopError | null): void {
    window.clearInterval(this.keepalive);
    const open = [...this.calls.values()];
    this.calls.clear();
    for (const call of open) call.onEnd({ code: 14, reason: Reason.UNSPECIFIED, message: why });
    this.onClosed(why, refused);
  }
}
