// The cmdop web console: sign in with an API key (kept in this tab's session storage only), see
// the fleet live, open a session as operator or observer, share it. /share#TOKEN opens the one
// session a share link grants, without an account.
import "./csp-nonce";
import {
  CreateShareLinkRequestSchema, CreatedShareLinkSchema, ListMachinesRequestSchema, ListMachinesResponseSchema,
  ListShareLinksRequestSchema, ListShareLinksResponseSchema, RevokeShareLinkRequestSchema, Role, ShareLinkSchema,
  type Identity, type Machine, type ShareLink,
} from "./gen/cmdop/v1/link_pb";
import {
  ListSessionsRequestSchema, ListSessionsResponseSchema, Mode, Reason, SessionState, type SessionInfo,
} from "./gen/cmdop/v1/session_pb";
import { Carrier, CmdopError } from "./carrier";
import { SessionView, type SessionTarget } from "./session-view";
import { el, kindName, modeName, when } from "./dom";

const KEY = "cmdop.key";
const SHARE = "cmdop.share";
const FLEET_POLL_MS = 2000;
const compact = () => window.matchMedia("(max-width: 700px)").matches;

class Console {
  private readonly errorBox = el("div", { class: "error", role: "alert", "data-testid": "error", hidden: "" });
  private readonly stateBox = el("span", { class: "state", "data-testid": "state" });
  private readonly whoBox = el("span", { class: "who", "data-testid": "who" });
  private readonly signOutButton = el("button", { type: "button", class: "link", hidden: "" }, ["Sign out"]);
  private readonly body = el("div", { class: "body" });
  private carrier: Carrier | null = null;
  private credential = "";
  private identity: Identity | null = null;
  private view: SessionView | null = null;
  private fleetTimer = 0;
  private reconnectTimer = 0;
  private attempts = 0;
  private signedOut = false;

  constructor(root: HTMLElement) {
    root.append(
      el("header", {}, [el("span", { class: "brand" }, ["cmdop"]), this.whoBox, this.stateBox, this.signOutButton]),
      this.errorBox,
      this.body,
    );
    this.signOutButton.addEventListener("click", () => this.signOut());
  }

  start(): void {
    if (location.pathname === "/share") {
      // The token is the capability: keep it in this tab only, and out of the address bar.
      const token = decodeURIComponent(location.hash.slice(1)) || sessionStorage.getItem(SHARE) || "";
      history.replaceState(null, "", "/share");
      if (!token) return this.fail("This share link is incomplete: open the whole link you were given.");
      sessionStorage.setItem(SHARE, token);
      this.connect(token, true);
      return;
    }
    const key = sessionStorage.getItem(KEY);
    if (key) this.connect(key, true);
    else this.showSignIn();
  }

  private showSignIn(message = ""): void {
    const input = el("input", { type: "password", name: "key", autocomplete: "off", spellcheck: "false",
      placeholder: "cmdop_…", "aria-label": "API key", "data-testid": "key" });
    const button = el("button", { type: "submit", "data-testid": "sign-in" }, ["Sign in"]);
    const form = el("form", { class: "sign-in" }, [
      el("h1", {}, ["Sign in to cmdop"]),
      el("p", {}, ["Paste an API key (", el("code", {}, ["cmdop keys create"]), "). It stays in this tab only."]),
      input, button,
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      button.disabled = true;
      this.connect(key, true);
    });
    this.body.replaceChildren(form);
    this.whoBox.textContent = "";
    this.stateBox.textContent = "";
    this.signOutButton.hidden = true;
    if (message) this.showError(message);
    input.focus();
  }

