// Unit tests of the extension's logic, without VS Code: node --test test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import {
  DEFAULTS,
  DOCUMENT_SELECTOR,
  bundledServer,
  findExecutable,
  needsRestart,
  readSettings,
  serverCommand,
  serverOptions,
  startError,
} from "../out/settings.js";

const get = (values) => (key) => values[key];

test("defaults when nothing is set: the bundled server, no overrides", () => {
  assert.deepEqual(readSettings(get({})), DEFAULTS);
  assert.deepEqual(serverCommand(DEFAULTS, "/ext/server/rdock"), {
    command: "/ext/server/rdock",
    args: ["lsp"],
    source: "bundled",
  });
  assert.deepEqual(serverOptions(DEFAULTS), {
    target: [],
    buildArgs: {},
    extendSelect: [],
    ignore: [],
    allowedRegistries: [],
    fixAll: true,
    noConfig: false,
  });
});

test("without a bundled server, rdock on PATH", () => {
  assert.deepEqual(serverCommand(DEFAULTS, undefined), { command: "rdock", args: ["lsp"], source: "path" });
});

test("rdock.path wins over the bundled server", () => {
  const s = readSettings(get({ path: " /opt/rdock " }));
  assert.deepEqual(serverCommand(s, "/ext/server/rdock"), {
    command: "/opt/rdock",
    args: ["lsp"],
    source: "setting",
  });
});

test("the bundled server's path per platform", () => {
  assert.equal(bundledServer("/ext", "linux"), "/ext/server/rdock");
  assert.equal(bundledServer("/ext", "darwin"), "/ext/server/rdock");
  assert.equal(bundledServer("C:/ext", "win32"), "C:/ext/server/rdock.exe");
});

test("every server setting reaches the server under the names src/lsp/options.rs reads", () => {
  const s = readSettings(
    get({
      target: " app ",
      buildArgs: { VERSION: "1.2", BAD: 3 },
      select: ["RD1", "", 7],
      extendSelect: ["RD444"],
      ignore: ["RD101", "unreachable-stage"],
      allowedRegistries: ["ghcr.io"],
      fixAll: false,
      noConfig: true,
    }),
  );
  assert.deepEqual(serverOptions(s), {
    target: ["app"],
    buildArgs: { VERSION: "1.2" },
    select: ["RD1"],
    extendSelect: ["RD444"],
    ignore: ["RD101", "unreachable-stage"],
    allowedRegistries: ["ghcr.io"],
    fixAll: false,
    noConfig: true,
  });
  assert.deepEqual(serverOptions(readSettings(get({ target: ["a", "b"] }))).target, ["a", "b"]);
  // An empty selection is a selection (no rules), not "the configuration's".
  assert.deepEqual(serverOptions(readSettings(get({ select: [] }))).select, []);
  assert.equal("select" in serverOptions(readSettings(get({ select: null }))), false);
});

test("wrong types fall back to defaults", () => {
  const s = readSettings(
    get({ enable: "yes", path: 7, target: null, buildArgs: ["x"], select: "RD1", ignore: "RD101", fixAll: 1 }),
  );
  assert.deepEqual(s, DEFAULTS);
  assert.equal(readSettings(get({ path: "  " })).path, "");
});

test("only path and enable restart the server", () => {
  assert.equal(needsRestart((s) => s === "rdock.path"), true);
  assert.equal(needsRestart((s) => s === "rdock.enable"), true);
  for (const k of ["rdock.target", "rdock.ignore", "rdock.select", "rdock.buildArgs", "rdock.fixAll"]) {
    assert.equal(needsRestart((s) => s === k), false, k);
  }
});

test("one error message says what to do, by where the server came from", () => {
  const err = new Error("spawn rdock ENOENT");
  assert.match(startError({ command: "rdock", source: "path" }, err), /ENOENT.*install rdock on PATH.*rdock\.path/);
  assert.match(startError({ command: "/x/rdock", source: "setting" }, err), /`\/x\/rdock lsp`.*check "rdock\.path"/);
  assert.match(startError({ command: "/e/server/rdock", source: "bundled" }, "boom"), /boom.*reinstall/);
});

test("the manifest activates on dockerfile, claims the file patterns and declares every setting", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.deepEqual(pkg.activationEvents, ["onLanguage:dockerfile"]);
  const patterns = pkg.contributes.languages.find((l) => l.id === "dockerfile").filenamePatterns;
  for (const p of ["Dockerfile.*", "*.Dockerfile", "Containerfile*"]) {
    assert.ok(patterns.includes(p), p);
  }
  const props = pkg.contributes.configuration.properties;
  // Each setting the extension reads is declared with the default it assumes.
  for (const [k, v] of Object.entries(DEFAULTS)) {
    const declared = props[`rdock.${k}`];
    assert.ok(declared, `rdock.${k} is declared`);
    const d = k === "target" ? (declared.default === "" ? [] : declared.default) : declared.default;
    assert.deepEqual(d, v, `default of rdock.${k}`);
  }
  assert.ok(props["rdock.trace.server"]);
  assert.equal(props["rdock.args"], undefined, "rdock lsp takes no arguments");
  assert.ok(pkg.contributes.commands.some((c) => c.command === "rdock.restart"));
  assert.equal(pkg.engines.vscode, "^1.91.0");
  assert.equal(pkg.devDependencies["@types/vscode"], "1.91.0");
  assert.ok(DOCUMENT_SELECTOR.some((d) => d.language === "dockerfile"));
});

test("the package carries the server: .vscodeignore keeps server/rdock", () => {
  const ignore = readFileSync(new URL("../.vscodeignore", import.meta.url), "utf8").split("\n");
  assert.ok(ignore.includes("!server/rdock"));
  assert.ok(ignore.includes("!server/rdock.exe"));
});

test("the server knows every key the extension sends (the KEYS of src/lsp/options.rs)", () => {
  const rs = readFileSync(new URL("../../../src/lsp/options.rs", import.meta.url), "utf8");
  const keys = [...rs.match(/const KEYS: \[&str; \d+\] = \[([^\]]*)\]/)[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  const sent = serverOptions(readSettings(get({ select: ["RD1"] })));
  for (const k of Object.keys(sent)) {
    assert.ok(keys.includes(k), `${k} is read by the server`);
  }
  for (const k of keys.filter((k) => k !== "rdock")) {
    assert.ok(k in sent, `${k} is sent by the extension`);
  }
});

test("the server is looked for as the system would run it", () => {
  const exists = (files) => (f) => files.includes(f);
  assert.equal(findExecutable("/opt/rdock", "/usr/bin", "linux", exists(["/opt/rdock"])), "/opt/rdock");
  assert.equal(findExecutable("/opt/rdock", "/usr/bin", "linux", exists([])), undefined);
  assert.equal(findExecutable("rdock", "/a::/b", "linux", exists(["/b/rdock"])), "/b/rdock");
  assert.equal(findExecutable("rdock", undefined, "linux", exists(["/b/rdock"])), undefined);
  assert.equal(findExecutable("rdock", "C:/bin;C:/tools", "win32", exists(["C:/tools/rdock.exe"])), "C:/tools/rdock.exe");
  assert.equal(findExecutable("C:\\x\\rdock", "", "win32", exists(["C:\\x\\rdock.exe"])), "C:\\x\\rdock.exe");
  assert.match(startError({ command: "rdock", source: "path" }, "not found"), /`rdock lsp` \(not found\); this package carries no rdock/);
});
