/** Where the project's data files live, for code running from `src/` (tests, tsx) or `dist/` (npm start). */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`package.json not found above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const CATALOGUE_DIR = path.join(PROJECT_ROOT, 'src', 'flows', 'catalogue');
export const WEB_PUBLIC_DIR = path.join(PROJECT_ROOT, 'src', 'adapters', 'web', 'public');
