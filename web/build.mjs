// Bundles the console into the directory the relay serves it from (CMDOP_WEB_OUT, set by web/pom.xml).
import * as esbuild from "esbuild";
import { cpSync, mkdirSync } from "node:fs";

const out = process.env.CMDOP_WEB_OUT ?? "target/classes/io/cmdop/web/console";
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { console: "src/main.ts" },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outdir: out,
  logLevel: "warning",
});
cpSync("static", out, { recursive: true });
cpSync("node_modules/@xterm/xterm/css/xterm.css", `${out}/xterm.css`);
