/**
 * `npm run teams:package`: builds the Teams app package, offline.
 *
 * 1. reads manifest/teams/manifest.json and fills `${{MicrosoftAppId}}` from the environment;
 * 2. validates it against the JSON schema of its manifestVersion that ships inside the
 *    @microsoft/app-manifest package (passing the schema in keeps it from fetching `$schema`);
 * 3. checks the icons: colour 192×192, outline 32×32 and transparent, white where drawn;
 * 4. writes manifest/build/teams-app.zip (manifest.json and the two icons at the zip's root).
 *
 * Any problem stops it with every message (the schema's own) and exit code 1.
 * Usage: `MicrosoftAppId=<guid> npm run teams:package [-- <manifest folder> <zip file>]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { readPng, RGBA, type PngInfo } from './png';

const ROOT = path.join(__dirname, '..', '..', '..');
export const DEFAULT_MANIFEST_DIR = path.join(ROOT, 'manifest', 'teams');
export const DEFAULT_OUT_FILE = path.join(ROOT, 'manifest', 'build', 'teams-app.zip');
const PLACEHOLDER = '${{MicrosoftAppId}}';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PackageError extends Error {
  readonly code = 'TEAMS_PACKAGE_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`The Teams app package was not built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageError';
  }
}

export interface PackageOptions {
  readonly appId: string | undefined;
  readonly manifestDir?: string;
  readonly outFile?: string;
}

type Json = Record<string, unknown>;

/** The bundled schema for a manifest version, read from node_modules (never fetched). */
export function bundledSchema(manifestVersion: string): Json {
  if (!/^(\d+\.\d+|devPreview)$/.test(manifestVersion)) throw new PackageError([`manifestVersion "${manifestVersion}" is not a schema version`]);
  const dir = manifestVersion === 'devPreview' ? 'vDevPreview' : `v${manifestVersion}`;
  let file: string;
  try {
    file = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/${dir}/MicrosoftTeams.schema.json`);
  } catch {
    throw new PackageError([`no bundled schema for manifestVersion "${manifestVersion}" in @microsoft/app-manifest`]);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

/**
 * Loaded on first use: @microsoft/app-manifest requires an ES module (strip-bom), which Node
 * 20.19+ loads through require(esm) but jest's CommonJS runtime cannot; so this file imports
 * without it, and the tests run the packaging as a child process.
 */
function appManifest(): typeof import('@microsoft/app-manifest') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  return require('@microsoft/app-manifest') as typeof import('@microsoft/app-manifest');
}

/** The schema's messages for a manifest, against the schema of its own manifestVersion; [] when valid. */
export async function validateManifest(manifest: Json): Promise<string[]> {
  const version = typeof manifest.manifestVersion === 'string' ? manifest.manifestVersion : '';
  const schema = bundledSchema(version);
  const { AppManifestUtils } = appManifest();
  // The package types the manifest and schema precisely; the file we read is plain JSON.
  const validate = AppManifestUtils.validateAgainstSchema.bind(AppManifestUtils) as (m: Json, s: Json) => Promise<string[]>;
  return validate(manifest, schema);
}

/** Problems with one icon file: size, and for the outline transparency and colour. */
export function checkIcon(file: string, data: Buffer, kind: 'color' | 'outline'): string[] {
  let png: PngInfo;
  try {
    png = readPng(data);
  } catch (err) {
    return [`icons.${kind} (${file}): ${(err as Error).message}`];
  }
  const size = kind === 'color' ? 192 : 32;
  const problems: string[] = [];
  if (png.width !== size || png.height !== size) problems.push(`icons.${kind} (${file}) must be ${size}×${size} pixels, not ${png.width}×${png.height}`);
  if (kind === 'outline') {
    if (png.colorType !== RGBA || png.bitDepth !== 8 || !png.rgba) {
      problems.push(`icons.outline (${file}) must be an 8-bit RGBA PNG (white on a transparent background)`);
    } else {
      let transparent = 0;
      let notWhite = 0;
      for (let i = 0; i < png.rgba.length; i += 4) {
        const alpha = png.rgba[i + 3]!;
        if (alpha === 0) transparent++;
        else if (png.rgba[i]! < 240 || png.rgba[i + 1]! < 240 || png.rgba[i + 2]! < 240) notWhite++;
      }
      if (transparent === 0) problems.push(`icons.outline (${file}) must have a transparent background`);
      if (notWhite > 0) problems.push(`icons.outline (${file}) must be white where it is not transparent (${notWhite} pixels are not)`);
    }
  }
  return problems;
}

/** Builds the package; throws PackageError listing every problem. Returns the zip's path. */
export async function packageTeamsApp(options: PackageOptions): Promise<string> {
  const manifestDir = options.manifestDir ?? DEFAULT_MANIFEST_DIR;
  const outFile = options.outFile ?? DEFAULT_OUT_FILE;
  const appId = options.appId?.trim();
  if (!appId) throw new PackageError(['MicrosoftAppId is not set: set it to your bot\'s Microsoft Entra app (client) id, e.g. MicrosoftAppId=… npm run teams:package']);
  if (!GUID.test(appId)) throw new PackageError([`MicrosoftAppId must be a GUID such as 3d9f1a52-8c7e-4a8e-9a57-1f2d3c4b5a69 (got "${appId}")`]);

  const manifestFile = path.join(manifestDir, 'manifest.json');
  let manifest: Json;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8').split(PLACEHOLDER).join(appId)) as Json;
  } catch (err) {
    throw new PackageError([`${manifestFile}: ${(err as Error).message}`]);
  }

  const problems = (await validateManifest(manifest)).map((m) => `manifest.json${m.startsWith('/') ? ' ' : ': '}${m.trim()}`);
  const icons = (manifest.icons ?? {}) as { color?: unknown; outline?: unknown };
  const files: Record<string, Uint8Array> = {};
  for (const kind of ['color', 'outline'] as const) {
    const name = icons[kind];
    if (typeof name !== 'string' || name.includes('/') || name.includes('\\')) continue; // the schema reported it
    try {
      const data = readFileSync(path.join(manifestDir, name));
      problems.push(...checkIcon(name, data, kind));
      files[name] = data;
    } catch {
      problems.push(`icons.${kind}: ${name} not found in ${manifestDir}`);
    }
  }
  if (problems.length > 0) throw new PackageError(problems);

  files['manifest.json'] = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, zipSync(files, { level: 9 }));
  return outFile;
}

if (require.main === module) {
  // Optional arguments: another manifest folder and zip path (the defaults are the project's).
  const [manifestDir, outFile] = process.argv.slice(2);
  packageTeamsApp({ appId: process.env.MicrosoftAppId, manifestDir, outFile }).then(
    (file) => console.log(`Teams app package written to ${path.relative(process.cwd(), file)}`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
