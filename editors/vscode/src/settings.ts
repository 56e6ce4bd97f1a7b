// The extension's logic that does not need VS Code: how the server is
// started and what it is told. Unit-tested with `node --test`.

/** The settings under `rdock.*`, as VS Code returns them. */
export interface RdockSettings {
  enable: boolean;
  path: string;
  args: string[];
  target: string;
  fixAll: boolean;
}

export const DEFAULTS: RdockSettings = {
  enable: true,
  path: "rdock",
  args: [],
  target: "",
  fixAll: true,
};

/** Read the settings through a getter, tolerating wrong types. */
export function readSettings(get: (key: string) => unknown): RdockSettings {
  const str = (v: unknown, d: string): string => (typeof v === "string" ? v : d);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === "boolean" ? v : d);
  const args = get("args");
  return {
    enable: bool(get("enable"), DEFAULTS.enable),
    path: str(get("path"), DEFAULTS.path).trim() || DEFAULTS.path,
    args: Array.isArray(args) ? args.filter((a): a is string => typeof a === "string") : [],
    target: str(get("target"), DEFAULTS.target).trim(),
    fixAll: bool(get("fixAll"), DEFAULTS.fixAll),
  };
}

/** The command that starts the server: `<path> lsp <args...>`. */
export function serverCommand(s: RdockSettings): { command: string; args: string[] } {
  return { command: s.path, args: ["lsp", ...s.args] };
}

/** What the server reads from `initializationOptions` and `didChangeConfiguration`. */
export function serverOptions(s: RdockSettings): { target?: string; fixAll: boolean } {
  return s.target ? { target: s.target, fixAll: s.fixAll } : { fixAll: s.fixAll };
}

/** Which changed settings need the server restarted (the others are sent to it). */
export function needsRestart(changed: (section: string) => boolean): boolean {
  return ["rdock.path", "rdock.args", "rdock.enable"].some(changed);
}

/** The documents rdock serves: the dockerfile language and the usual file names. */
export const DOCUMENT_SELECTOR = [
  { language: "dockerfile" },
  { scheme: "file", pattern: "**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile,Containerfile.*}" },
];
