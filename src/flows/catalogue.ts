/**
 * Loads the flow catalogue: every `*.yaml` in the catalogue folder is a flow, except
 * `topics.yaml`, which lists the topic menu. Each flow is validated (schema, graph, paths),
 * hashed and compiled once. Any problem stops startup with every problem listed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { CATALOGUE_DIR } from '../paths';
import type { FlowMachine } from './compile';
import { FlowSchema, MAX_OPTIONS, TopicsSchema, type FlowDefinition, type FlowNode, type Topic } from './schema';
import { checkRoutingAcrossFlows, compileChecked, formatProblem, type Problem } from './validate';

export const TOPICS_FILE = 'topics.yaml';
export { MAX_OPTIONS } from './schema';

export interface LoadedFlow {
  readonly definition: FlowDefinition;
  /** Content hash stored beside each conversation's snapshot; a change restarts old conversations. */
  readonly hash: string;
  readonly machine: FlowMachine;
  readonly file: string;
  readonly nodes: ReadonlyMap<string, FlowNode>;
}

export interface Catalogue {
  readonly flows: ReadonlyMap<string, LoadedFlow>;
  readonly topics: readonly Topic[];
  flowsInTopic(topicId: string): LoadedFlow[];
}

export class FlowCatalogueError extends Error {
  readonly code = 'FLOWS_INVALID';
  constructor(readonly problems: readonly Problem[]) {
    super(`The flow catalogue has ${problems.length} problem(s):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'FlowCatalogueError';
  }
}

/** Loads and validates a catalogue folder; throws FlowCatalogueError listing every problem. */
export function loadCatalogue(dir: string = CATALOGUE_DIR): Catalogue {
  const { catalogue, problems } = validateCatalogue(dir);
  if (!catalogue) throw new FlowCatalogueError(problems);
  return catalogue;
}

export function validateCatalogue(dir: string = CATALOGUE_DIR): { catalogue?: Catalogue; problems: Problem[] } {
  const problems: Problem[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  } catch (err) {
    return { problems: [{ file: dir, path: '', message: `cannot read the catalogue folder: ${(err as Error).message}` }] };
  }

  const topics = readTopics(dir, files.includes(TOPICS_FILE), problems);
  const flows = new Map<string, LoadedFlow>();
  const nodeOwner = new Map<string, string>();

  for (const file of files.filter((f) => f !== TOPICS_FILE)) {
    const raw = readYaml(path.join(dir, file), file, problems);
    if (raw === undefined) continue;
    const parsed = FlowSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error, file));
      continue;
    }
    const flow = parsed.data;
    const expectedId = path.basename(file, path.extname(file));
    if (flow.id !== expectedId) problems.push({ file, path: 'id', message: `flow id "${flow.id}" must match the file name "${expectedId}"` });
    if (flows.has(flow.id)) problems.push({ file, path: 'id', message: `duplicate flow id "${flow.id}" (also in ${flows.get(flow.id)!.file})` });
    if (topics && !topics.some((t) => t.id === flow.topic)) {
      problems.push({ file, path: 'topic', message: `unknown topic "${flow.topic}" (topics.yaml lists: ${topics.map((t) => t.id).join(', ')})` });
    }
    flow.nodes.forEach((node, i) => {
      const owner = nodeOwner.get(node.id);
      if (owner && owner !== flow.id) problems.push({ file, path: `nodes[${i}].id`, message: `node id "${node.id}" is already used by flow "${owner}"; node ids are unique across the catalogue` });
      nodeOwner.set(node.id, flow.id);
    });
    const { machine, problems: flowProblems } = compileChecked(flow, file);
    problems.push(...flowProblems);
    if (!machine) continue;
    flows.set(flow.id, {
      definition: flow,
      hash: createHash('sha256').update(JSON.stringify(flow)).digest('hex').slice(0, 16),
      machine,
      file,
      nodes: new Map(flow.nodes.map((n) => [n.id, n])),
    });
  }

  problems.push(...checkRoutingAcrossFlows([...flows.values()]));

  if (topics) {
    for (const topic of topics) {
      const count = [...flows.values()].filter((f) => f.definition.topic === topic.id).length;
      if (count > MAX_OPTIONS) problems.push({ file: TOPICS_FILE, path: `topics.${topic.id}`, message: `topic has ${count} flows; a topic menu shows at most ${MAX_OPTIONS}` });
    }
  }
  if (files.filter((f) => f !== TOPICS_FILE).length === 0) problems.push({ file: dir, path: '', message: 'no flow files found' });

  if (problems.length > 0 || !topics) return { problems };
  const usedTopics = topics.filter((t) => [...flows.values()].some((f) => f.definition.topic === t.id));
  return {
    problems,
    catalogue: {
      flows,
      topics: usedTopics,
      flowsInTopic: (topicId) => [...flows.values()].filter((f) => f.definition.topic === topicId),
    },
  };
}

function readTopics(dir: string, present: boolean, problems: Problem[]): Topic[] | undefined {
  if (!present) {
    problems.push({ file: TOPICS_FILE, path: '', message: 'missing: the catalogue needs a topics.yaml listing the topic menu' });
    return undefined;
  }
  const raw = readYaml(path.join(dir, TOPICS_FILE), TOPICS_FILE, problems);
  if (raw === undefined) return undefined;
  const parsed = TopicsSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error, TOPICS_FILE));
    return undefined;
  }
  return parsed.data.topics;
}

function readYaml(fullPath: string, file: string, problems: Problem[]): unknown {
  try {
    return parseYaml(readFileSync(fullPath, 'utf8'));
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      problems.push({ file, path: where, message: `invalid YAML: ${err.message.split('\n')[0]}` });
    } else {
      problems.push({ file, path: '', message: `cannot read: ${(err as Error).message}` });
    }
    return undefined;
  }
}

/** `['nodes', 3, 'options', 1, 'next']` → `nodes[3].options[1].next` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function zodProblems(error: z.ZodError, file: string): Problem[] {
  return error.issues.map((issue) => ({ file, path: formatPath(issue.path), message: issue.message }));
}
