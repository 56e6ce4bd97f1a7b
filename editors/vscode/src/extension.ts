// VS Code client for `rdock lsp`.
import * as fs from "node:fs";
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import {
  DOCUMENT_SELECTOR,
  bundledServer,
  findExecutable,
  needsRestart,
  readSettings,
  serverCommand,
  serverOptions,
  startError,
} from "./settings";

let client: LanguageClient | undefined;
let extensionDir = "";

function settings() {
  const cfg = vscode.workspace.getConfiguration("rdock");
  return readSettings((key) => cfg.get(key));
}

/** The server this package carries (`server/rdock`), if it carries one. */
function bundled(): string | undefined {
  const p = bundledServer(extensionDir, process.platform);
  return fs.existsSync(p) ? p : undefined;
}

async function start(): Promise<void> {
  const s = settings();
  if (!s.enable) {
    return;
  }
  const cmd = serverCommand(s, bundled());
  const isExecutable = (f: string) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };
  // A missing server is said once, by us (vscode-languageclient would add
  // its own "couldn't create connection to server").
  if (!findExecutable(cmd.command, process.env.PATH, process.platform, isExecutable)) {
    void vscode.window.showErrorMessage(startError(cmd, "not found"));
    return;
  }
  const server: ServerOptions = { command: cmd.command, args: cmd.args, transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    initializationOptions: serverOptions(s),
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{.rdock.toml,rdock.toml}"),
    },
  };
  const c = new LanguageClient("rdock", "rdock", server, options);
  c.info(`rdock: starting ${cmd.command} ${cmd.args.join(" ")} (${cmd.source})`);
  client = c;
  try {
    await c.start();
  } catch (e) {
    void vscode.window.showErrorMessage(startError(cmd, e));
    client = undefined;
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    await c.stop();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionDir = context.extensionPath;
  context.subscriptions.push(
    vscode.commands.registerCommand("rdock.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (needsRestart((section) => e.affectsConfiguration(section))) {
        await stop();
        await start();
      } else if (client && e.affectsConfiguration("rdock")) {
        await client.sendNotification("workspace/didChangeConfiguration", {
          settings: { rdock: serverOptions(settings()) },
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}
