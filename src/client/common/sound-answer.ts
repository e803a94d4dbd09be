/**
 * What the server's `/audio` says about its sound now (PROTOCOL-NOTES.md §1.4), asked with `HEAD`
 * so that asking is never listening: `200` there is sound, `204` the source has none, `401`/`403`
 * the token was refused, `503` the source or its sound failed. A 503's one line says why (`the
 * sound failed: …`), and both clients show it rather than a bare status, but a HEAD answer has no
 * body: the line is asked for with a GET, which a 503 answers before counting a listener, so it
 * starts nothing. Shared by the page's sound button and the terminal's `--audio`.
 */

/** The request gets this long; a server this slow is taken as not answering, not waited for. */
const SOUND_PROBE_MS = 5000;
/** A reason longer than this is cut: it is shown on one line of a status bar or a button's tooltip. */
const WHY_MAX_CHARS = 300;

/**
 * What the answer means: `available` (200), `none` (204: no sound track), `refused` (401, 403),
 * `failed` (503 with the server's own line), `unavailable` (no answer, or anything else: an older
 * server's 404, a proxy's 502 or its own 503 while the server restarts, which may pass).
 */
export type SoundState = 'available' | 'none' | 'refused' | 'failed' | 'unavailable';

export interface SoundAnswer {
  /** The HEAD's status; 0 when the server did not answer. */
  status: number;
  state: SoundState;
  /** With `failed`: the server's one line (`the sound failed: …`, `the source failed: …`). */
  why: string | null;
}

/** The lines the server gives a 503 on /audio for a failure (PROTOCOL-NOTES.md §1.4); a full server's, or a proxy's page, is none of them. */
const FAILED_LINE = /^the (sound|source) failed: /;

export async function askSound(url: string): Promise<SoundAnswer> {
  let status = 0;
  try {
    // Every /audio answer is Cache-Control: no-store, so no cached answer stands in.
    status = (await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(SOUND_PROBE_MS) })).status;
  } catch {
    return { status: 0, state: 'unavailable', why: null };
  }
  if (status === 200) return { status, state: 'available', why: null };
  if (status === 204) return { status, state: 'none', why: null };
  if (status === 401 || status === 403) return { status, state: 'refused', why: null };
  const why = status === 503 ? await whyNoSound(url) : null;
  return { status, state: why === null ? 'unavailable' : 'failed', why };
}

/** The 503's line where it is the server's word for a failure; null for anything else (the sound came back since: not listened to). */
async function whyNoSound(url: string): Promise<string | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SOUND_PROBE_MS);
  try {
    const res = await fetch(url, { signal: abort.signal });
    // A full server's 503 comes with Retry-After: a moment's refusal, not a failure.
    if (res.status !== 503 || res.headers.has('retry-after') || !/^text\/plain/.test(res.headers.get('content-type') ?? '')) return null;
    const line = (await res.text()).split('\n')[0]?.trim() ?? '';
    return FAILED_LINE.test(line) ? line.slice(0, WHY_MAX_CHARS) : null;
  } catch {
    return null;
  } finally {
    // Also ends a 200 stream the GET opened, so the server does not keep a listener for it.
    clearTimeout(timer);
    abort.abort();
  }
}
