/**
 * How the operator's source is named where others read it. A URL may carry a password or a signed
 * query (a CDN's key): logs and the start-up line show it without them; viewers and /healthz, which
 * anyone who reaches the server may read, get only its file name, not the server's directories.
 */

const URL_LIKE = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Whether a source names a URL (`scheme://…`) rather than a file. */
export const isUrlLike = (input: string): boolean => URL_LIKE.test(input);

/** The scheme of a source that names a URL, lower case (`https`), or null for a file. */
export const urlScheme = (input: string): string | null => URL_LIKE.exec(input)?.[1]!.toLowerCase() ?? null;

/** The URL schemes ffmpeg opens for us; HLS and DASH playlists come over http(s). */
const SOURCE_URL_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'rtmp', 'rtmps', 'rtsp', 'srt', 'udp', 'tcp', 'rtp']);

/** The source URL schemes as a refusal names them to the user. */
const SOURCE_URL_SCHEMES_SAID = 'http(s) (a file, or an HLS or DASH playlist), rtmp(s), rtsp, srt, udp, tcp, rtp';

/** Whether `input` is a URL ffmpeg opens for us (not a file, nor a file: URL, which names one). */
export const isSourceUrl = (input: string): boolean => SOURCE_URL_SCHEMES.has(urlScheme(input) ?? '');

/**
 * Why a source named with a scheme we do not open (`ftp://`, `gopher://`) is refused, naming the
 * ones we do; null for a file, a file: URL or a scheme we open. Checked before anything is started
 * or said of opening it (`play` said `opening ftp://…` before the refusal).
 */
export function unsupportedScheme(input: string): string | null {
  const scheme = urlScheme(input);
  if (scheme === null || scheme === 'file' || SOURCE_URL_SCHEMES.has(scheme)) return null;
  return `${input.slice(0, scheme.length)}:// sources are not supported; URLs may be ${SOURCE_URL_SCHEMES_SAID}`;
}

/** Whether opening a source waits on a network: a URL we open (its probe may take 20 s, worth saying). */
export const opensOverNetwork = isSourceUrl;

function parsed(input: string): URL | null {
  if (!URL_LIKE.test(input)) return null;
  try {
    return new URL(input);
  } catch {
    return null;
  }
}

/**
 * The source for the operator's log and lines: a URL's user, password and query hidden, and an
 * RTMP URL's last path part, its stream key by convention (`rtmp://host/live/…`); any other path as
 * it is. Logs are shipped and terminals shared: a key there is a key given away.
 */
export function redactedSource(input: string): string {
  const url = parsed(input);
  if (!url) return input;
  // A user name may be the key itself (`https://<token>@host/…`).
  if (url.username) url.username = '***';
  if (url.password) url.password = '***';
  if (url.search) url.search = '?…';
  if (/^rtmps?:$/.test(url.protocol)) url.pathname = url.pathname.replace(/[^/]+$/, '…');
  url.hash = '';
  return url.href.replace(/%E2%80%A6/g, '…');
}

/**
 * `text` (an ffmpeg message) with every URL in it named as viewers may see it: the failing URL
 * may be a segment's or a redirect's, carrying the same key in another form than the source's.
 */
export function withPublicUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s'"]+?)([:,.;]*)(?=[\s'"]|$)/gi, (_all, url: string, tail: string) => publicName(url) + tail);
}

/**
 * An ffmpeg line about `input` as viewers (and `/audio`) may be told it: the source by its public
 * name, not the server's directories, nor a URL's user, password or query, which may hold a key.
 */
export function toldOf(line: string, input: string): string {
  return withPublicUrls(line.split(input).join(publicName(input)));
}

/**
 * The source as viewers may see it named: a file's, or an HTTP URL path's, last part. A stream's
 * path (RTMP, SRT, RTSP) ends in its key, so it is named by its kind alone.
 */
export function publicName(input: string): string {
  const url = parsed(input);
  if (url && !/^https?:$/.test(url.protocol)) return `the ${url.protocol.slice(0, -1)} stream`;
  const path = url?.pathname ?? input;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name || 'the source';
}
