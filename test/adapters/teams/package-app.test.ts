/**
 * `npm run teams:package`, run as the command it is (a child process: @microsoft/app-manifest
 * needs Node's require(esm), which jest's module runtime lacks) with every outgoing connection
 * blocked, so the schema validation is shown to be offline: the real manifest and icons are
 * packaged and read back, the manifest is broken on purpose, the icons are wrong.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { checkIcon, DEFAULT_MANIFEST_DIR } from '../../../src/adapters/teams/package-app';
import { encodePng, readPng } from '../../../src/adapters/teams/png';

const APP_ID = '3d9f1a52-8c7e-4a8e-9a57-1f2d3c4b5a69';
const ROOT = path.join(__dirname, '..', '..', '..');
const NO_NETWORK = path.join(ROOT, 'test', 'fixtures', 'teams', 'no-network.js');

let dir: string;
let manifestDir: string;
let outFile: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'teams-package-'));
  manifestDir = path.join(dir, 'teams');
  cpSync(DEFAULT_MANIFEST_DIR, manifestDir, { recursive: true });
  outFile = path.join(dir, 'build', 'teams-app.zip');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function editManifest(edit: (m: any) => void): void {
  const file = path.join(manifestDir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
}

/** `npm run teams:package -- <manifestDir> <outFile>` with the network blocked. */
function packageApp(appId: string | undefined) {
  return spawnSync(
    process.execPath,
    ['--require', NO_NETWORK, path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'src', 'adapters', 'teams', 'package-app.ts'), manifestDir, outFile],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...(appId ? { MicrosoftAppId: appId } : {}) }, encoding: 'utf8' },
  );
}

it('packages the project manifest and icons into a flat zip with the bot id filled in', () => {
  const result = packageApp(APP_ID);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('Teams app package written to');

  const entries = unzipSync(readFileSync(outFile));
  expect(Object.keys(entries).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8'));
  expect(manifest.manifestVersion).toBe('1.22');
  expect(manifest.id).toBe(APP_ID);
  expect(manifest.bots[0].botId).toBe(APP_ID);
  expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
  expect(manifest.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual(['help', 'restart', 'my tickets']);
  expect(manifest.validDomains.length).toBeGreaterThan(0);
  // The message action that turns a message into a ticket, answered by the bot without a dialog.
  expect(manifest.composeExtensions[0].botId).toBe(APP_ID);
  expect(manifest.composeExtensions[0].commands).toEqual([
    expect.objectContaining({ id: 'createTicket', type: 'action', title: 'Create helpdesk ticket', context: ['message'], fetchTask: false }),
  ]);
  // Thread replies in the support channel reach the bot without an @mention.
  expect(manifest.authorization.permissions.resourceSpecific).toContainEqual({ name: 'ChannelMessage.Read.Group', type: 'Application' });
  expect(JSON.stringify(manifest)).not.toContain('${{');

  const color = readPng(Buffer.from(entries['color.png']!));
  const outline = readPng(Buffer.from(entries['outline.png']!));
  expect([color.width, color.height, outline.width, outline.height]).toEqual([192, 192, 32, 32]);
  // The outline icon: transparent corners, white strokes.
  expect(outline.rgba![3]).toBe(0);
  const drawn = [...Array(32 * 32).keys()].filter((i) => outline.rgba![i * 4 + 3]! > 0);
  expect(drawn.length).toBeGreaterThan(50);
  expect(drawn.every((i) => outline.rgba![i * 4]! === 255 && outline.rgba![i * 4 + 1]! === 255 && outline.rgba![i * 4 + 2]! === 255)).toBe(true);
});

it('fails with the schema’s messages and exit code 1 when the manifest is broken, and writes nothing', () => {
  editManifest((m) => {
    delete m.accentColor;
    m.bots[0].scopes = ['personal', 'team', 'groupchat'];
    m.name.short = 'x'.repeat(40);
  });
  const result = packageApp(APP_ID);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('The Teams app package was not built:');
  expect(result.stderr).toContain("must have required property 'accentColor'");
  expect(result.stderr).toContain('manifest.json /bots/0/scopes/2 must be equal to one of the allowed values');
  expect(result.stderr).toContain('manifest.json /name/short must NOT have more than 30 characters');
  expect(existsSync(outFile)).toBe(false);
});

it('fails on icons of the wrong size or an outline that is not white on transparent', () => {
  writeFileSync(path.join(manifestDir, 'color.png'), encodePng(96, 96, () => [68, 100, 238, 255]));
  writeFileSync(path.join(manifestDir, 'outline.png'), encodePng(32, 32, () => [68, 100, 238, 255]));
  const result = packageApp(APP_ID);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('icons.color (color.png) must be 192×192 pixels, not 96×96');
  expect(result.stderr).toContain('icons.outline (outline.png) must have a transparent background');
  expect(result.stderr).toContain('icons.outline (outline.png) must be white where it is not transparent (1024 pixels are not)');
  expect(existsSync(outFile)).toBe(false);
});

it('needs MicrosoftAppId, as a GUID', () => {
  const missing = packageApp(undefined);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('MicrosoftAppId is not set');
  const wrong = packageApp('my-bot');
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).toContain('MicrosoftAppId must be a GUID');
});

describe('icon checks', () => {
  it('accepts the committed icons', () => {
    expect(checkIcon('color.png', readFileSync(path.join(DEFAULT_MANIFEST_DIR, 'color.png')), 'color')).toEqual([]);
    expect(checkIcon('outline.png', readFileSync(path.join(DEFAULT_MANIFEST_DIR, 'outline.png')), 'outline')).toEqual([]);
  });

  it('refuses a file that is not a PNG', () => {
    expect(checkIcon('color.png', Buffer.from('GIF89a'), 'color')).toEqual(['icons.color (color.png): not a PNG file']);
  });
});
