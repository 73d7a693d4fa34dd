import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../../../src/adapters/storage/sqlite';
import type { Storage } from '../../../src/bot/ports';
import { storageConformance } from './conformance';

storageConformance('sqlite (file, WAL)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'helpdesk-sqlite-'));
  const file = path.join(dir, 'nested', 'helpdesk.db');
  const opened: Storage[] = [];
  const open = async () => {
    const s = new SqliteStorage(file);
    opened.push(s);
    await s.migrate();
    return s;
  };
  return {
    open,
    openSecond: open,
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite storage file', () => {
  it('creates missing folders and keeps the database in WAL mode, so readers do not block the writer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'helpdesk-sqlite-wal-'));
    const file = path.join(dir, 'a', 'b', 'helpdesk.db');
    const store = new SqliteStorage(file);
    try {
      await store.migrate();
      const peek = new Database(file, { readonly: true });
      try {
        expect(peek.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        peek.close();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