  private connect(credential: string, first: boolean): void {
    this.credential = credential;
    Carrier.connect(credential, (why, refused) => this.closed(why, refused)).then((carrier) => {
      this.carrier = carrier;
      this.attempts = 0;
      this.clearError();
      const fresh = this.identity === null;
      this.identity = carrier.identity;
      if (!carrier.identity.share) sessionStorage.setItem(KEY, credential);
      if (fresh) this.render();  // opens a share link's session, which attaches
      else if (this.view) this.view.attach(carrier);  // resumes with the continuity token
      this.setState(this.view ? "resuming…" : "connected", !this.view);
    }, (error: unknown) => {
      const refused = error instanceof CmdopError ? error : new CmdopError(String(error), Reason.UNSPECIFIED);
      if (refused.reason === Reason.LIMIT_REACHED) {
        // Too many attempts from here: say so, keep the credential, try again when the minute is over.
        this.showError(refused.message);
        window.clearTimeout(this.reconnectTimer);
        this.reconnectTimer = window.setTimeout(() => this.connect(credential, first), 15_000);
      } else if (first || refused.reason === Reason.UNAUTHENTICATED) {
        this.refused(refused);
      } else {
        this.reconnectLater();
      }
    });
  }

  /** The relay refused the credential: back to sign-in (or, for a share link, the reason). */
  private refused(error: CmdopError): void {
    this.view?.close();
    this.view = null;
    this.identity = null;
    window.clearInterval(this.fleetTimer);
    if (location.pathname === "/share") {
      sessionStorage.removeItem(SHARE);
      this.fail(shareMessage(error.message));
    } else {
      sessionStorage.removeItem(KEY);
      this.showSignIn(error.message);
    }
  }

  private closed(why: string, refused: CmdopError | null): void {
    this.carrier = null;
    this.view?.disconnected();
    if (this.signedOut) return;
    if (refused && refused.reason !== Reason.UNSPECIFIED && refused.reason !== Reason.INTERNAL) {
      this.showError(refused.message);
    }
    this.setState("reconnecting…", false);
    this.reconnectLater(why);
  }

  private reconnectLater(why = ""): void {
    window.clearTimeout(this.reconnectTimer);
    const delay = Math.min(4000, 250 * 2 ** this.attempts++);
    this.setState("reconnecting…", false, why);
    this.reconnectTimer = window.setTimeout(() => this.connect(this.credential, false), delay);
  }

  private signOut(): void {
    this.signedOut = true;
    this.view?.close();
    this.view = null;
    this.carrier?.close();
    this.carrier = null;
    this.identity = null;
    window.clearInterval(this.fleetTimer);
    sessionStorage.removeItem(KEY);
    this.signedOut = false;
    this.showSignIn();
  }

  private render(): void {
    const identity = this.identity!;
    this.signOutButton.hidden = !!identity.share;
    if (identity.share) {
      const link = identity.share;
      this.whoBox.textContent = `shared session · expires ${when(link.expiresAtMs)}`;
      this.open({ machine: link.machine, session: link.sessionId, mode: link.mode },
        `${link.machine}/${link.sessionName || link.sessionId}`);
      return;
    }
    this.whoBox.textContent = `${identity.member}@${identity.fleet} (${roleName(identity.role)})`;
    const machines = el("ul", { class: "machines", "data-testid": "machines" });
    const main = el("main", { "data-testid": "main" }, [el("p", { class: "hint" }, ["Open a session from the list."])]);
    this.body.replaceChildren(el("div", { class: "console" }, [
      el("aside", {}, [el("h2", {}, ["Machines"]), machines]),
      main,
    ]));
    const refresh = () => this.refreshFleet(machines);
    refresh();
    window.clearInterval(this.fleetTimer);
    this.fleetTimer = window.setInterval(refresh, FLEET_POLL_MS);
  }

  private async refreshFleet(list: HTMLElement): Promise<void> {
    const carrier = this.carrier;
    if (!carrier) return;
    try {
      const [machines, sessions] = await Promise.all([
        carrier.unary("cmdop.v1.Fleet/ListMachines", ListMachinesRequestSchema, { }, ListMachinesResponseSchema),
        carrier.unary("cmdop.v1.Sessions/ListSessions", ListSessionsRequestSchema, { machine: "" }, ListSessionsResponseSchema),
      ]);
      list.replaceChildren(...machines.machines.map((m) => this.machineItem(m, sessions.sessions.filter((s) => s.machine === m.name))));
    } catch (e) {
      if (e instanceof CmdopError && e.code !== 14) this.showError(e.message);
    }
  }

