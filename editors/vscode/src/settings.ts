// The extension's logic that does not need VS Code: which server is started
// and what it is told. Unit-tested with `node --test`.

/** The settings under `rdock.*`, as VS Code returns them. */
export interface RdockSettings {
  enable: boolean;
  /** The executable; empty: the server inside the extension, else `rdock` on PATH. */
  path: string;
  target: string[];
  buildArgs: Record<string, string>;
  /** `null`: the rules `.rdock.toml` selects (else the default set). */
  select: string[] | null;
  extendSelect: string[];
  ignore: string[];
  allowedRegistries: string[];
  fixAll: boolean;
  noConfig: boolean;
}

export const DEFAULTS: RdockSettings = {
  enable: true,
  path: "",
  target: [],
  buildArgs: {},
  select: null,
  extendSelect: [],
  ignore: [],
  allowedRegistries: [],
  fixAll: true,
  noConfig: false,
};

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((a): a is string => typeof a === "string").map((a) => a.trim()).filter((a) => a !== "") : undefined;

/** Read the settings through a getter, tolerating wrong types (a wrong value is its default). */
export function readSettings(get: (key: string) => unknown): RdockSettings {
  const str = (v: unknown, d: string): string => (typeof v === "string" ? v.trim() : d);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === "boolean" ? v : d);
  const target = get("target");
  const buildArgs = get("buildArgs");
  const select = get("select");
  return {
    enable: bool(get("enable"), DEFAULTS.enable),
    path: str(get("path"), DEFAULTS.path),
    // One stage, or several (a build of several targets).
    target: typeof target === "string" ? (target.trim() ? [target.trim()] : []) : (strings(target) ?? []),
    buildArgs:
      buildArgs && typeof buildArgs === "object" && !Array.isArray(buildArgs)
        ? Object.fromEntries(
            Object.entries(buildArgs as Record<string, unknown>).filter(
              (e): e is [string, string] => typeof e[1] === "string",
            ),
          )
        : {},
    select: strings(select) ?? null,
    extendSelect: strings(get("extendSelect")) ?? [],
    ignore: strings(get("ignore")) ?? [],
    allowedRegistries: strings(get("allowedRegistries")) ?? [],
    fixAll: bool(get("fixAll"), DEFAULTS.fixAll),
    noConfig: bool(get("noConfig"), DEFAULTS.noConfig),
  };
}

/** Where the server inside the extension is, for a platform (`process.platform`). */
export function bundledServer(extensionDir: string, platform: string): string {
  return `${extensionDir}/server/rdock${platform === "win32" ? ".exe" : ""}`;
}

/**
 * The command that starts the server: `rdock.path` when set, else the server
 * inside the extension when this package carries one, else `rdock` on PATH.
 * The arguments are `lsp`: vscode-languageclient adds `--stdio` itself for
 * `TransportKind.stdio` (and rdock refuses it twice).
 */
export function serverCommand(
  s: RdockSettings,
  bundled: string | undefined,
): { command: string; args: string[]; source: "setting" | "bundled" | "path" } {
  if (s.path) {
    return { command: s.path, args: ["lsp"], source: "setting" };
  }
  if (bundled) {
    return { command: bundled, args: ["lsp"], source: "bundled" };
  }
  return { command: "rdock", args: ["lsp"], source: "path" };
}

/**
 * Where `command` runs from: itself when it names a path, else the first
 * executable of that name on `PATH` (with `.exe` on Windows); `undefined`
 * when there is none, so that one message can say so before starting.
 */
export function findExecutable(
  command: string,
  pathVar: string | undefined,
  platform: string,
  isExecutable: (file: string) => boolean,
): string | undefined {
  const names = platform === "win32" && !/\.exe$/i.test(command) ? [command, `${command}.exe`] : [command];
  if (command.includes("/") || command.includes("\\")) {
    return names.find(isExecutable);
  }
  const sep = platform === "win32" ? ";" : ":";
  for (const dir of (pathVar ?? "").split(sep).filter((d) => d !== "")) {
    const found = names.map((n) => `${dir}/${n}`).find(isExecutable);
    if (found) {
      return found;
    }
  }
  return undefined;
}

/** Why the server could not start, and what to do: one message. */
export function startError(cmd: { command: string; source: string }, error: unknown): string {
  const why = error instanceof Error ? error.message : String(error);
  const fix =
    cmd.source === "setting"
      ? `check "rdock.path"`
      : cmd.source === "bundled"
        ? `reinstall the extension, or set "rdock.path" to an rdock executable`
        : `this package carries no rdock for this platform: install rdock on PATH (cargo install rdock) or set "rdock.path"`;
  return `rdock: cannot start the language server \`${cmd.command} lsp\` (${why}); ${fix}.`;
}

/** What the server reads from `initializationOptions` and `didChangeConfiguration` (src/lsp/options.rs). */
export interface ServerOptions {
  target: string[];
  buildArgs: Record<string, string>;
  select?: string[];
  extendSelect: string[];
  ignore: string[];
  allowedRegistries: string[];
  fixAll: boolean;
  noConfig: boolean;
}

export function serverOptions(s: RdockSettings): ServerOptions {
  const o: ServerOptions = {
    target: s.target,
    buildArgs: s.buildArgs,
    extendSelect: s.extendSelect,
    ignore: s.ignore,
    allowedRegistries: s.allowedRegistries,
    fixAll: s.fixAll,
    noConfig: s.noConfig,
  };
  if (s.select !== null) {
    o.select = s.select;
  }
  return o;
}

/** Which changed settings need the server restarted (the others are sent to it). */
export function needsRestart(changed: (section: string) => boolean): boolean {
  return ["rdock.path", "rdock.enable"].some(changed);
}

/** The documents rdock serves: the dockerfile language and the usual file names. */
export const DOCUMENT_SELECTOR = [
  { language: "dockerfile" },
  { scheme: "file", pattern: "**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile,Containerfile.*}" },
];
