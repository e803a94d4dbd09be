/**
 * Whether the server of an http(s) file answers range requests. ffmpeg reads such a file from its
 * start without them, but cannot start it anywhere else: a seek or a resume read "partial file" and
 * looked like the end of the video. The source then plays only from its start (open-source.ts).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How long the one-byte request may take; past it the answer is taken as yes, as before we asked. */
const ASK_TIMEOUT_MS = 5000;
/** Redirects followed (a CDN's signed hop or two). */
const MAX_REDIRECTS = 3;

/** Resolves true where the server sends a part (206) for `Range: bytes=0-0`, false where it sends the whole file; true where it cannot tell. */
export function takesRanges(url: string, redirects = MAX_REDIRECTS): Promise<boolean> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(true);
      return;
    }
    const request = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
    if (!request) {
      resolve(true);
      return;
    }
    const req = request(target, { method: 'GET', headers: { Range: 'bytes=0-0' } }, (res: IncomingMessage) => {
      clearTimeout(deadline);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      // Only the status is wanted: a server that ignores the range would send the whole file.
      res.destroy();
      if (status >= 300 && status < 400 && location && redirects > 0) {
        let next: string;
        try {
          next = new URL(location, target).href;
        } catch {
          resolve(true); // a Location that is no URL: ffmpeg will say what it makes of it
          return;
        }
        resolve(takesRanges(next, redirects - 1));
        return;
      }
      resolve(status === 206 ? true : !(status >= 200 && status < 300));
    });
    // The whole answer's deadline (each hop's): a socket's `timeout` is for silence, not a slow trickle.
    const deadline = setTimeout(() => req.destroy(), ASK_TIMEOUT_MS);
    req.on('error', () => {
      clearTimeout(deadline);
      resolve(true);
    });
    req.end();
  });
}