  private machineItem(machine: Machine, sessions: SessionInfo[]): HTMLElement {
    const operate = this.identity!.role !== Role.GUEST;
    return el("li", { "data-machine": machine.name, class: machine.online ? "online" : "offline" }, [
      el("div", { class: "machine" }, [
        el("span", { class: "dot", title: machine.online ? "online" : "offline" }),
        el("strong", {}, [machine.name]),
        el("span", { class: "muted" }, [machine.online ? `${sessions.length} session${sessions.length === 1 ? "" : "s"}` : "offline"]),
      ]),
      el("ul", { class: "sessions" }, sessions.map((s) => {
        const name = s.name || s.id;
        const target = (mode: Mode): SessionTarget => ({ machine: machine.name, session: s.id, mode });
        const buttons = [];
        if (operate && s.state === SessionState.RUNNING) buttons.push(button("Open", () => this.open(target(Mode.OPERATOR), `${machine.name}/${name}`), `open ${machine.name}/${name}`));
        buttons.push(button("Watch", () => this.open(target(Mode.OBSERVER), `${machine.name}/${name}`), `watch ${machine.name}/${name}`));
        return el("li", { "data-session": `${machine.name}/${name}` }, [
          el("div", {}, [el("span", { class: "name" }, [name]), s.state === SessionState.EXITED ? el("span", { class: "muted" }, [` exited ${s.exitCode ?? ""}`]) : ""]),
          el("div", { class: "muted attached" }, [s.attached.length ? s.attached.map((c) => `${c.principal} (${kindName(c.kind)}, ${modeName(c.mode)})`).join(", ") : "nobody attached"]),
          el("div", { class: "actions" }, buttons),
        ]);
      })),
    ]);
  }

  private open(target: SessionTarget, title: string): void {
    this.view?.close();
    this.clearError();
    const view = new SessionView(target, {
      state: (text, live) => this.setState(text, live),
      error: (message) => this.showError(message),
    }, compact());
    this.view = view;
    const observer = target.mode === Mode.OBSERVER;
    const header = el("div", { class: "session-bar" }, [
      el("h2", { "data-testid": "session-title" }, [title]),
      el("span", { class: `badge ${modeName(target.mode)}`, "data-testid": "mode" },
        [observer ? "observer · read-only" : "operator"]),
    ]);
    const parts: HTMLElement[] = [header, view.root];
    if (!this.identity!.share) {
      header.append(button("Close", () => this.closeView(), "close"));
      if (this.identity!.role !== Role.GUEST) parts.push(this.sharePanel(target));
    }
    const main = this.identity!.share ? el("main", { class: "shared" }) : this.body.querySelector("main")!;
    main.replaceChildren(...parts);
    if (this.identity!.share) this.body.replaceChildren(main);
    if (this.carrier) view.attach(this.carrier);
  }

  private closeView(): void {
    this.view?.close();
    this.view = null;
    this.body.querySelector("main")?.replaceChildren(el("p", { class: "hint" }, ["Open a session from the list."]));
    this.setState("connected", true);
  }

