// VS Code client for `rdock lsp`.
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import { DOCUMENT_SELECTOR, needsRestart, readSettings, serverCommand, serverOptions } from "./settings";

let client: LanguageClient | undefined;

function settings() {
  const cfg = vscode.workspace.getConfiguration("rdock");
  return readSettings((key) => cfg.get(key));
}

async function start(): Promise<void> {
  const s = settings();
  if (!s.enable) {
    return;
  }
  const { command, args } = serverCommand(s);
  const server: ServerOptions = { command, args, transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    initializationOptions: serverOptions(s),
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{.rdock.toml,rdock.toml}"),
    },
  };
  client = new LanguageClient("rdock", "rdock", server, options);
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(
      `rdock: cannot start \`${command} lsp\` (${String(e)}). Install rdock or set "rdock.path".`,
    );
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
