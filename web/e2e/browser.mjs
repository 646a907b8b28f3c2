// A headless Chromium for the console's end-to-end tests, driven over stdin/stdout by the Java
// tests (cli/src/test/java/io/cmdop/cli/Browser.java): one JSON command a line in, one JSON
// answer a line out. Debian's chromium, driven by playwright-core (no browser download).
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

// launch() starts Chromium with a fresh temporary profile (its own --user-data-dir) every time.
const browser = await chromium.launch({
  executablePath: process.env.CMDOP_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// Pages by name; each in a context of its own (its own session storage), as separate people would be.
const pages = new Map();

const ops = {
  async open({ page: name, width, height }) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width, height } });
    const page = await context.newPage();
    const problems = [];
    page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(String(e)));
    pages.set(name, { page, context, problems });
  },
  async goto({ page, url }) { await get(page).goto(url); },
  async fill({ page, selector, text }) { await get(page).fill(selector, text); },
  async click({ page, selector }) { await get(page).click(selector); },
  async type({ page, text }) { await get(page).keyboard.type(text, { delay: 5 }); },
  async press({ page, key }) { await get(page).keyboard.press(key); },
  async waitText({ page, selector, text, timeout }) {
    await get(page).waitForFunction(([s, t]) => [...document.querySelectorAll(s)].some((n) => n.textContent.includes(t)),
      [selector, text], { timeout: timeout ?? 20000, polling: 50 });
  },
  async text({ page, selector }) {
    return get(page).evaluate((s) => [...document.querySelectorAll(s)].map((n) => n.textContent), selector);
  },
  async attribute({ page, selector, name }) { return get(page).getAttribute(selector, name); },
  async evaluate({ page, script }) { return get(page).evaluate(script); },
  async screenshot({ page, file }) { await get(page).screenshot({ path: file, fullPage: true }); },
  async problems({ page }) { return pages.get(page).problems; },
  async close({ page }) {
    const p = pages.get(page);
    pages.delete(page);
    await p?.context.close();
  },
};

function get(name) {
  const p = pages.get(name);
  if (!p) throw new Error(`no page named ${name}`);
  return p.page;
}

const lines = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
for await (const line of lines) {
  const command = JSON.parse(line);
  if (command.op === "quit") break;
  try {
    const value = await ops[command.op](command);
    process.stdout.write(JSON.stringify({ id: command.id, ok: true, value: value ?? null }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ id: command.id, ok: false, error: String(error?.message ?? error) }) + "\n");
  }
}
await browser.close();
