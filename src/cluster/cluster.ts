/**
 * This server's membership of a cluster (`serve --cluster redis://…`): it holds the timeline record
 * every server follows, takes changes made here and from the others (last write wins, no leader),
 * beats with this server's load, and keeps the list of servers seen for /healthz and /metrics.
 *
 * Redis lost: the timeline plays on as last known (it needs no updates while it plays), a change
 * made here meanwhile is kept, and on reconnection it is written if it is still the newest; either
 * way the record that stands in Redis is adopted.
 */
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Logger } from '../shared/logger.js';
import { isUrlLike, publicName } from '../shared/source-name.js';
import { Ascii360Error } from '../shared/errors.js';
import { RedisLink, redactUrl, type ServerBeat } from './redis-link.js';
import { termsClash, type TimelineTerms } from './timeline-terms.js';
import { isNewer, parseRecord, startingRecord, type TimelineRecord } from './timeline-record.js';

/** What a change made on this server says; the cluster stamps who and when. */
export type TimelineChange = Pick<TimelineRecord, 'paused' | 'position' | 'at' | 'cause'>;

/** A timeline kept outside this server, as the playback follows it (app/playback.ts). */
export interface SharedTimeline {
  readonly record: TimelineRecord;
  /** A change made here: adopted at once (through the follower) and written for the others. */
  change(change: TimelineChange): void;
}

export interface ClusterOptions {
  url: string;
  /** Servers with the same name (and Redis) share a timeline; other names on that Redis are apart. */
  name: string;
  /** Start without Redis when it cannot be reached, and join when it comes. */
  optional: boolean;
  /** What the timeline means here, which every server of it must share; null for a source that follows no timeline (a live stream, a photo). */
  terms: TimelineTerms | null;
  log: Logger;
}

/** The load and whereabouts this server reports in each heartbeat. */
export type BeatLoad = Omit<ServerBeat, 'id' | 'at' | 'duration' | 'loop'>;

export interface ClusterHealth {
  name: string;
  id: string;
  connected: boolean;
  /** Why Redis is unreachable, while it is. */
  lost: string | null;
  /** Every server that beat within HEARTBEAT_WINDOW_MS, with how long ago its last beat was. */
  servers: (ServerBeat & { lastBeatMsAgo: number })[];
  /** The record this server follows: who changed it last, and how. */
  timeline: { paused: boolean; position: number; at: number; cause: string; changedBy: string; changedAt: number };
}

/**
 * The name servers of one source agree on by default: its file name (so the same file under another
 * path, on another machine, still matches), its duration, its frame size, and what tells files
 * that share all three apart: a file's length in bytes, a URL's host and path (two HLS
 * `index.m3u8`, two cameras' live streams). `label` is the source as opened (open-source.ts: a
 * path, or a URL without its secrets).
 */
export async function clusterNameFor(label: string | undefined, duration: number, width: number, height: number): Promise<string> {
  if (!label) return 'demo';
  // The name shows in /healthz: the source as anyone may see it named (a stream's path ends in its key).
  const name = publicName(label).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'source';
  return `${name}-${duration.toFixed(3)}s-${width}x${height}-${await identity(label)}`;
}

async function identity(label: string): Promise<string> {
  if (isUrlLike(label)) {
    const url = new URL(label);
    return createHash('sha256').update(`${url.host}${url.pathname}`).digest('hex').slice(0, 12);
  }
  try {
    return `${(await stat(label)).size}B`;
  } catch {
    return 'unread';
  }
}

export const HEARTBEAT_MS = 1000;
/** A server missing this long is no longer counted (its key expires too). */
export const HEARTBEAT_WINDOW_MS = 5000;

