/**
 * The cluster tests' rig: Redis and nginx come from bench/cluster-rig.ts (the benchmark runs the
 * same deployment); the servers are the real CLI (server.ts).
 */
import { createConnection } from 'node:net';
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

/** Sends one command to the Redis on 127.0.0.1:`port` and answers its raw RESP reply (bounded in time). */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      // Every reply used here ends with its last line; a short wait lets a multi-line one finish.
      setTimeout(() => {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }, 50);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
