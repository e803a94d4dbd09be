/**
 * One port for HTTP and WebSocket (PROTOCOL-NOTES.md §1): `/ws` upgrades to a viewer session,
 * `/healthz` answers JSON, `/` the page; anything else 404, other methods 405, each with a short body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, Limits, ProtocolError, type CameraName, type Mode, type Quality } from '../../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { ViewSpec } from '../shared/types.js';
import { checkAccess, forwarded, type AccessDecision, type AccessPolicy } from './access.js';
import { Heartbeat } from './heartbeat.js';
import { appFile, pageFile } from './static-files.js';
import { parseViewQuery, type InitialView } from './view-query.js';

export interface Routes {
  defaultMode: Mode;
  /** The camera of viewers that name none (§1.2). */
  defaultCamera: CameraName;
  /** The coded frames' quality of viewers that name none (`serve --quality`). */
  defaultQuality: Quality;
  /** Where viewers that name no direction start (the file's metadata), or null for straight ahead. */
  initialView: InitialView | null;
  /** The /healthz answer and its HTTP status (503 when the server has failed: PROTOCOL-NOTES.md §1.3). */
  health(): { httpStatus: number; body: unknown };
  /** The same counters in Prometheus text format. */
  metrics(): string;
  /** A viewer connected with this first spec. */
  /** `notice`: an `Error:` reason to send right after INIT (an unknown style in the query). */
  viewer(ws: WebSocket, spec: ViewSpec, notice: string | null): void;
  /** `GET`/`HEAD /audio` (PROTOCOL-NOTES.md §1.4): false when the source has no sound, or it was given up. */
  audioAvailable(): boolean;
  /** Why the source's sound was given up (its encoder kept failing), or null: /audio then answers 503 with it (§1.4). */
  audioFailed(): string | null;
  /** Why the source was given up (/healthz `failed`), or null: /audio then answers 503 with it (§1.4). */
  sourceFailed(): string | null;
  /** A listener whose 200 headers are written; it receives ADTS frames until it goes. */
  audioListener(res: ServerResponse): void;
  access: AccessPolicy;
  /** Room for one more viewer or listener? A refusal reason when the server is full. */
  admit(): string | null;
  /** WebSocket ping interval, ms; 0 never pings (heartbeat.ts). */
  pingIntervalMs: number;
  log: Logger;
}

