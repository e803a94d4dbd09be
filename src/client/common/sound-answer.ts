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

export interface SoundAnswer {
  /** The HEAD's status; 0 when the server did not answer. */
  status: number;
  /** A 503's one line (`the sound failed: …`, `the source failed: …`), or null. */
  why: string | null;
}

export async function askSound(url: string): Promise<SoundAnswer> {
  let status = 0;
  try {
    // Every /audio answer is Cache-Control: no-store, so no cached answer stands in.
    status = (await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(SOUND_PROBE_MS) })).status;
  } catch {
    return { status: 0, why: null };
  }
  return { status, why: status === 503 ? await whyNoSound(url) : null };
}

/** The 503's line, or null where the GET got anything else (the sound came back since: not listened to). */
async function whyNoSound(url: string): Promise<string | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SOUND_PROBE_MS);
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (res.status !== 503) return null;
    const line = (await res.text()).split('\n')[0]?.trim() ?? '';
    return line === '' ? null : line.slice(0, WHY_MAX_CHARS);
  } catch {
    return null;
  } finally {
    // Also ends a 200 stream the GET opened, so the server does not keep a listener for it.
    clearTimeout(timer);
    abort.abort();
  }
}
