// Small DOM helpers: elements are built with textContent only (never innerHTML), so nothing a
// session prints or a principal is named can become markup.
import { ClientKind, Mode } from "./gen/cmdop/v1/session_pb";

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function kindName(kind: ClientKind): string {
  switch (kind) {
    case ClientKind.CLI: return "cli";
    case ClientKind.WEB: return "web";
    case ClientKind.SDK: return "sdk";
    case ClientKind.AI: return "ai";
    default: return "other";
  }
}

export function modeName(mode: Mode): string {
  return mode === Mode.OBSERVER ? "observer" : "operator";
}

export function since(epochMs: bigint): string {
  const seconds = Math.max(0, Math.round((Date.now() - Number(epochMs)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

/** Keystrokes for a person: Enter as ⏎, other control characters as ^X. */
export function printable(data: Uint8Array): string {
  const text = new TextDecoder().decode(data);
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 13 || code === 10) out += "⏎";
    else if (code === 27) out += "⎋";
    else if (code < 32) out += "^" + String.fromCharCode(code + 64);
    else if (code === 127) out += "⌫";
    else out += ch;
  }
  return out;
}

export function when(epochMs: bigint): string {
  return new Date(Number(epochMs)).toLocaleString();
}
