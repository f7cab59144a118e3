/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a status, a title, a detail,
 * and for bad input the fields and values at fault, under the names the client sent. Nothing
 * internal (stack, SQL, file paths) reaches the client; unexpected errors are logged and answered
 * with a bare 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isMyContentError, type MyContentError } from '@mycontent/core';

/** One field at fault. */
export interface ProblemField {
  field: string;
  value?: unknown;
  message: string;
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemField[];
}

/** An error a route throws to answer with a given status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly errors?: ProblemField[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
  }
}

/** The SDK's field names, as the HTTP API spells them. */
const WIRE_NAMES: Record<string, string> = { userId: 'user_id', itemId: 'article_id', itemIds: 'article_ids', sessionId: 'session_id', createdAt: 'created_at', wordsCount: 'words_count' };
const wireField = (field: string) => field.split('.').map((part) => WIRE_NAMES[part] ?? part).join('.');

const STATUS_OF_CODE: Record<MyContentError['code'], number> = {
  INVALID_INPUT: 400,
  INVALID_CONFIG: 500,
  NOT_FOUND: 404,
  NOT_TRAINED: 503,
  UNSUPPORTED: 501,
  FORMAT: 400,
  BACKEND: 503,
  ABORTED: 503,
  CAPACITY: 413,
  CONFLICT: 409,
  DIVERGED: 500,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** Cuts a value an error quotes back, so a huge input is not echoed whole. */
function quote(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 197)}...` : value;
  if (value === null || typeof value !== 'object') return value;
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : value;
}

/** The value at a JSON pointer (`/events/0/type`) inside what the client sent. */
function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Sends `problem` with its content type. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

function problemOf(error: FastifyError | Error, request: FastifyRequest): Problem {
  const instance = request.url.split('?')[0];
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext ?? 'body';
    const sent = context === 'body' ? request.body : context === 'querystring' ? request.query : context === 'params' ? request.params : request.headers;
    const errors = error.validation.map((issue) => {
      const params = issue.params as { keys?: string[] };
      // An unknown key is reported on its parent: name the key itself.
      const pointer = params.keys?.length ? `${issue.instancePath.replace(/\/$/, '')}/${params.keys[0]}` : issue.instancePath;
      const field = pointer.split('/').filter(Boolean).join('.') || context;
      return { field, value: quote(valueAt(sent, pointer)), message: issue.message ?? 'invalid' };
    });
    const first = errors[0]!;
    return { type: 'about:blank', title: TITLES[400]!, status: 400, detail: `${context} ${first.field}: ${first.message}`, instance, errors };
  }
  if (error instanceof HttpProblem) {
    return { type: 'about:blank', title: error.title, status: error.status, detail: error.message, instance, ...(error.errors ? { errors: error.errors } : {}) };
  }
  if (isMyContentError(error)) {
    // A write naming something that does not exist (feedback on an unknown article) is a bad
    // request; reading something that does not exist is a 404.
    const status = error.code === 'NOT_FOUND' && error.field && request.method !== 'GET' ? 400 : STATUS_OF_CODE[error.code];
    const fields = error.issues.length > 0 ? error.issues : error.field ? [{ field: error.field, value: error.value, message: error.message }] : [];
    const detail = status >= 500 && status !== 503 ? undefined : error.message.replace(/^\[mycontent\] (\[[^\]]+\] )?/, '');
    return {
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      ...(detail ? { detail } : {}),
      instance,
      ...(status < 500 && fields.length > 0
        ? { errors: fields.slice(0, 20).map((f) => ({ field: wireField(f.field), value: quote(f.value), message: f.message.replace(/^\[mycontent\] (\[[^\]]+\] )?/, '') })) }
        : {}),
    };
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad JSON, unsupported media type...).
    return { type: 'about:blank', title: TITLES[status] ?? 'Bad Request', status, detail: error.message, instance };
  }
  return { type: 'about:blank', title: TITLES[500]!, status: 500, instance };
}

/** Installs the error and not-found handlers on `app`. */
export function useProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = problemOf(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (error instanceof HttpProblem && error.headers) reply.headers(error.headers);
    if (problem.status === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { type: 'about:blank', title: TITLES[404]!, status: 404, detail: `no route ${request.method} ${request.url.split('?')[0]}`, instance: request.url.split('?')[0] }),
  );
}
