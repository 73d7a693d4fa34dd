/**
 * The web chat channel: `POST /api/chat/messages` (a stable JSON contract other tools build on)
 * and the single chat page at `GET /`. Transport only: it validates, calls the engine and
 * returns the engine's replies as they are.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { TriageEngine } from '../../bot/engine';
import { asBotError } from '../../bot/errors';
import type { ConversationRef, Inbound } from '../../bot/messages';
import type { Logger } from '../../bot/ports';
import { formatPath } from '../../flows/catalogue';
import { WEB_PUBLIC_DIR } from '../../paths';
import { HttpInputError, isJsonContentType, readJsonBody } from './http-body';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_TEXT_LENGTH = 4000;

/** A custom message for a wrong type only; other issues (such as unknown keys) keep zod's own. */
const typeMessage = (message: string) => (issue: { code: string }) => (issue.code === 'invalid_type' ? message : undefined);

const ChatRequestSchema = z
  .strictObject({
    conversationId: z
      .string({ message: 'conversationId must be a string' })
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'conversationId must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"'),
    user: z.strictObject(
      {
        id: z.string({ message: 'user.id must be a string' }).trim().min(1, 'user.id must not be empty').max(256),
        name: z.string({ message: 'user.name must be a string' }).max(256).optional(),
      },
      { error: typeMessage('user must be an object with an id') },
    ),
    text: z
      .string({ message: 'text must be a string' })
      .refine((t) => t.trim().length > 0, 'text must not be empty')
      .refine((t) => t.length <= MAX_TEXT_LENGTH, `text must be at most ${MAX_TEXT_LENGTH} characters`)
      .optional(),
    choice: z
      .strictObject(
        {
          nodeId: z.string({ message: 'choice.nodeId must be a string' }).min(1).max(128),
          optionId: z.string({ message: 'choice.optionId must be a string' }).min(1).max(128),
        },
        { error: typeMessage('choice must be an object with nodeId and optionId') },
      )
      .optional(),
  }, { error: typeMessage('the body must be a JSON object') })
  .refine((body) => (body.text === undefined) !== (body.choice === undefined), {
    message: 'send exactly one of "text" and "choice"',
  });

type ChatRequest = z.infer<typeof ChatRequestSchema>;

export function toInbound(body: ChatRequest): Inbound {
  const ref: ConversationRef = {
    channel: 'web',
    conversationId: body.conversationId,
    user: { id: body.user.id, ...(body.user.name ? { name: body.user.name } : {}) },
  };
  return body.choice
    ? { kind: 'choice', ref, nodeId: body.choice.nodeId, optionId: body.choice.optionId }
    : { kind: 'text', ref, text: body.text! };
}

export interface WebChatDeps {
  readonly engine: TriageEngine;
  readonly logger: Logger;
}

export function registerWebChat(server: Server, { engine, logger }: WebChatDeps): void {
  server.post('/api/chat/messages', async (req: Request, res: Response) => {
    try {
      if (!isJsonContentType(req.headers['content-type'])) {
        throw new HttpInputError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the message as JSON with Content-Type: application/json.');
      }
      const raw = await readJsonBody(req, MAX_BODY_BYTES);
      const parsed = ChatRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const details = parsed.error.issues.map((i) => (i.path.length ? `${formatPath(i.path)}: ${i.message}` : i.message));
        throw new HttpInputError(400, 'INVALID_REQUEST', [...new Set(details)].join('; '));
      }
      const replies = await engine.handle(toInbound(parsed.data));
      sendJson(res, 200, { conversationId: parsed.data.conversationId, replies });
    } catch (err) {
      if (err instanceof HttpInputError) {
        if (err.status === 413) res.setHeader('connection', 'close');
        sendJson(res, err.status, { error: { code: err.code, message: err.message } });
        return;
      }
      const e = asBotError(err);
      const reference = Math.random().toString(36).slice(2, 10);
      logger.error({ err, code: e.code, reference }, 'web chat turn failed');
      const status = e.code === 'STORAGE_UNAVAILABLE' || e.code === 'CONCURRENT_UPDATE' ? 503 : 500;
      sendJson(res, status, {
        error: { code: e.code, message: `The bot could not handle this message right now; please try again. (reference ${reference})` },
      });
    }
  });

  const page = (file: string, type: string) => {
    const body = readFileSync(path.join(WEB_PUBLIC_DIR, file));
    return async (_req: Request, res: Response) => {
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
      });
      res.end(body);
    };
  };
  server.get('/', page('index.html', 'text/html; charset=utf-8'));
  server.get('/assets/chat.js', page('chat.js', 'text/javascript; charset=utf-8'));
  server.get('/assets/chat.css', page('chat.css', 'text/css; charset=utf-8'));
}

function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
