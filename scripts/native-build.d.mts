// Types of scripts/native-build.mjs, for the TypeScript tests and bench that use it.
export declare const packageRoot: string;
export declare const builtAddon: string;
export declare function builtAddonIn(dir: string): string;
export declare function prebuildDir(platform?: string, arch?: string): string;
export declare function prebuildFile(platform?: string, arch?: string): string;
export declare function prebuildStamp(platform?: string, arch?: string): string;
export declare function resolveAddon(): string | null;
export declare function cleanBuildEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function sourceHash(
  dir?: string,
  env?: NodeJS.ProcessEnv,
  options?: { withToolchain?: boolean },
): string;
export declare function prebuildHash(): string;
export declare function isPrebuildCurrent(): boolean;
export declare function isBuildUpToDate(dir?: string, env?: NodeJS.ProcessEnv): boolean;
export declare function compileNative(options?: {
  quiet?: boolean;
  dir?: string;
  env?: NodeJS.ProcessEnv;
}): string | null;
export declare function tryLoad(
  path: string,
): { ok: true; isa: string } | { ok: false; reason: string };
export declare function wideInstructionsOutsideVariants(
  path: string,
): { checked: number; offenders: [string, string][] } | null;
export declare function exportedSymbols(path: string): string[] | null;
