// Drive a real VS Code (code-server) with the shipped rdock.vsix from headless
// Chromium, and report what the editor showed as JSON on stdout.
// Run by tests/it/vscode.rs, which checks the report and the files on disk.
//
// Environment:
//   CODE_SERVER  the code-server executable (npm code-server@4.139.1)
//   NODE_BIN     the folder of Node 24 (code-server needs it first on PATH)
//   VSIX         the package to install
//   CHROMIUM     the browser (Debian's chromium)
//   PLAYWRIGHT   the folder where playwright-core is installed (npm)
//   WORK         an empty folder: extensions, user data, the project
//   ARTIFACTS    where screenshots and the editor's logs go
//   PROJECT      the folder to open (holds the Dockerfile)
//   RDOCK_PATH   optional: set "rdock.path" to this server instead of the bundled one
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) {
    fail(`${k} is not set`);
  }
  return v;
};
function fail(msg) {
  process.stderr.write(`drive.mjs: ${msg}\n`);
  process.exit(1);
}

const codeServer = env("CODE_SERVER");
const work = env("WORK");
const artifacts = env("ARTIFACTS");
const project = env("PROJECT");
const childEnv = { ...process.env, PATH: `${env("NODE_BIN")}:${process.env.PATH}` };
const { chromium } = createRequire(path.join(env("PLAYWRIGHT"), "x.js"))("playwright-core");

const started = Date.now();
const report = { steps: {} };
const log = (msg) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
const step = async (name, f) => {
  const t = Date.now();
  log(`${name}...`);
  try {
    const r = await f();
    report.steps[name] = Date.now() - t;
    return r;
  } catch (e) {
    await shot(`failed-${name}`);
    throw new Error(`step "${name}": ${e.message ?? e}`, { cause: e });
  }
};

const extDir = path.join(work, "extensions");
const dataDir = path.join(work, "data");
const userSettings = path.join(dataDir, "User", "settings.json");
fs.mkdirSync(artifacts, { recursive: true });
fs.mkdirSync(path.dirname(userSettings), { recursive: true });

const settings = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "editor.codeLens": true,
  "files.autoSave": "off",
  "[dockerfile]": { "editor.codeActionsOnSave": { "source.fixAll.rdock": "explicit" } },
};
if (process.env.RDOCK_PATH) {
  settings["rdock.path"] = process.env.RDOCK_PATH;
}
const writeSettings = () => fs.writeFileSync(userSettings, JSON.stringify(settings, null, 2));
writeSettings();