  private sharePanel(target: SessionTarget): HTMLElement {
    const manager = this.identity!.role === Role.OWNER || this.identity!.role === Role.ADMIN;
    const ttl = el("select", { "aria-label": "lifetime", "data-testid": "share-ttl" }, [
      el("option", { value: "3600000" }, ["1 hour"]), el("option", { value: "86400000" }, ["24 hours"]),
      el("option", { value: "604800000" }, ["7 days"]),
    ]);
    const mode = el("select", { "aria-label": "mode", "data-testid": "share-mode" }, [el("option", { value: "observer" }, ["observer"])]);
    if (manager) mode.append(el("option", { value: "operator" }, ["operator"]));
    const created = el("div", { class: "created", "data-testid": "share-created" });
    const links = el("ul", { class: "links", "data-testid": "share-links" });
    const refresh = async () => {
      if (!this.carrier) return;
      const list = await this.carrier.unary("cmdop.v1.Fleet/ListShareLinks", ListShareLinksRequestSchema,
        { }, ListShareLinksResponseSchema);
      links.replaceChildren(...list.links.filter((l) => l.machine === target.machine && l.sessionId === target.session)
        .map((l) => this.linkItem(l, refresh)));
    };
    const create = button("Create link", async () => {
      if (!this.carrier) return;
      try {
        const answer = await this.carrier.unary("cmdop.v1.Fleet/CreateShareLink", CreateShareLinkRequestSchema, {
          
          session: { machine: target.machine, session: target.session },
          ttlMs: BigInt(ttl.value), mode: mode.value === "operator" ? Mode.OPERATOR : Mode.OBSERVER,
        }, CreatedShareLinkSchema);
        const url = `${location.origin}/share#${answer.token}`;
        const field = el("input", { readonly: "", value: url, "data-testid": "share-url", "aria-label": "share link" });
        created.replaceChildren(el("p", {}, ["Anyone with this link can ", modeName(answer.link!.mode) === "operator" ? "operate" : "watch",
          " this session until ", when(answer.link!.expiresAtMs), ". It is shown only now:"]), field,
          button("Copy", () => navigator.clipboard?.writeText(url), "copy"));
        field.select();
        await refresh();
      } catch (e) {
        this.showError(e instanceof Error ? e.message : String(e));
      }
    }, "create share link");
    refresh().catch(() => undefined);
    return el("section", { class: "share", "data-testid": "share" }, [
      el("h3", {}, ["Share this session"]),
      el("div", { class: "row" }, [ttl, mode, create]), created, links,
    ]);
  }

  private linkItem(link: ShareLink, refresh: () => Promise<void>): HTMLElement {
    const expired = Number(link.expiresAtMs) <= Date.now();
    const status = link.revoked ? "revoked" : expired ? "expired" : `until ${when(link.expiresAtMs)}`;
    const item = el("li", { "data-link": link.id }, [
      el("code", {}, [link.id]), ` ${modeName(link.mode)} · ${status} · ${link.views} view${link.views === 1n ? "" : "s"} `,
    ]);
    if (!link.revoked && !expired) {
      item.append(button("Revoke", async () => {
        try {
          await this.carrier?.unary("cmdop.v1.Fleet/RevokeShareLink", RevokeShareLinkRequestSchema,
            { id: link.id }, ShareLinkSchema);
          await refresh();
        } catch (e) {
          this.showError(e instanceof Error ? e.message : String(e));
        }
      }, `revoke ${link.id}`));
    }
    return item;
  }

  private setState(text: string, live: boolean, detail = ""): void {
    this.stateBox.textContent = text;
    this.stateBox.title = detail;
    this.stateBox.className = `state ${live ? "live" : "down"}`;
  }

  private fail(message: string): void {
    this.body.replaceChildren(el("div", { class: "ended" }, [el("h1", {}, ["cmdop"]), el("p", {}, [message])]));
    this.showError(message);
  }

  private showError(message: string): void {
    this.errorBox.textContent = message;
    this.errorBox.hidden = false;
  }

  private clearError(): void {
    this.errorBox.hidden = true;
    this.errorBox.textContent = "";
  }
}

function button(label: string, action: () => unknown, testid: string): HTMLButtonElement {
  const node = el("button", { type: "button", "data-testid": testid }, [label]);
  node.addEventListener("click", () => { action(); });
  return node;
}

function roleName(role: Role): string {
  return Role[role]?.toLowerCase() ?? "unknown";
}

/** A refused share link, said for someone without an account. */
function shareMessage(message: string): string {
  if (/revoked/.test(message)) return "This share link was revoked.";
  if (/expired/.test(message)) return "This share link has expired.";
  if (/not known|malformed/.test(message)) return "This share link is not valid.";
  return message;
}

new Console(document.getElementById("app")!).start();
