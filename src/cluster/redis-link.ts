/**
 * The cluster's Redis: the timeline record (one key, written only through a compare-and-set script
 * so the newest change wins whoever writes), its changes on pub/sub, and the servers' heartbeats
 * (a sorted set of ids by last beat, and a short-lived key per server with its load). ioredis keeps
 * reconnecting with backoff; while Redis is away every call fails at once instead of queueing, so
 * nothing here ever waits on a missing Redis (the cluster plays on what it last knew).
 */
import { Redis } from 'ioredis';
import { Ascii360Error } from '../shared/errors.js';
import { parseRecord, type TimelineRecord } from './timeline-record.js';

/** One server's last heartbeat: who it is, where, and its load (what an autoscaler reads). */
export interface ServerBeat {
  id: string;
  url: string;
  viewers: number;
  listeners: number;
  distinctViews: number;
  renderMs: number;
  fitEffort: string;
  /** Its frames' offset from the shared position, ms (positive: ahead); null while not playing. */
  offsetMs: number | null;
  /** Wall-clock ms of the beat. */
  at: number;
  /** What the timeline means on it (timeline-terms.ts); absent from a server of an older version, or one whose source shares no timeline. */
  duration?: number;
  loop?: boolean;
}

export interface RedisLinkEvents {
  /** A record someone published (this server's own writes come back too). */
  published(text: string): void;
  lost(reason: string): void;
  regained(): void;
}

/** How long a start may wait for Redis before `serve` refuses to start. */
const CONNECT_TIMEOUT_MS = 3000;
/** A command Redis has not answered by then fails: a stalled Redis must not stall beats or shutdown. */
const COMMAND_TIMEOUT_MS = 1000;
const RETRY_MAX_MS = 2000;

/**
 * Replaces the record only with a newer change (changedAt, then writer), publishes what it wrote,
 * and answers the record that stands. Atomic in Redis, so two servers changing the timeline at once
 * agree on the winner.
 */
const WRITE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, c = pcall(cjson.decode, current)
  if ok and type(c) == 'table' and type(c.changedAt) == 'number' then
    local at = tonumber(ARGV[2])
    if c.changedAt > at or (c.changedAt == at and tostring(c.writer) >= ARGV[3]) then return current end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return ARGV[1]