let page;
let browser;
let server;
async function shot(name) {
  if (page) {
    await page.screenshot({ path: path.join(artifacts, `${name}.png`) }).catch(() => {});
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The Problems panel's rows, as text. */
async function problems() {
  return page.$$eval(".markers-panel .monaco-list-row", (rows) => rows.map((r) => r.textContent ?? ""));
}

/** Wait until `pred(rows)` holds for the Problems panel's rows. */
async function waitProblems(pred, what, timeout = 60_000) {
  const end = Date.now() + timeout;
  let rows = [];
  while (Date.now() < end) {
    rows = await problems();
    if (pred(rows)) {
      return rows;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out waiting for ${what}; the Problems panel shows: ${JSON.stringify(rows)}`);
}

/** The editor's lines as the user sees them. */
async function editorLines() {
  return page.$$eval(".editor-instance .view-lines .view-line", (ls) =>
    ls
      .map((l) => ({ top: parseFloat(l.style.top), text: (l.textContent ?? "").replace(/\u00a0/g, " ") }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
}

async function command(name) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${name}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor();
  await page.keyboard.press("Enter");
}

/** Put the cursor at (line, column), 1-based, through "Go to Line". */
async function goTo(line, column) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden" });
}

/** As a user would: rewrite settings.json in its editor and save it. */
async function saveSettings() {
  // (VS Code 1.139 opens it in a modal editor, not a tab; it stays open.)
  const editor = page.locator(".monaco-editor", { hasText: "security.workspace.trust.enabled" }).locator(".view-lines");
  if (!(await editor.isVisible())) {
    await command("Preferences: Open User Settings (JSON)");
  }
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  // One line (no auto-indent), then drop what auto-closing added after it.
  await page.keyboard.insertText(JSON.stringify(settings));
  await page.keyboard.press("Control+Shift+End");
  await page.keyboard.press("Delete");
  await page.keyboard.press("Control+S");
}

/** The notifications on screen (their messages, once each). */
async function notifications() {
  const texts = await page.$$eval(".notifications-toasts .notification-list-item-message", (ns) =>
    ns.map((n) => n.textContent ?? ""),
  );
  return [...new Set(texts)];
}

async function main() {
  await step("install the .vsix", async () => {
    const r = spawnSync(
      codeServer,
      ["--extensions-dir", extDir, "--user-data-dir", dataDir, "--install-extension", env("VSIX")],
      { env: childEnv, encoding: "utf8" },
    );
    if (r.status !== 0) {
      throw new Error(`code-server --install-extension failed (${r.status}): ${r.stdout}${r.stderr}`);
    }
    const list = spawnSync(codeServer, ["--extensions-dir", extDir, "--list-extensions", "--show-versions"], {
      env: childEnv,
      encoding: "utf8",
    });
    report.extensions = list.stdout.trim().split("\n");
    const installed = fs.readdirSync(extDir).find((d) => d.startsWith("rdock-dev.rdock"));
    report.installedDir = installed;
    const bundled = path.join(extDir, installed, "server", "rdock");
    report.bundledServer = fs.existsSync(bundled) ? { path: bundled, mode: (fs.statSync(bundled).mode & 0o777).toString(8) } : null;
  });

  const port = await freePort();
  await step("start code-server", async () => {
    server = spawn(
      codeServer,
      [
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--user-data-dir",
        dataDir,
        "--extensions-dir",
        extDir,
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        project,
      ],
      { env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const out = fs.createWriteStream(path.join(artifacts, "code-server.log"));
    server.stdout.pipe(out);
    server.stderr.pipe(out);
    await new Promise((resolve, reject) => {
      let seen = "";
      const t = setTimeout(() => reject(new Error(`code-server did not listen within 60 s: ${seen}`)), 60_000);
      const onData = (d) => {
        seen += d;
        if (seen.includes("HTTP server listening")) {
          clearTimeout(t);
          resolve();
        }
      };
      server.stdout.on("data", onData);
      server.stderr.on("data", onData);
      server.once("exit", (code) => reject(new Error(`code-server exited (${code}): ${seen}`)));
    });
  });

  await step("open the folder in Chromium", async () => {
    browser = await chromium.launch({
      executablePath: env("CHROMIUM"),
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", (e) => log(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "Dockerfile" }).first().waitFor({ timeout: 60_000 });
  });

  await step("open the Dockerfile", async () => {
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "Dockerfile" }).first().click();
    await page.locator(".editor-instance .view-lines").waitFor();
    await page.locator(".editor-instance .view-lines").click();
  });

  report.problems = await step("findings in the Problems panel", async () => {
    await command("View: Focus Problems");
    return waitProblems((rows) => rows.some((r) => r.includes("RD405")) && rows.some((r) => r.includes("RD101")), "RD101 and RD405");
  });
  await page.waitForTimeout(500);
  report.problems = await problems();
  await shot("problems");

  report.faded = await step("the unreachable stage is faded", async () => {
    // VS Code draws a finding tagged Unnecessary with this inline class.
    await page.locator(".editor-instance .squiggly-inline-unnecessary").first().waitFor();
    return page.evaluate(() => {
      const lines = [...document.querySelectorAll(".editor-instance .view-line")].sort(
        (a, b) => parseFloat(a.style.top) - parseFloat(b.style.top),
      );
      return lines.map((l, i) => (l.querySelector(".squiggly-inline-unnecessary") ? i + 1 : 0)).filter((n) => n > 0);
    });
  });

  report.codeLens = await step("click a code lens", async () => {
    // VS Code asks for lenses only while the editor has focus: leaving it
    // (the Problems panel above) cancels a pending request, and coming back
    // asks again. So, as a user would, go back to the text first (line 3).
    await goTo(3, 1);
    // It first draws lenses from its cache as plain text, then the server's,
    // with their commands, as links; wait for those, and for the drawing to
    // settle (a lens redrawn under the pointer swallows the click).
    const lenses = page.locator(".editor-instance .codelens-decoration");
    const links = lenses.locator("a");
    await links.first().waitFor({ timeout: 30_000 });
    const settle = async () => {
      let drawn = "";
      for (const end = Date.now() + 10_000; Date.now() < end; ) {
        const now = await lenses.evaluateAll((ls) => ls.map((l) => l.outerHTML).join("\n"));
        if (now === drawn) {
          break;
        }
        drawn = now;
        await page.waitForTimeout(500);
      }
    };
    await settle();
    // The first stage's lens leads to the target's FROM (line 8).
    const lens = lenses.first();
    const text = await lens.textContent();
    const clickable = await links.count();
    const before = await notifications();
    const cursor = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    // A lens redrawn later (a late refresh on a loaded machine) can still
    // swallow a click: a user whose click did nothing clicks again, and so
    // do we, up to three times; the report says how many it took.
    let at = "";
    let clicks = 0;
    while (clicks < 3 && !at?.includes("Ln 8,")) {
      if (clicks > 0) {
        await goTo(3, 1);
        await links.first().waitFor({ timeout: 30_000 });
        await settle();
      }
      clicks += 1;
      await lens.locator("a").first().click();
      for (const end = Date.now() + 5_000; ; ) {
        at = await cursor.textContent();
        if (at?.includes("Ln 8,") || Date.now() >= end) {
          break;
        }
        await page.waitForTimeout(200);
      }
    }
    await page.waitForTimeout(500);
    const after = await notifications();
    return { text, clickable, clicks, cursor: at?.trim(), notifications: after.filter((n) => !before.includes(n)) };
  });

  report.quickFix = await step("quick fix from the light bulb", async () => {
    await goTo(6, 10);
    // The light bulb says the server's quick fixes for the line are in
    // (drawn in the text when the next line is blank, as here; otherwise in
    // the gutter, which the presses below cover).
    await page
      .locator(".lightBulbWidget")
      .first()
      .waitFor({ timeout: 20_000 })
      .catch(() => {});
    const item = page.locator(".action-widget .monaco-list-row", { hasText: "--no-cache" }).first();
    // Ctrl+. opens them; on a loaded machine the key can reach the editor
    // before its focus does, and a user presses it again: so do we, up to
    // 20 s, and say how many presses it took.
    let presses = 0;
    for (const end = Date.now() + 20_000; ; ) {
      presses += 1;
      await page.keyboard.press("Control+.");
      if (await item.waitFor({ timeout: 4_000 }).then(() => true, () => false)) {
        break;
      }
      if (Date.now() > end) {
        throw new Error(`no quick fix with --no-cache after ${presses} presses of Ctrl+.`);
      }
      await page.keyboard.press("Escape");
    }
    const offered = await page.$$eval(".action-widget .monaco-list-row", (rs) => rs.map((r) => r.textContent ?? ""));
    await shot("quick-fix");
    await item.click();
    await waitProblems((rows) => !rows.some((r) => r.includes("RD405")), "RD405 to go away");
    const lines = await editorLines();
    return { offered, presses, line6: lines[5] };
  });

  report.fixAllOnSave = await step("save: fix all on save", async () => {
    const file = path.join(project, "Dockerfile");
    const before = fs.readFileSync(file, "utf8");
    await page.locator(".editor-instance .view-lines").click();
    await page.keyboard.press("Control+S");
    const end = Date.now() + 30_000;
    while (fs.readFileSync(file, "utf8") === before) {
      if (Date.now() > end) {
        throw new Error("the file was not saved");
      }
      await page.waitForTimeout(200);
    }
    await waitProblems((rows) => !rows.some((r) => r.includes("RD107")), "RD107 to go away after the save");
    return { problems: await problems() };
  });

  report.ignoreSetting = await step("rdock.ignore removes a finding", async () => {
    settings["rdock.ignore"] = ["RD101"];
    await saveSettings();
    const rows = await waitProblems(
      (rows) => !rows.some((r) => r.includes("RD101")) && rows.some((r) => r.includes("RD200")),
      "RD101 to go away with rdock.ignore",
    );
    return { problems: rows, settingsOnDisk: JSON.parse(fs.readFileSync(userSettings, "utf8"))["rdock.ignore"] };
  });

  report.servers = await step("which server runs", async () => {
    // The language servers code-server started: `... lsp --stdio` under this test's folders.
    const found = [];
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        if (args[1] === "lsp" && (args[0].startsWith(work) || args[0] === process.env.RDOCK_PATH)) {
          found.push(args.join(" "));
        }
      } catch {
        // gone
      }
    }
    return found;
  });
  report.badPath = await step("a server that cannot start is one clear message", async () => {
    const before = await notifications();
    settings["rdock.path"] = path.join(work, "no-such-rdock");
    await saveSettings();
    const end = Date.now() + 30_000;
    let fresh = [];
    while (Date.now() < end) {
      fresh = (await notifications()).filter((n) => !before.includes(n));
      if (fresh.some((n) => n.includes("rdock"))) {
        break;
      }
      await page.waitForTimeout(250);
    }
    await page.waitForTimeout(1000);
    await shot("bad-path");
    return { notifications: (await notifications()).filter((n) => !before.includes(n)) };
  });
  report.seconds = (Date.now() - started) / 1000;
}

let code = 0;
try {
  await main();
} catch (e) {
  report.error = String(e.message ?? e);
  code = 1;
} finally {
  await browser?.close().catch(() => {});
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  // The extension's log (with the JSON-RPC trace), for the artefacts.
  try {
    for (const f of fs.readdirSync(path.join(dataDir, "logs"), { recursive: true })) {
      if (String(f).endsWith(path.join("rdock-dev.rdock", "rdock.log"))) {
        fs.copyFileSync(path.join(dataDir, "logs", String(f)), path.join(artifacts, "rdock.log"));
      }
    }
  } catch {
    // no logs
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(code);
}
