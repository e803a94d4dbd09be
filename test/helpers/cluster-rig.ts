/**
 * The cluster tests' rig: Redis and nginx come from bench/cluster-rig.ts (the benchmark runs the
 * same deployment); the servers are the real CLI (server.ts).
 */
import { startCli, type CliServer } from './server.js';

export { freePort, NGINX_CONF, pingRedis, renderNginxConf, startNginx, startRedis, type NginxRig, type RedisRig } from '../../bench/cluster-rig.js';

/** The port a CLI server listens on. */
export const portOf = (server: CliServer): number => Number(new URL(server.url).port);

/**
 * `count` servers (`ascii360 serve`, real CLI) started together; server `i` gets `serveArgs(i)`
 * (the source, `--loop`, `--cluster …`), or the same array for all. If one fails to start, the
 * others are stopped before the error is thrown.
 */
export async function startServers(count: number, serveArgs: string[] | ((index: number) => string[])): Promise<CliServer[]> {
  const argsOf = typeof serveArgs === 'function' ? serveArgs : () => serveArgs;
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startCli(argsOf(i))));
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  return servers;
}