export class Cluster implements SharedTimeline {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private current: TimelineRecord;
  /** A change made here while Redis was away, written when it is back. */
  private pending: TimelineRecord | null = null;
  private servers: ServerBeat[] = [];
  private beatTimer: NodeJS.Timeout | null = null;
  private beating = false;
  /**
   * Whether this server's terms were found to agree with the timeline's since Redis last answered:
   * until then (a regained Redis is checked first) it neither beats nor follows the cluster's records,
   * or a server about to be refused would move its viewers to a timeline it reads otherwise.
   */
  private agreed = false;
  /** A disagreement seen in the beats (two servers that joined at once), logged once until it is gone. */
  private clashSeen: string | null = null;
  private link!: RedisLink;
  /** Called with every record this server adopts, its own changes included (app → playback). */
  onRecord: (record: TimelineRecord) => void = () => {};

  private constructor(private readonly opts: ClusterOptions) {
    // Until Redis answers (or with none at all), a fresh timeline from the start of the file.
    this.current = startingRecord(Date.now(), 0, '');
  }

  /** Joins, or refuses with one line (Ascii360Error) when Redis cannot be reached and is not optional. */
  static async join(opts: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(opts);
    cluster.link = await RedisLink.open(opts.url, opts.name, opts.optional, {
      // The cluster's records, followed once this server's terms agree with it (agreed).
      published: (text) => {
        if (cluster.agreed) cluster.adopt(parseRecord(text));
      },
      lost: (reason) => {
        cluster.agreed = false;
        opts.log.warn('cluster.lost', { redis: redactUrl(opts.url), reason, playing: 'on the last known timeline' });
      },
      regained: () => {
        opts.log.info('cluster.regained', { redis: redactUrl(opts.url) });
        void cluster.checkTerms().then(async (clash) => {
          if (!clash) {
            cluster.agreed = true;
            return cluster.reconcile();
          }
          // Running already (it started without Redis): it cannot refuse to start, so it stays apart, saying why.
          opts.log.error('cluster.refused', { name: opts.name, reason: clash, playing: 'alone' });
          // Out of the server list at once, not when its last beat expires: a server joining meanwhile would be measured against it.
          await cluster.link.leave(cluster.id).catch(() => undefined);
          cluster.link.refuse(clash);
          return undefined;
        });
      },
    });
    if (cluster.link.connected) {
      const clash = await cluster.checkTerms();
      if (clash) {
        cluster.link.close();
        throw new Ascii360Error('CLUSTER_MISMATCH', `--cluster: cannot join the timeline "${opts.name}": ${clash}; start its servers alike, or give this one another --cluster-name`);
      }
      cluster.agreed = true;
      await cluster.reconcile();
    } else opts.log.warn('cluster.unreachable', { redis: redactUrl(opts.url), reason: cluster.link.reason, playing: 'alone until it answers' });
    opts.log.info('cluster.joined', { name: opts.name, id: cluster.id, connected: cluster.link.connected });
    return cluster;
  }

  get record(): TimelineRecord {
    return this.current;
  }

  /** Why this server's terms differ from those of the servers already on the timeline, or null. */
  private async checkTerms(): Promise<string | null> {
    if (!this.opts.terms) return null;
    try {
      return termsClash(this.opts.terms, await this.link.peers(Date.now(), HEARTBEAT_WINDOW_MS));
    } catch (error) {
      // Redis went away meanwhile: nobody to disagree with; the check comes again when it is back.
      this.opts.log.debug('cluster.peers_failed', { reason: (error as Error).message });
      return null;
    }
  }

  get connected(): boolean {
    return this.link.connected;
  }

  change(change: TimelineChange): void {
    // Stamped after whatever this server last saw, so its own change wins locally even when its
    // clock is behind the writer of the current record's.
    const changedAt = Math.max(Date.now(), this.current.changedAt + 1);
    const record: TimelineRecord = { ...change, changedAt, writer: this.id };
    // Pending before it is adopted: adopting may lead to another change, which must come after it.
    this.pending = record;
    this.adopt(record);
    void this.flush();
  }