`;

/**
 * The database the URL names (`redis://host/3`, or `?db=3`) must exist: ioredis selects it on
 * connecting and, refused (`/99` of Redis's default 16), goes on in database 0, where another
 * deployment's timeline may be. Refused with one line instead, whatever `--cluster-optional` says
 * (such a server started without Redis stays apart when it comes, with the reason in /healthz).
 */
async function checkDatabase(command: Redis, url: string): Promise<void> {
  let path = '';
  try {
    const parsed = new URL(url);
    path = parsed.searchParams.get('db') ?? parsed.pathname.replace(/^\//, '');
  } catch {
    return; // ioredis took it; a URL it parses in its own way names no database here.
  }
  if (path === '') return;
  const db = Number(path);
  if (!Number.isInteger(db) || db < 0) throw new Ascii360Error('BAD_OPTION', `--cluster ${redactUrl(url)}: "${path}" is not a Redis database number`);
  try {
    await command.select(db);
  } catch (error) {
    throw new Ascii360Error('BAD_OPTION', `--cluster ${redactUrl(url)}: Redis refused database ${db}: ${(error as Error).message}`);
  }
}

/** The timeline outlives its last server by this long, then a new cluster starts afresh. */
export const RECORD_TTL_MS = 10 * 60_000;

export class RedisLink {
  private readonly keys: { record: string; changes: string; servers: string; server: (id: string) => string };
  private up = false;
  /** Set once `open` is done: a `ready` before it is the first connection, not a comeback. */
  private opened = false;
  private lostReason = '';
  private closed = false;

  private constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
    name: string,
    private readonly events: RedisLinkEvents,
    private readonly url: string,
  ) {
    const ns = `ascii360:${name}`;
    this.keys = { record: `${ns}:timeline`, changes: `${ns}:changes`, servers: `${ns}:servers`, server: (id) => `${ns}:server:${id}` };
    command.defineCommand('writeIfNewer', { numberOfKeys: 2, lua: WRITE_IF_NEWER });
    subscriber.on('message', (_channel: string, text: string) => events.published(text));
  }

  /**
   * Connects both connections and subscribes. With `optional`, an unreachable Redis is not an
   * error: the link comes up whenever Redis does (`regained`).
   */
  static async open(url: string, name: string, optional: boolean, events: RedisLinkEvents): Promise<RedisLink> {
    const options = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (times: number) => Math.min(RETRY_MAX_MS, 100 * 2 ** Math.min(times, 5)),
    };
    let command: Redis;
    let subscriber: Redis;
    try {
      // Commands fail at once while disconnected: the caller keeps playing and retries on `regained`.
      command = new Redis(url, { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
      // The subscription waits for a connection however long it takes (a server that started
      // without Redis subscribes when it comes); ioredis renews it on every reconnect.
      subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    } catch (error) {
      throw new Ascii360Error('BAD_OPTION', `--cluster ${url}: ${(error as Error).message}`);
    }
    const link = new RedisLink(command, subscriber, name, events, url);
    let lastError = '';
    const noteError = (error: Error): void => {
      lastError = (error as NodeJS.ErrnoException).code ?? error.message;
    };
    command.on('error', noteError);
    subscriber.on('error', noteError);
    command.on('close', () => link.onClose(lastError));
    command.on('ready', () => link.onReady());
    const subscribed = subscriber.subscribe(link.keys.changes);
    // Settled below or never awaited (optional, Redis away): never an unhandled rejection.
    subscribed.catch(() => {});
    try {
      await command.connect();
      await checkDatabase(command, url);
      await Promise.race([subscribed, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer to SUBSCRIBE')), CONNECT_TIMEOUT_MS).unref())]);
    } catch (error) {
      if (error instanceof Ascii360Error) {
        command.disconnect();
        subscriber.disconnect();
        throw error;
      }
      if (optional) {
        link.lostReason = lastError || (error as Error).message;
        link.opened = true;
        // `ready` may have come already, while the subscription was still on its way.
        if (command.status === 'ready') link.onReady();
        return link;
      }
      command.disconnect();
      subscriber.disconnect();
      throw new Ascii360Error('CLUSTER_UNREACHABLE', `cannot reach the cluster's Redis at ${redactUrl(url)}: ${lastError || (error as Error).message} (--cluster-optional starts without it)`);
    }
    link.up = true;
    link.opened = true;
    return link;
  }

  get connected(): boolean {
    return this.up;
  }

  get reason(): string {
    return this.lostReason;
  }

  private onClose(reason: string): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.lostReason = reason || 'connection closed';
    this.events.lost(this.lostReason);
  }

  private onReady(): void {
    if (this.up || this.closed || !this.opened) return;
    // Checked again: a server started without Redis (--cluster-optional) meets its database here first.
    checkDatabase(this.command, this.url).then(
      () => {
        if (this.up || this.closed) return;
        this.up = true;
        this.lostReason = '';
        this.events.regained();
      },
      (error: Error) => {
        // Refused: it stays apart, saying why, rather than join the timeline of database 0.
        this.lostReason = error.message;
      },
    );
  }

  async read(): Promise<TimelineRecord | null> {
    return parseRecord(await this.command.get(this.keys.record));
  }

  /** Writes `record` if it is newer than the one in Redis; answers the record that stands. */
  async write(record: TimelineRecord): Promise<TimelineRecord | null> {
    const text = JSON.stringify(record);
    const standing = await (this.command as Redis & { writeIfNewer(...args: (string | number)[]): Promise<string> })
      .writeIfNewer(this.keys.record, this.keys.changes, text, record.changedAt, record.writer, RECORD_TTL_MS);
    return parseRecord(standing);
  }

  /**
   * Beats for this server; answers every server seen within `windowMs` (this one included) and the
   * record in Redis, so a change whose message was missed (a resubscription after a reconnect) is
   * still seen within a beat.
   */
  async beat(beat: ServerBeat, windowMs: number): Promise<{ servers: ServerBeat[]; record: TimelineRecord | null }> {
    const now = beat.at;
    const results = await this.command.multi()
      .set(this.keys.server(beat.id), JSON.stringify(beat), 'PX', windowMs)
      .zadd(this.keys.servers, now, beat.id)
      .zremrangebyscore(this.keys.servers, 0, now - windowMs)
      .zrange(this.keys.servers, 0, -1)
      // The timeline lives while any server does (RECORD_TTL_MS after the last).
      .pexpire(this.keys.record, RECORD_TTL_MS)
      .get(this.keys.record)
      .exec();
    const ids = (results?.[3]?.[1] as string[] | undefined) ?? [];
    const record = parseRecord((results?.[5]?.[1] as string | null | undefined) ?? null);
    return { servers: await this.beatsOf(ids), record };
  }

  /** The servers that beat within `windowMs` of `now`, without beating: who is there before joining. */
  async peers(now: number, windowMs: number): Promise<ServerBeat[]> {
    return this.beatsOf(await this.command.zrangebyscore(this.keys.servers, now - windowMs, '+inf'));
  }

  /** The last beat of each server in `ids` still kept. */
  private async beatsOf(ids: string[]): Promise<ServerBeat[]> {
    if (ids.length === 0) return [];
    const texts = await this.command.mget(ids.map((id) => this.keys.server(id)));
    const beats: ServerBeat[] = [];
    for (const text of texts) {
      if (!text) continue;
      try {
        const beat = JSON.parse(text) as ServerBeat;
        // Another program's write is not a server of ours.
        if (typeof beat.id === 'string' && Number.isFinite(beat.viewers) && Number.isFinite(beat.at)) beats.push(beat);
      } catch {
        // Not JSON: not ours either.
      }
    }
    return beats;
  }

  /** Leaves the cluster's server list at once, so the others stop counting this server. */
  async leave(id: string): Promise<void> {
    if (!this.up) return;
    await this.command.multi().del(this.keys.server(id)).zrem(this.keys.servers, id).exec();
  }

  /**
   * Leaves Redis for good, saying why (`reason`, shown as the cluster's `lost`): a server that
   * met its cluster only once running (--cluster-optional) and cannot share its timeline stays apart.
   */
  refuse(reason: string): void {
    this.up = false;
    this.lostReason = reason;
    this.close();
  }

  close(): void {
    this.closed = true;
    this.command.disconnect();
    this.subscriber.disconnect();
  }
}

/** The URL without a password, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