function reply(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** How long a client may take to send its request headers (slowloris), ms. */
export const HEADERS_TIMEOUT_MS = 10_000;
const CHECK_INTERVAL_MS = 1_000;

/** Headers of the audio stream: a never-ending ADTS stream, chunked, never cached, open to the page. */
const AUDIO_HEADERS = {
  'Content-Type': 'audio/aac',
  'Cache-Control': 'no-store',
  'Access-Control-Allow-Origin': '*',
  'X-Content-Type-Options': 'nosniff',
};

/** What a 401 asks for (RFC 9110 §11.6.1): the token, as a Bearer header or `?token=`. */
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ascii360"' } as const;

/** Servers whose operator was already told of a proxy without the token (once a server). */
const warnedProxy = new WeakSet<Routes>();

/**
 * checkAccess, and the operator told once when requests come through a proxy to a server with no
 * token: only browsers on the page's own address get in then, and not even their sound (§1.5).
 */
function accessFor(req: IncomingMessage, url: URL, routes: Routes): AccessDecision {
  if (routes.access.token === null && !warnedProxy.has(routes) && forwarded(req)) {
    warnedProxy.add(routes);
    routes.log.warn('access.proxy_without_token', { note: 'requests come through a proxy (X-Forwarded-For): run every server with --token, or only browser pages on a loopback name or an --allow-origin host get in, without their sound' });
  }
  return checkAccess(req, url, routes.access);
}

function serveAudio(req: IncomingMessage, res: ServerResponse, url: URL, routes: Routes): void {
  const access = accessFor(req, url, routes);
  if (!access.ok) {
    reply(res, access.status, 'text/plain; charset=utf-8', `${access.reason}\n`, { 'Access-Control-Allow-Origin': '*', ...(access.status === 401 ? CHALLENGE : {}) });
    return;
  }
  // Given up, the source makes no sound: a 200 left the player waiting on a stream that never came.
  // Not counted as a client either, which would start the given-up source again for a listener alone.
  // The sound alone given up: a 204 would tell players and the page that the source has none.
  const source = routes.sourceFailed();
  const sound = source === null ? routes.audioFailed() : null;
  if (source !== null || sound !== null) {
    reply(res, 503, 'text/plain; charset=utf-8', source !== null ? `the source failed: ${source}\n` : `the sound failed: ${sound}\n`, { 'Access-Control-Allow-Origin': '*' });
    return;
  }
  if (!routes.audioAvailable()) {
    res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  const full = req.method === 'GET' ? routes.admit() : null;
  if (full) {
    reply(res, 503, 'text/plain; charset=utf-8', `${full}\n`, { 'Access-Control-Allow-Origin': '*', 'Retry-After': '10' });
    return;
  }
  res.writeHead(200, AUDIO_HEADERS);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A player knows at once it is connected; the first ADTS frame may be a second away (or never, paused).
  res.flushHeaders();
  // Small writes go out at once: a player should not wait for Nagle to fill a packet.
  res.socket?.setNoDelay(true);
  routes.audioListener(res);
}

function replyFile(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Shown at `/` when the browser client was not installed with the package. */
const LANDING = `<!doctype html><meta charset="utf-8"><title>ascii360</title>
<body style="background:#000;color:#ccc;font:14px monospace"><pre>ascii360 server
WebSocket: /ws  (PROTOCOL-NOTES.md)
Health:    /healthz
Terminal:  ascii360 view ws://HOST:PORT/ws</pre></body>`;

/**
 * The request's URL. A path is read as a path, even one that starts with `//`, which URL parsing
 * against a base takes for a host (`//evil/healthz` answered as /healthz); an absolute URL (a
 * proxy's absolute form) as itself.
 */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
}

export function createHttpServer(routes: Routes): { server: Server; wss: WebSocketServer } {
  // No per-message deflate: compressing raw frames costs CPU and made ASCILINE's streams lag.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });

  const heartbeat = new Heartbeat(routes.pingIntervalMs, () => routes.log.info('viewer.unresponsive', { note: 'no answer to a ping: connection closed' }));
  // A client that opens a connection and never finishes its request headers is cut after
  // HEADERS_TIMEOUT_MS (Node checks every CHECK_INTERVAL_MS), not after Node's default minute or more.
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS }, (req: IncomingMessage, res: ServerResponse) => {
    const url = requestUrl(req);
    if (req.method === 'OPTIONS' && url.pathname === '/audio') {
      // CORS preflight for a page sending the token as a Bearer header.
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Allow-Methods': 'GET, HEAD' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'text/plain; charset=utf-8', `method ${req.method} not allowed\n`, { Allow: 'GET, HEAD' });
      return;
    }
    switch (url.pathname) {
      case '/': {
        const page = pageFile();
        if (page) replyFile(res, page.type, page.body);
        else reply(res, 200, 'text/html; charset=utf-8', LANDING);
        return;
      }
      case '/healthz': {
        const { httpStatus, body } = routes.health();
        reply(res, httpStatus, 'application/json', JSON.stringify(body) + '\n');
        return;
      }
      case '/metrics':
        reply(res, 200, 'text/plain; version=0.0.4; charset=utf-8', routes.metrics());
        return;
      case '/audio':
        serveAudio(req, res, url, routes);
        return;
      case '/ws':
        reply(res, 426, 'text/plain; charset=utf-8', 'this endpoint needs a WebSocket upgrade\n', { Upgrade: 'websocket' });
        return;
      default: {
        const file = url.pathname.startsWith('/app/') ? appFile(url.pathname) : null;
        if (file) replyFile(res, file.type, file.body);
        else reply(res, 404, 'text/plain; charset=utf-8', `not found: ${url.pathname.slice(0, 100)}\n`);
      }
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(req);
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnot found\n');
      return;
    }
    const access = accessFor(req, url, routes);
    if (!access.ok) {
      const status = access.status === 401 ? `401 Unauthorized\r\nWWW-Authenticate: ${CHALLENGE['WWW-Authenticate']}` : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${access.reason}\n`);
      routes.log.info('viewer.refused', { reason: access.reason, from: req.socket.remoteAddress });
      return;
    }
    let spec: ViewSpec | null = null;
    let notice: string | null = null;
    let refusal = '';
    let closeCode: number = CloseCode.POLICY;
    try {
      ({ spec, notice } = parseViewQuery(url.searchParams, { mode: routes.defaultMode, camera: routes.defaultCamera, quality: routes.defaultQuality, initial: routes.initialView }));
    } catch (error) {
      refusal = error instanceof ProtocolError ? error.message : 'query could not be read';
    }
    const full = spec ? routes.admit() : null;
    if (full) {
      spec = null;
      refusal = full;
      closeCode = CloseCode.TRY_AGAIN_LATER;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Refusals are told over the socket: a browser cannot read the body of a failed upgrade.
      if (!spec) {
        ws.send(`Error: ${refusal}`);
        ws.close(closeCode, refusal.slice(0, 120));
        routes.log.info('viewer.refused', { reason: refusal });
        return;
      }
      heartbeat.watch(ws);
      routes.viewer(ws, spec, notice);
    });
  });
  // A client that sends garbage before the upgrade must not take the server down.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
  server.on('close', () => heartbeat.dispose());
  return { server, wss };
}