  /** Writes the pending change, if any, and adopts whatever record stands afterwards. */
  private async flush(): Promise<void> {
    const record = this.pending;
    if (!record || !this.link.connected) return;
    try {
      const standing = await this.link.write(record);
      if (this.pending === record) this.pending = null;
      this.adopt(standing);
    } catch (error) {
      // Redis went away mid-write: the change stays pending until `regained`.
      this.opts.log.debug('cluster.write_failed', { reason: (error as Error).message });
    }
  }

  /**
   * On (re)connection: our pending change if newer, else the record in Redis. A Redis that lost
   * the record (restarted empty) gets ours back, with its own time of change, so the newest change
   * any server holds wins; a first server starts a fresh timeline.
   */
  private async reconcile(): Promise<void> {
    try {
      if (this.pending) {
        await this.flush();
        return;
      }
      const stored = await this.link.read();
      if (stored) {
        this.adopt(stored);
        return;
      }
      const now = Date.now();
      const ours = this.current.changedAt > 0 ? this.current : startingRecord(now, now, this.id);
      this.adopt(await this.link.write(ours));
    } catch (error) {
      this.opts.log.debug('cluster.reconcile_failed', { reason: (error as Error).message });
    }
  }

  private adopt(record: TimelineRecord | null): void {
    if (!record || !isNewer(record, this.current)) return;
    this.current = record;
    this.onRecord(record);
  }

  /** Beats every HEARTBEAT_MS with the load `load` reports; the list of servers comes back with each. */
  startHeartbeat(load: () => BeatLoad): void {
    const beat = async (): Promise<void> => {
      if (this.beating || !this.link.connected || !this.agreed) return;
      this.beating = true;
      try {
        const { servers, record } = await this.link.beat({ ...load(), ...this.opts.terms, id: this.id, at: Date.now() }, HEARTBEAT_WINDOW_MS);
        this.servers = servers;
        this.noteClash(servers);
        this.adopt(record);
      } catch (error) {
        this.opts.log.debug('cluster.beat_failed', { reason: (error as Error).message });
      } finally {
        this.beating = false;
      }
    };
    void beat();
    this.beatTimer = setInterval(() => void beat(), HEARTBEAT_MS);
    this.beatTimer.unref();
  }

  /**
   * Two servers that joined at the same moment both passed the check at the door (checkTerms):
   * neither can tell which one is wrong, so both say so in their logs, once.
   */
  private noteClash(servers: readonly ServerBeat[]): void {
    const clash = this.opts.terms ? termsClash(this.opts.terms, servers.filter((s) => s.id !== this.id)) : null;
    if (clash && clash !== this.clashSeen) this.opts.log.error('cluster.clash', { name: this.opts.name, reason: clash, note: 'start every server of one timeline alike' });
    this.clashSeen = clash;
  }

  health(now = Date.now()): ClusterHealth {
    const r = this.current;
    return {
      name: this.opts.name,
      id: this.id,
      connected: this.link.connected,
      lost: this.link.connected ? null : this.link.reason,
      // Others only while their beat is fresh: with Redis away nobody's is heard, and a server killed
      // meanwhile stayed listed (and counted in /metrics) for the whole outage. This one stays, with
      // its last beat (absent until it has beaten once: a server started without Redis).
      servers: this.servers.filter((s) => s.id === this.id || now - s.at <= HEARTBEAT_WINDOW_MS).map((s) => ({ ...s, lastBeatMsAgo: Math.max(0, now - s.at) })),
      timeline: { paused: r.paused, position: r.position, at: r.at, cause: r.cause, changedBy: r.writer, changedAt: r.changedAt },
    };
  }

  async dispose(): Promise<void> {
    this.onRecord = () => {};
    if (this.beatTimer) clearInterval(this.beatTimer);
    this.beatTimer = null;
    try {
      // Bounded by the command timeout: a stalled Redis does not hold the shutdown.
      await this.link.leave(this.id);
    } catch {
      // Leaving is a courtesy: the others stop counting us when our beats stop anyway.
    }
    this.link.close();
  }
}
