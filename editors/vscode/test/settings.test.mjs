// Unit tests of the extension's logic, without VS Code: node --test test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { DEFAULTS, DOCUMENT_SELECTOR, needsRestart, readSettings, serverCommand, serverOptions } from "../out/settings.js";

const get = (values) => (key) => values[key];

test("defaults when nothing is set", () => {
  assert.deepEqual(readSettings(get({})), DEFAULTS);
  assert.deepEqual(serverCommand(DEFAULTS), { command: "rdock", args: ["lsp"] });
  assert.deepEqual(serverOptions(DEFAULTS), { fixAll: true });
});

test("path, args, target and fixAll reach the server", () => {
  const s = readSettings(get({ path: " /opt/rdock ", args: ["--x", 3], target: "app", fixAll: false }));
  assert.deepEqual(serverCommand(s), { command: "/opt/rdock", args: ["lsp", "--x"] });
  assert.deepEqual(serverOptions(s), { target: "app", fixAll: false });
});

test("wrong types fall back to defaults", () => {
  const s = readSettings(get({ enable: "yes", path: 7, args: "x", target: null }));
  assert.deepEqual(s, DEFAULTS);
  assert.equal(readSettings(get({ path: "  " })).path, "rdock");
});

test("only path, args and enable restart the server", () => {
  assert.equal(needsRestart((s) => s === "rdock.path"), true);
  assert.equal(needsRestart((s) => s === "rdock.enable"), true);
  assert.equal(needsRestart((s) => s === "rdock.target"), false);
});

test("the manifest activates on dockerfile and claims the file patterns", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.deepEqual(pkg.activationEvents, ["onLanguage:dockerfile"]);
  const patterns = pkg.contributes.languages.find((l) => l.id === "dockerfile").filenamePatterns;
  for (const p of ["Dockerfile.*", "*.Dockerfile", "Containerfile*"]) {
    assert.ok(patterns.includes(p), p);
  }
  const props = Object.keys(pkg.contributes.configuration.properties);
  for (const k of ["rdock.path", "rdock.args", "rdock.enable", "rdock.target", "rdock.fixAll", "rdock.trace.server"]) {
    assert.ok(props.includes(k), k);
  }
  assert.ok(pkg.contributes.commands.some((c) => c.command === "rdock.restart"));
  assert.equal(pkg.engines.vscode, "^1.91.0");
  assert.equal(pkg.devDependencies["@types/vscode"], "1.91.0");
  assert.ok(DOCUMENT_SELECTOR.some((d) => d.language === "dockerfile"));
});
