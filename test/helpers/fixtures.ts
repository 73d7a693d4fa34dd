import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TriageEngine } from '../../src/bot/engine';
import type { ConversationRef, Inbound, Reply } from '../../src/bot/messages';
import type { Storage } from '../../src/bot/ports';
import { createRouter } from '../../src/bot/router';
import { loadCatalogue, type Catalogue } from '../../src/flows/catalogue';
import { INTAKE_SINCE, INTAKE_SUMMARY } from '../../src/bot/conversation';
import { SqliteStorage } from '../../src/adapters/storage/sqlite';
import { silentLogger } from '../../src/logger';

export const FIXTURE_CATALOGUE_DIR = path.join(__dirname, '..', 'fixtures', 'catalogue');

export function fixtureCatalogue(): Catalogue {
  return loadCatalogue(FIXTURE_CATALOGUE_DIR);
}

/** A writable copy of the fixture catalogue, for tests that edit flow files. */
export function copyOfFixtureCatalogue(): { dir: string; write(file: string, text: string): void; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
  cpSync(FIXTURE_CATALOGUE_DIR, dir, { recursive: true });
  return {
    dir,
    write: (file, text) => writeFileSync(path.join(dir, file), text),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function memoryStorage(): Promise<Storage> {
  const storage = new SqliteStorage(':memory:');
  await storage.migrate();
  return storage;
}

export function engineFor(catalogue: Catalogue, storage: Storage): TriageEngine {
  return new TriageEngine({ catalogue, storage, router: createRouter(catalogue), logger: silentLogger });
}

export const webRef = (conversationId = 'conv-1', userId = 'u-1'): ConversationRef => ({
  channel: 'web',
  conversationId,
  user: { id: userId, name: 'Pat Example' },
});

/** A tiny conversation driver over an engine. */
export class Chat {
  last: Reply[] = [];
  constructor(
    readonly engine: TriageEngine,
    readonly ref: ConversationRef = webRef(),
  ) {}

  async say(text: string): Promise<Reply[]> {
    return this.send({ kind: 'text', ref: this.ref, text });
  }

  async choose(nodeId: string, optionId: string): Promise<Reply[]> {
    return this.send({ kind: 'choice', ref: this.ref, nodeId, optionId });
  }

  /** Answers the last question with the option whose label contains `label`. */
  async pick(label: string): Promise<Reply[]> {
    const q = this.question();
    const option = q.options.find((o) => o.label.includes(label));
    if (!option) throw new Error(`no option "${label}" in ${JSON.stringify(q)}`);
    return this.choose(q.nodeId, option.id);
  }

  /**
   * Answers the intake questions asked before a ticket is opened (summary, since when, who else
   * is affected), as far as they are asked, and returns the replies that end it (with the escalation).
   */
  async finishIntake(answers: { summary?: string; since?: string; affected?: string } = {}): Promise<Reply[]> {
    for (let i = 0; i < 3; i++) {
      const open = this.last.at(-1);
      if (!open?.nodeId?.startsWith('intake.')) break;
      if (open.nodeId === INTAKE_SUMMARY) await this.say(answers.summary ?? 'Wi-Fi drops all the time');
      else if (open.kind === 'question') {
        const wanted = open.nodeId === INTAKE_SINCE ? answers.since : answers.affected;
        const option = wanted ? open.options.find((o) => o.label.includes(wanted)) : open.options[0];
        if (!option) throw new Error(`no option "${wanted}" in ${JSON.stringify(open)}`);
        await this.choose(open.nodeId, option.id);
      }
    }
    return this.last;
  }

  question(): Extract<Reply, { kind: 'question' }> {
    const q = [...this.last].reverse().find((r) => r.kind === 'question');
    if (!q || q.kind !== 'question') throw new Error(`no question in ${JSON.stringify(this.last)}`);
    return q;
  }

  private async send(inbound: Inbound): Promise<Reply[]> {
    this.last = await this.engine.handle(inbound);
    return this.last;
  }
}
